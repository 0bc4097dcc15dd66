/** What a build needs to know about its Space. */
export interface BuildContext {
  repo: string;
  lfs: string;
  /** builds/<owner>/<name>: one folder per revision. */
  builds: string;
  /** Shared npm cache and installed node_modules, keyed by package-lock.json. */
  cacheDir: string;
}

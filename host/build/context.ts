import type { Cgroups } from "../apps/cgroups.ts";
import type { Disks } from "../apps/disks.ts";
import type { Limits } from "../apps/limits.ts";

/** What a build needs to know about its Space. */
export interface BuildContext {
  repo: string;
  lfs: string;
  /** builds/<owner>/<name>: one folder per revision. */
  builds: string;
  /** npm's cache and installed node_modules, per owner (`install.ts`). */
  cacheDir: string;
  /** The Space's owner: a tenant's installs are never another's. */
  owner: string;
  /** The Space's name (its build's cgroup is named for it). */
  name: string;
  /** How `npm ci` is sandboxed; absent in dev mode (SPACE_RUNTIME=process), where it runs on the host. */
  sandbox?: BuildSandbox;
}

/** A build's sandbox: the Space's own uid and limits, as its app has them. */
export interface BuildSandbox {
  uid: number;
  limits: Limits;
  /** Where the build's cgroup is made (none: the kernel lets the host write no controller). */
  cgroups?: Cgroups;
  /** The host's made-up passwd, group and resolv.conf (`Sandboxing.etc`). */
  etc: string;
  /** The Space's own disk (none: the host cannot mount one), where npm writes: its disk limit holds for the build too. */
  disk?: { disks: Disks; image: string; dir: string };
}

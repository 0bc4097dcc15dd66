/**
 * Where each Space's things live under SPACES_DATA (the bare repository is made by
 * `repo/repository.ts`).
 *
 * ```
 * SPACES_DATA/accounts.json            users, hashed tokens, Spaces, variables, secrets
 * SPACES_DATA/repos/<owner>/<name>.git bare repository (git http-backend serves it)
 * SPACES_DATA/lfs/<owner>/<name>/      LFS objects by sha256
 * SPACES_DATA/builds/<owner>/<name>/<sha>/  one exported, installed revision each
 * SPACES_DATA/state/<owner>/<name>.json     what the Space runs (restored when the host starts)
 * SPACES_DATA/uploads/<owner>/<name>/  GRADIO_TEMP_DIR, shared by the Space's revisions
 * SPACES_DATA/data/<owner>/<name>/     SPACE_DATA_DIR: the Space's own persistent data
 * SPACES_DATA/cache/                   npm's cache and node_modules per package-lock.json
 * SPACES_DATA/run/                     one record per app process group the host started
 * ```
 */
import { join } from "node:path";

/** One Space's folders. Names are checked (`names.ts`) before they get here. */
export interface SpacePaths {
  repo: string;
  lfs: string;
  builds: string;
  state: string;
  uploads: string;
  data: string;
}

/**
 * @example
 * spacePaths("/srv/spaces", "alice", "demo").repo // → "/srv/spaces/repos/alice/demo.git"
 */
export function spacePaths(dataDir: string, owner: string, name: string): SpacePaths {
  return {
    repo: join(dataDir, "repos", owner, `${name}.git`),
    lfs: join(dataDir, "lfs", owner, name),
    builds: join(dataDir, "builds", owner, name),
    state: join(dataDir, "state", owner, `${name}.json`),
    uploads: join(dataDir, "uploads", owner, name),
    data: join(dataDir, "data", owner, name),
  };
}

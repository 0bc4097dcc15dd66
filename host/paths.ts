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
 * SPACES_DATA/disks/<owner>/<name>/    the Space's disk (in a sandbox: its image, mounted):
 *                       data/          SPACE_DATA_DIR: the Space's own persistent data
 *                       uploads/       GRADIO_TEMP_DIR, shared by the Space's revisions
 *                       sockets/       one folder per sandboxed app (its /run/space, so what it
 *                                      writes there counts on its disk), and the socket the host
 *                                      reaches it by, pinned next to it (root's alone)
 * SPACES_DATA/disks/<owner>/<name>.img that disk's ext4 image (SPACE_DISK_MB, sparse)
 * SPACES_DATA/cache/                   npm's cache and node_modules per package-lock.json
 * SPACES_DATA/templates/lfs/           the New Space templates' LFS objects, stored once and
 *                                      hard-linked into each new Space's LFS store
 * SPACES_DATA/run/                     one record per app the host started (process group or sandbox)
 * SPACES_DATA/sandbox/etc/             the passwd and group a sandbox shows
 * ```
 */
import { join } from "node:path";

/** One Space's folders. Names are checked (`names.ts`) before they get here. */
export interface SpacePaths {
  repo: string;
  lfs: string;
  builds: string;
  state: string;
  /** Mount point of the Space's disk: its data and uploads are in it. */
  disk: string;
  /** The disk's image, when the host mounts one per Space. */
  image: string;
  uploads: string;
  data: string;
  sockets: string;
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
    disk: join(dataDir, "disks", owner, name),
    image: join(dataDir, "disks", owner, `${name}.img`),
    uploads: join(dataDir, "disks", owner, name, "uploads"),
    data: join(dataDir, "disks", owner, name, "data"),
    sockets: join(dataDir, "disks", owner, name, "sockets"),
  };
}

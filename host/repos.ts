/**
 * Where each Space's things live under SPACES_DATA, and its bare git repository: created on the
 * first push with the two hook shims that hand pushes to the host (`host/hook.ts`).
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
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

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

// git runs these in the bare repo; each runs host/hook.ts with tsx, naming the hook.
const shim = (hook: string) => `#!/bin/sh
exec "${process.execPath}" --import "${import.meta.resolve("tsx")}" "${fileURLToPath(new URL("./hook.ts", import.meta.url))}" ${hook}
`;

/**
 * Creates the bare repository if it is not there yet, and (re)writes its hooks when they differ
 * from this host's: they name the Node and tsx of the host that wrote them.
 */
export async function ensureRepo(paths: SpacePaths): Promise<void> {
  if (!existsSync(join(paths.repo, "HEAD"))) {
    await mkdir(paths.repo, { recursive: true });
    await run("git", ["init", "--bare", "--quiet", "--initial-branch=main", paths.repo]);
    await run("git", ["-C", paths.repo, "config", "http.receivepack", "true"]);
  }
  for (const hook of ["pre-receive", "post-receive"]) {
    const file = join(paths.repo, "hooks", hook);
    if ((await readFile(file, "utf8").catch(() => "")) === shim(hook)) continue;
    await writeFile(file, shim(hook));
    await chmod(file, 0o755);
  }
}

/** The files at HEAD with their sizes (an LFS file shows its pointer's size). */
export async function listTree(repo: string): Promise<{ path: string; size: number }[]> {
  const out = await run("git", ["--git-dir", repo, "ls-tree", "-r", "-l", "HEAD"]).catch(() => ({ stdout: "" }));
  // "<mode> blob <oid> <size>\t<path>"
  return out.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [meta = "", path = ""] = line.split("\t");
      return { path, size: Number(meta.trim().split(/\s+/)[3]) };
    });
}

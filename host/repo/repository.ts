/**
 * A Space's bare repository: created on the first push (or API create) with the two hook shims
 * that hand pushes to the host (`hook.ts`).
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SpacePaths } from "../paths.ts";
import { git } from "./git.ts";

// git runs these in the bare repo; each runs host/hook.ts with tsx, naming the hook.
const shim = (hook: string) => `#!/bin/sh
exec "${process.execPath}" --import "${import.meta.resolve("tsx")}" "${fileURLToPath(new URL("./hook.ts", import.meta.url))}" ${hook}
`;

/**
 * Creates the bare repository if it is not there yet, and (re)writes its hooks when they differ
 * from this host's: they name the Node and tsx of the host that wrote them.
 *
 * @example
 * await ensureRepo(spacePaths(dataDir, "alice", "demo")); // repos/alice/demo.git, hooks in place
 */
export async function ensureRepo(paths: SpacePaths): Promise<void> {
  if (!existsSync(join(paths.repo, "HEAD"))) {
    await mkdir(paths.repo, { recursive: true });
    await git(paths.repo, ["init", "--bare", "--quiet", "--initial-branch=main"]);
    await git(paths.repo, ["config", "http.receivepack", "true"]);
  }
  for (const hook of ["pre-receive", "post-receive"]) {
    const file = join(paths.repo, "hooks", hook);
    if ((await readFile(file, "utf8").catch(() => "")) === shim(hook)) continue;
    await writeFile(file, shim(hook));
    await chmod(file, 0o755);
  }
}

/**
 * A revision exported into a folder `npm start` can run: `git archive` piped into tar, then
 * every LFS pointer replaced by its object from the Space's store, and every symbolic link
 * checked to stay inside the folder before anything reads a file of it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, readlink, realpath, rm, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { gitProcess } from "../repo/git.ts";
import { objectPath } from "../repo/lfs-store.ts";
import { linkOutside, parsePointer } from "../repo/rules.ts";
import type { BuildContext } from "./context.ts";

/**
 * Writes revision `sha` of the Space's repository into `dir` (emptied first), with each LFS
 * pointer replaced by its object, as a clone with git-lfs would have it.
 *
 * @throws {Error} when git or tar fails, a pointer's object was never uploaded, or a symbolic
 *   link leads out of the folder.
 * @example
 * await exportRevision(ctx, sha, join(ctx.builds, sha));
 */
export async function exportRevision(ctx: BuildContext, sha: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // The pointers are exported as they are (the runner reads no system config, so no smudge filter
  // tries to download from a remote this bare repo does not have); we replace them below.
  const archive = gitProcess(ctx.repo, ["archive", "--format=tar", sha]);
  archive.stdin.end();
  const tar = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
  archive.stdout.pipe(tar.stdin);
  let errors = "";
  archive.stderr.on("data", (d) => (errors += d));
  tar.stderr.on("data", (d) => (errors += d));
  const exit = (p: ChildProcess) => new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
  const [a, t] = await Promise.all([exit(archive), exit(tar)]);
  if (a !== 0 || t !== 0) throw new Error(`exporting ${sha} failed (git archive ${a}, tar ${t}): ${errors.trim()}`);
  // LFS pointers in the tree are replaced by their objects, as a clone with git-lfs would. Links
  // are never followed here; each must end inside the folder, on the real files: the pre-receive
  // hook judges a link by its text, and a chain of links can pass that and still lead out.
  const inside = `${await realpath(dir)}${sep}`;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const relative = path.slice(dir.length + 1);
      if (entry.isSymbolicLink()) {
        const real = await realpath(path).catch(() => undefined);
        // A dangling link is judged by its text: what it would reach once its target exists.
        const problem =
          real === undefined
            ? linkOutside(relative, await readlink(path))
            : `${real}${sep}`.startsWith(inside)
              ? undefined
              : `${relative} is a symbolic link that leads out of the Space's files: links must stay inside its repository.`;
        if (problem) throw new Error(problem);
      } else if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (await stat(path)).size < 200) {
        const pointer = parsePointer(await readFile(path));
        if (!pointer) continue;
        const object = objectPath(ctx.lfs, pointer.oid);
        if (!(await stat(object).catch(() => undefined)))
          throw new Error(`${path.slice(dir.length + 1)} is an LFS pointer to ${pointer.oid}, which was never uploaded (git lfs push?)`);
        await copyFile(object, path);
      }
    }
  };
  await walk(dir);
}

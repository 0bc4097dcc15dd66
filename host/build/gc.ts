/** Removing what no Space uses any more: old builds, then installs no remaining build links to. */
import { lstat, readdir, readlink, rm, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";

/** Bytes under `path`, not following links (node_modules of a build is a link into the cache). */
async function sizeOf(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

/**
 * An install no build links to yet is left alone this long after it was put in place: a build
 * links it only after its install is in place, and another Space's clean-up may run in between.
 */
export const INSTALL_GRACE_MS = 10 * 60_000;

/** What a clean-up removed. */
export interface Freed {
  removed: string[];
  bytes: number;
}

/**
 * Removes builds that are not in `keep` (per Space id, the revisions serving, previous and
 * being built), then each owner's installed node_modules that no remaining build links to
 * (`cache/installs/<owner>/<key>`) unless it was put in place in the last `graceMs`, and install
 * folders abandoned more than an hour ago.
 *
 * @example
 * await collectGarbage("/srv/spaces", new Map([["alice/demo", new Set([sha])]]))
 * // → { removed: ["builds/alice/demo/<old sha>", "cache/installs/alice/<key>"], bytes: 48213377 }
 */
export async function collectGarbage(
  dataDir: string,
  keep: Map<string, Set<string>>,
  { graceMs = INSTALL_GRACE_MS }: { graceMs?: number } = {},
): Promise<Freed> {
  const freed: Freed = { removed: [], bytes: 0 };
  const remove = async (path: string) => {
    freed.bytes += await sizeOf(path);
    await rm(path, { recursive: true, force: true });
    freed.removed.push(path.slice(dataDir.length + 1));
  };
  const list = (path: string) => readdir(path).catch(() => [] as string[]);
  const used = new Set<string>();
  const builds = join(dataDir, "builds");
  for (const owner of await list(builds)) {
    for (const name of await list(join(builds, owner))) {
      for (const sha of await list(join(builds, owner, name))) {
        const dir = join(builds, owner, name, sha);
        if (keep.get(`${owner}/${name}`)?.has(sha)) {
          const link = await readlink(join(dir, "node_modules")).catch(() => undefined);
          if (link) used.add(resolve(dir, link));
        } else await remove(dir);
      }
    }
  }
  // In use: a build links to it or into it (one built before installs were per owner links to installs/<key>/node_modules).
  const inUse = (dir: string) => [...used].some((target) => target === dir || target.startsWith(dir + sep));
  const cache = join(dataDir, "cache");
  const installs = join(cache, "installs");
  const fresh = async (dir: string) => Date.now() - ((await lstat(dir).catch(() => undefined))?.mtimeMs ?? 0) < graceMs;
  for (const owner of await list(installs))
    for (const key of await list(join(installs, owner))) {
      const dir = join(installs, owner, key);
      if (!inUse(dir) && !(await fresh(dir))) await remove(dir);
    }
  for (const entry of await list(cache)) {
    const info = entry.startsWith("install-") ? await stat(join(cache, entry)).catch(() => undefined) : undefined;
    if (info && Date.now() - info.mtimeMs > 3600_000) await remove(join(cache, entry));
  }
  return freed;
}

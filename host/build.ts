/**
 * Turning a pushed revision into a folder that `npm start` can run: export the tree (LFS
 * pointers replaced by their objects), read the Space card, install dependencies once per
 * package-lock.json into a shared cache; and removing what no Space uses any more.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readCard, type SpaceCard } from "./card.ts";
import { objectPath } from "./lfs.ts";

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/;

/** What a build needs to know about its Space. */
export interface BuildContext {
  repo: string;
  lfs: string;
  /** builds/<owner>/<name>: one folder per revision. */
  builds: string;
  /** Shared npm cache and installed node_modules, keyed by package-lock.json. */
  cacheDir: string;
}

function runLogged(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  log: (s: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => log(d.toString()));
    child.stderr.on("data", (d: Buffer) => log(d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with code ${code}`))));
  });
}

async function exportRevision(ctx: BuildContext, sha: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // The pointers are exported as they are (no smudge filter: Debian's git-lfs sets one system-wide,
  // and it would try to download from a remote this bare repo does not have); we replace them below.
  const noLfs = ["-c", "filter.lfs.process=", "-c", "filter.lfs.smudge=", "-c", "filter.lfs.required=false"];
  const archive = spawn("git", [...noLfs, "--git-dir", ctx.repo, "archive", "--format=tar", sha], { stdio: ["ignore", "pipe", "pipe"] });
  const tar = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
  archive.stdout.pipe(tar.stdin);
  let errors = "";
  archive.stderr.on("data", (d) => (errors += d));
  tar.stderr.on("data", (d) => (errors += d));
  const exit = (p: ChildProcess) => new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
  const [a, t] = await Promise.all([exit(archive), exit(tar)]);
  if (a !== 0 || t !== 0) throw new Error(`exporting ${sha} failed (git archive ${a}, tar ${t}): ${errors.trim()}`);
  // LFS pointers in the tree are replaced by their objects, as a clone with git-lfs would.
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (await stat(path)).size < 200) {
        const pointer = (await readFile(path, "utf8")).match(POINTER);
        if (!pointer) continue;
        const object = objectPath(ctx.lfs, pointer[1]!);
        if (!(await stat(object).catch(() => undefined)))
          throw new Error(`${path.slice(dir.length + 1)} is an LFS pointer to ${pointer[1]}, which was never uploaded (git lfs push?)`);
        await copyFile(object, path);
      }
    }
  };
  await walk(dir);
}

/** The cache key of a package-lock.json: builds with the same lockfile share node_modules. */
export const installKey = (lock: Uint8Array) => createHash("sha256").update(lock).digest("hex").slice(0, 16);

/** Where the node_modules for a cache key live (`<key>/node_modules`: packages find siblings by walking up to a folder named node_modules). */
export const installedModules = (cacheDir: string, key: string) => join(cacheDir, "installs", key, "node_modules");

/** node_modules for this package-lock.json, installed once and shared by later builds. */
async function install(ctx: BuildContext, dir: string, log: (s: string) => void): Promise<void> {
  const lock = await readFile(join(dir, "package-lock.json")).catch(() => undefined);
  if (!lock) throw new Error("The Space has no package-lock.json: run npm install and commit it.");
  const key = installKey(lock);
  const modules = installedModules(ctx.cacheDir, key);
  if (await stat(modules).catch(() => undefined)) log(`Reusing dependencies installed for this package-lock.json (${key}).\n`);
  else {
    log("npm ci --omit=dev (shared cache)\n");
    await mkdir(ctx.cacheDir, { recursive: true });
    const work = await mkdtemp(join(ctx.cacheDir, "install-"));
    for (const file of ["package.json", "package-lock.json", ".npmrc"]) await copyFile(join(dir, file), join(work, file)).catch(() => {});
    try {
      await runLogged(
        "npm",
        ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"],
        {
          cwd: work,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            npm_config_cache: join(ctx.cacheDir, "npm"),
            npm_config_update_notifier: "false",
            ONNXRUNTIME_NODE_INSTALL: "skip",
          },
        },
        log,
      );
      await mkdir(join(ctx.cacheDir, "installs", key), { recursive: true });
      await mkdir(join(work, "node_modules"), { recursive: true }); // npm makes none for a Space without dependencies
      await rename(join(work, "node_modules"), modules);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  await symlink(modules, join(dir, "node_modules"), "dir");
}

/**
 * Exports and installs revision `sha` into `builds/<sha>`.
 *
 * @returns the folder and the Space card from its README.md.
 * @throws {Error} saying what went wrong, for the build log.
 */
export async function buildRevision(ctx: BuildContext, sha: string, log: (s: string) => void): Promise<{ dir: string; card: SpaceCard }> {
  const dir = join(ctx.builds, sha);
  await exportRevision(ctx, sha, dir);
  const { card, warning } = readCard(await readFile(join(dir, "README.md"), "utf8").catch(() => ""));
  if (warning) log(`Warning: ${warning}\n`);
  log(`Space card: ${card.title ?? "(no title)"} ${card.emoji ?? ""} sdk=${card.sdk ?? "?"} app_port=${card.app_port}\n`);
  await install(ctx, dir, log);
  return { dir, card };
}

/** Bytes under `path`, not following links (node_modules of a build is a link into the cache). */
async function sizeOf(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

/** What a clean-up removed. */
export interface Freed {
  removed: string[];
  bytes: number;
}

/**
 * Removes builds that are not in `keep` (per Space id, the revisions serving, previous and
 * being built), then installed node_modules that no remaining build links to, and install
 * folders abandoned more than an hour ago.
 *
 * @example
 * await collectGarbage("/srv/spaces", new Map([["alice/demo", new Set([sha])]]))
 * // → { removed: ["builds/alice/demo/<old sha>", "cache/installs/<key>"], bytes: 48213377 }
 */
export async function collectGarbage(dataDir: string, keep: Map<string, Set<string>>): Promise<Freed> {
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
  const cache = join(dataDir, "cache");
  for (const key of await list(join(cache, "installs"))) {
    if (!used.has(installedModules(cache, key))) await remove(join(cache, "installs", key));
  }
  for (const entry of await list(cache)) {
    const info = entry.startsWith("install-") ? await stat(join(cache, entry)).catch(() => undefined) : undefined;
    if (info && Date.now() - info.mtimeMs > 3600_000) await remove(join(cache, entry));
  }
  return freed;
}

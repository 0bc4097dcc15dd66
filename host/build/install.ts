/**
 * A build's dependencies: `npm ci --omit=dev` once per owner and package-lock.json, into
 * cache/installs/<owner>/<lock hash>/node_modules, linked into every build of that owner's
 * Spaces with that lockfile.
 *
 * In the sandbox (the default) npm ci and the install scripts it runs are the Space's own code:
 * they run as its uid, in a sandbox with its limits (`apps/sandbox.ts`), seeing the package files
 * (its committed .npmrc too), npm's cache and the system — nothing else of the host — and
 * reaching the registry through slirp4netns, never the host (`apps/egress.ts`). They write on
 * the Space's own disk, so its disk limit holds. What they leave is then copied off it and
 * sealed: owned by root and read-only to every Space, so no install script, this build's or a
 * later app's, can change what another build runs. Installs are per owner, npm's cache per Space
 * (on its disk; per owner where the host has no disks): two tenants with the same lockfile never
 * share either. In dev mode (SPACE_RUNTIME=process) npm ci runs on the host as the host's user.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, copyFile, cp, lchown, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, statfs, symlink } from "node:fs/promises";
import { join } from "node:path";
import { EGRESS_INSTALL_LINE, egressAvailable, plugEgress } from "../apps/egress.ts";
import { bwrapArgs, INSIDE, spawnSandboxed } from "../apps/sandbox.ts";
import type { BuildContext, BuildSandbox } from "./context.ts";

const NPM_CI = ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"];

/** The environment npm ci gets besides its PATH, HOME and cache: nothing of the host's. */
const NPM_ENV = { npm_config_update_notifier: "false", ONNXRUNTIME_NODE_INSTALL: "skip" };

/** Where the owner's npm cache is inside the build's sandbox. */
const SANDBOX_NPM_CACHE = `${INSIDE.home}/.npm`;

/** Streams a child's output to the build log; resolves with its exit code once its output has ended. */
function logged(child: ChildProcess, log: (s: string) => void): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => log(d.toString()));
    child.stderr!.on("data", (d: Buffer) => log(d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
}

/**
 * The cache key of a package-lock.json: an owner's builds with the same lockfile share node_modules.
 *
 * @example
 * installKey(readFileSync("package-lock.json")) // → "3f2a9c0d1e4b5a67"
 */
export const installKey = (lock: Uint8Array) => createHash("sha256").update(lock).digest("hex").slice(0, 16);

/**
 * Where an owner's node_modules for a cache key live (`<key>/node_modules`: packages find siblings by walking up to a folder named node_modules).
 *
 * @example
 * installedModules("/srv/spaces/cache", "alice", key) // → "/srv/spaces/cache/installs/alice/<key>/node_modules"
 */
export const installedModules = (cacheDir: string, owner: string, key: string) => join(cacheDir, "installs", owner, key, "node_modules");

/** Whether a package-lock.json names any package (npm ci then needs the registry); one npm cannot read counts as yes. */
function hasDependencies(lock: Uint8Array): boolean {
  try {
    const parsed = JSON.parse(Buffer.from(lock).toString("utf8")) as { packages?: object; dependencies?: object };
    return Object.keys(parsed.packages ?? {}).some((path) => path !== "") || Object.keys(parsed.dependencies ?? {}).length > 0;
  } catch {
    return true;
  }
}

/**
 * Gives every file under `path` to `uid`, links not followed. `sealed`: read-only to all but
 * `uid` too (no set-uid bit, nothing writable by group or others, everything readable).
 */
async function chownTree(path: string, uid: number, sealed = false): Promise<void> {
  const info = await lstat(path);
  await lchown(path, uid, uid);
  if (info.isSymbolicLink()) return;
  if (sealed) await chmod(path, info.isDirectory() || info.mode & 0o111 ? 0o755 : 0o644);
  if (info.isDirectory()) await Promise.all((await readdir(path)).map((entry) => chownTree(join(path, entry), uid, sealed)));
}

/** Whether the file system at `dir` has (almost) no room left. */
async function full(dir: string): Promise<boolean> {
  const { bavail, bsize } = await statfs(dir);
  return bavail * bsize < 1024 * 1024;
}

/** One owner's installs run one at a time: two of one lockfile would race, and npm's cache (per owner, without disks) goes to each build's uid in turn. */
const ownerChains = new Map<string, Promise<unknown>>();
function oneAtATime<T>(owner: string, work: () => Promise<T>): Promise<T> {
  const next = (ownerChains.get(owner) ?? Promise.resolve()).then(work, work);
  ownerChains.set(
    owner,
    next.catch(() => {}),
  );
  return next;
}

/**
 * `npm ci` in `work` in the Space's sandbox: its uid, a cgroup with its limits (removed after),
 * the owner's npm cache, and the network through slirp4netns (a lockfile that names no package
 * installs without it where slirp4netns is missing).
 *
 * @throws {Error} saying why, the memory limit named when the kernel killed it for that.
 */
async function npmCiSandboxed(
  ctx: BuildContext,
  sandbox: BuildSandbox,
  work: string,
  npmCache: string,
  needsNetwork: boolean,
  log: (s: string) => void,
): Promise<void> {
  const { uid, limits, cgroups, etc } = sandbox;
  const egress = egressAvailable();
  if (needsNetwork && !egress)
    throw new Error(`Installing this Space's dependencies needs network access in its build sandbox: ${EGRESS_INSTALL_LINE}`);
  await chownTree(work, uid);
  await chownTree(npmCache, uid);
  const cgroup = cgroups?.create(`${ctx.owner}.${ctx.name}.build-${randomBytes(4).toString("hex")}`, limits);
  try {
    const { staged, args } = bwrapArgs(
      {
        etc,
        egress,
        writable: [
          [work, INSIDE.app],
          [npmCache, SANDBOX_NPM_CACHE],
        ],
      },
      limits.diskMb,
      ["npm", ...NPM_CI],
    );
    const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: INSIDE.home, npm_config_cache: SANDBOX_NPM_CACHE, ...NPM_ENV };
    const child = spawnSandboxed({ uid, cgroup, staged, bwrap: args, egress }, env);
    (child.stdio[3] as NodeJS.ReadableStream).resume(); // bwrap's status: not needed here
    const exited = logged(child, log);
    let plugProblem: string | undefined;
    if (egress)
      await plugEgress(child, cgroup).catch((err: Error) => {
        if (child.exitCode !== null || child.signalCode !== null) return; // it ended by itself: its exit says why
        plugProblem = err.message;
        child.kill("SIGKILL"); // bwrap, waiting for its network: the sandbox dies with it (--die-with-parent)
      });
    const code = await exited;
    if (plugProblem) throw new Error(`The build sandbox's network could not be set up: ${plugProblem}`);
    if (code === 0) return;
    if (cgroup?.oomKills())
      throw new Error(
        `npm ci went over this Space's memory limit (${limits.memoryMb} MB) and was killed: ask for more memory, or install less.`,
      );
    if (sandbox.disk && (await full(sandbox.disk.dir)))
      throw new Error(`npm ci filled this Space's disk (${limits.diskMb} MB): ask for more disk, or install less.`);
    throw new Error(`npm ci exited with code ${code}`);
  } finally {
    await cgroup?.remove();
  }
}

/** `npm ci` in `work` on the host, as the host's user (SPACE_RUNTIME=process). */
async function npmCiOnHost(work: string, npmCache: string, log: (s: string) => void): Promise<void> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: npmCache, ...NPM_ENV };
  const code = await logged(spawn("npm", NPM_CI, { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] }), log);
  if (code !== 0) throw new Error(`npm ${NPM_CI.join(" ")} exited with code ${code}`);
}

/**
 * node_modules for this owner and package-lock.json, installed once (in the Space's sandbox) and
 * shared by the owner's later builds, linked into `dir`.
 *
 * @throws {Error} when `dir` has no package-lock.json or `npm ci` fails.
 * @example
 * await install(ctx, join(ctx.builds, sha), log);
 */
export async function install(ctx: BuildContext, dir: string, log: (s: string) => void): Promise<void> {
  const lock = await readFile(join(dir, "package-lock.json")).catch(() => undefined);
  if (!lock) throw new Error("The Space has no package-lock.json: run npm install and commit it.");
  const key = installKey(lock);
  const modules = installedModules(ctx.cacheDir, ctx.owner, key);
  await oneAtATime(ctx.owner, async () => {
    if (await stat(modules).catch(() => undefined)) {
      log(`Reusing dependencies installed for this package-lock.json (${key}).\n`);
      return;
    }
    log(`npm ci --omit=dev (${ctx.sandbox ? "in the Space's sandbox" : "on the host"})\n`);
    // npm's writes (the install, its cache) go on the Space's own disk when it has one: its disk limit holds for them.
    const disk = ctx.sandbox?.disk;
    if (disk) await disk.disks.attach(disk.image, disk.dir, ctx.sandbox!.limits.diskMb, ctx.sandbox!.uid);
    const npmCache = disk ? join(disk.dir, ".npm") : join(ctx.cacheDir, "npm", ctx.owner);
    await mkdir(npmCache, { recursive: true, mode: 0o700 });
    await mkdir(ctx.cacheDir, { recursive: true });
    // Where the result is sealed before it goes in place: root's alone.
    const staging = await mkdtemp(join(ctx.cacheDir, "install-"));
    const work = disk ? await mkdtemp(join(disk.dir, ".install-")) : staging;
    for (const file of ["package.json", "package-lock.json", ".npmrc"]) await copyFile(join(dir, file), join(work, file)).catch(() => {});
    try {
      if (ctx.sandbox) await npmCiSandboxed(ctx, ctx.sandbox, work, npmCache, hasDependencies(lock), log);
      else await npmCiOnHost(work, npmCache, log);
      const installed = join(work, "node_modules");
      await mkdir(installed, { recursive: true }); // npm makes none for a Space without dependencies
      // The sandbox is gone (its cgroup and pid namespace with it): nothing of it can change the files now.
      const result = join(staging, "node_modules");
      if (work !== staging) await cp(installed, result, { recursive: true, verbatimSymlinks: true }); // off the Space's disk, links as links
      if (ctx.sandbox) await chownTree(result, 0, true);
      await mkdir(join(modules, ".."), { recursive: true });
      await rename(result, modules);
    } finally {
      await rm(work, { recursive: true, force: true });
      await rm(staging, { recursive: true, force: true });
    }
  });
  await symlink(modules, join(dir, "node_modules"), "dir");
}

/**
 * One deploy, after a push: export the revision (LFS pointers replaced by their objects), read
 * the Space card, install dependencies (reused while package-lock.json is unchanged), start the
 * app with `npm start`, wait until it answers /config, switch traffic to it, stop the previous
 * one. Any failure leaves the previous revision serving.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseCard } from "./card.ts";
import { objectPath } from "./lfs.ts";
import type { SpaceRuntime } from "./runtime.ts";

/** Where a deploy takes its inputs and puts its outputs. */
export interface DeployContext {
  repoDir: string;
  lfsDir: string;
  /** builds/<owner>/<name>: one folder per revision. */
  buildsDir: string;
  /** Shared npm cache and installed node_modules, keyed by package-lock.json. */
  cacheDir: string;
  /** The path the host serves the app under, e.g. /spaces/alice/demo/app (the app's ROOT_PATH). */
  publicPath: string;
  /** The Space's variables and secrets. */
  env: Record<string, string>;
  /** How long the app may take to answer /config (default 120 s). */
  readyTimeoutMs?: number;
}

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/;

function runLogged(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }, log: (s: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => log(d.toString()));
    child.stderr.on("data", (d: Buffer) => log(d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with code ${code}`))));
  });
}

async function exportRevision(ctx: DeployContext, sha: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // The pointers are exported as they are (no smudge filter: Debian's git-lfs sets one system-wide,
  // and it would try to download from a remote this bare repo does not have); we replace them below.
  const noLfs = ["-c", "filter.lfs.process=", "-c", "filter.lfs.smudge=", "-c", "filter.lfs.required=false"];
  const archive = spawn("git", [...noLfs, "--git-dir", ctx.repoDir, "archive", "--format=tar", sha], { stdio: ["ignore", "pipe", "pipe"] });
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
        const object = objectPath(ctx.lfsDir, pointer[1]!);
        if (!(await stat(object).catch(() => undefined))) throw new Error(`${path.slice(dir.length + 1)} is an LFS pointer to ${pointer[1]}, which was never uploaded (git lfs push?)`);
        await copyFile(object, path);
      }
    }
  };
  await walk(dir);
}

/** node_modules for this package-lock.json, installed once and shared by later builds. */
async function install(ctx: DeployContext, dir: string, log: (s: string) => void): Promise<void> {
  const lock = await readFile(join(dir, "package-lock.json")).catch(() => undefined);
  if (!lock) throw new Error("The Space has no package-lock.json: run npm install and commit it.");
  const key = createHash("sha256").update(lock).digest("hex").slice(0, 16);
  // <key>/node_modules, not <key>: a package finds its siblings by walking up to a folder named node_modules.
  const modules = join(ctx.cacheDir, "installs", key, "node_modules");
  if (await stat(modules).catch(() => undefined)) log(`Reusing dependencies installed for this package-lock.json (${key}).\n`);
  else {
    log("npm ci --omit=dev (shared cache)\n");
    await mkdir(ctx.cacheDir, { recursive: true });
    const work = await mkdtemp(join(ctx.cacheDir, "install-"));
    for (const file of ["package.json", "package-lock.json", ".npmrc"]) await copyFile(join(dir, file), join(work, file)).catch(() => {});
    await runLogged("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: join(ctx.cacheDir, "npm"), npm_config_update_notifier: "false", ONNXRUNTIME_NODE_INSTALL: "skip" },
    }, log);
    await mkdir(join(ctx.cacheDir, "installs", key), { recursive: true });
    await mkdir(join(work, "node_modules"), { recursive: true }); // npm makes none for a Space without dependencies
    await rename(join(work, "node_modules"), modules);
    await rm(work, { recursive: true, force: true });
  }
  await symlink(modules, join(dir, "node_modules"), "dir");
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** How long a replaced app keeps serving the calls already queued on it. */
const DRAIN_MS = 5_000;

function forgetPort(rt: SpaceRuntime, port: number | undefined): void {
  for (const [session, p] of rt.sessions) if (p === port) rt.sessions.delete(session);
}

/** Stops an app: SIGTERM to its process group (npm → sh → tsx → node), SIGKILL after 10 s. */
export function stopApp(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  stopping.add(child);
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    };
    kill("SIGTERM");
    setTimeout(() => kill("SIGKILL"), 10_000).unref();
  });
}

/**
 * Builds and starts `sha`, then swaps it in. Logs go to the runtime's build and run logs.
 *
 * @returns the error message on failure (the previous revision keeps serving), or undefined.
 */
export async function deploy(rt: SpaceRuntime, ctx: DeployContext, sha: string): Promise<string | undefined> {
  const log = (s: string) => rt.buildLog.push(s);
  const wasRunning = isRunning(rt);
  rt.buildLog.clear();
  rt.buildingSha = sha;
  rt.enter(wasRunning ? "RUNNING_BUILDING" : "BUILDING");
  const dir = join(ctx.buildsDir, sha);
  try {
    log(`Building revision ${sha.slice(0, 12)}\n`);
    await exportRevision(ctx, sha, dir);
    const card = parseCard(await readFile(join(dir, "README.md"), "utf8").catch(() => ""));
    log(`Space card: ${card.title ?? "(no title)"} ${card.emoji ?? ""} sdk=${card.sdk ?? "?"} app_port=${card.app_port}\n`);
    rt.card = card;
    await install(ctx, dir, log);
    rt.crashes = []; // a new revision starts with a clean record
  } catch (err) {
    const message = (err as Error).message;
    log(`Build failed: ${message}\n`);
    rt.errorMessage = message;
    rt.enter(wasRunning ? "RUNNING" : "BUILD_ERROR");
    return message;
  }
  return start(rt, ctx, dir, sha, log);
}

/**
 * Starts the build in `dir` again with the Space's current variables and secrets (after they
 * change), swapping it in as a deploy does.
 */
export function restart(rt: SpaceRuntime, ctx: DeployContext): Promise<string | undefined> {
  if (!rt.sha) return Promise.resolve("nothing to restart: the Space never ran");
  if (rt.stage === "SLEEPING") rt.runLog.push("Space host: waking up.");
  return start(rt, ctx, join(ctx.buildsDir, rt.sha), rt.sha, (s) => rt.runLog.push(s));
}

const isRunning = (rt: SpaceRuntime) => rt.stage === "RUNNING" || rt.stage === "RUNNING_BUILDING" || rt.stage === "RUNNING_APP_STARTING";
/** Apps the host is stopping on purpose: their exit is not a crash. */
const stopping = new WeakSet<ChildProcess>();

async function start(rt: SpaceRuntime, ctx: DeployContext, dir: string, sha: string, log: (s: string) => void): Promise<string | undefined> {
  const wasRunning = isRunning(rt);
  rt.enter(wasRunning ? "RUNNING_APP_STARTING" : "APP_STARTING");
  const port = await freePort();
  log(`Starting: npm start (PORT=${port})\n`);
  // A clean environment: the host's own variables and secrets never reach the app.
  const child = spawn("npm", ["start"], {
    cwd: dir,
    detached: true, // its own process group, so stopping it stops npm's children too
    env: { PATH: process.env.PATH, HOME: dir, PORT: String(port), ROOT_PATH: ctx.publicPath, NODE_ENV: "production", npm_config_update_notifier: "false", ...ctx.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = (d: Buffer) => {
    rt.runLog.push(d.toString());
    if (rt.child !== child) log(d.toString()); // while starting, the pusher sees the app's output too
  };
  child.stdout!.on("data", output);
  child.stderr!.on("data", output);
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`the app exited (${signal ?? `code ${code}`}) before answering /config`)));
  const ready = (async () => {
    const deadline = Date.now() + (ctx.readyTimeoutMs ?? 120_000);
    while (Date.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${port}/config`).then((r) => r.ok, () => false);
      if (ok) return undefined;
      await new Promise((r) => setTimeout(r, 250));
    }
    return `the app did not answer /config within ${(ctx.readyTimeoutMs ?? 120_000) / 1000} s`;
  })();
  const problem = await Promise.race([ready, exited]);
  if (problem) {
    await stopApp(child);
    log(`Start failed: ${problem}\nLast lines:\n${rt.runLog.tail(20).join("\n")}\n`);
    rt.errorMessage = problem;
    rt.enter(wasRunning ? "RUNNING" : "RUNTIME_ERROR");
    return problem;
  }
  const previous = rt.child;
  const previousPort = rt.port;
  rt.child = child;
  rt.port = port;
  rt.sha = sha;
  rt.errorMessage = undefined;
  rt.enter("RUNNING");
  log(`Running revision ${sha.slice(0, 12)}\n`);
  child.once("exit", (code, signal) => {
    if (rt.child === child && !stopping.has(child)) void crashed(rt, ctx, `the app exited (${signal ?? `code ${code}`})`);
  });
  // New calls go to the new app now; calls already queued on the old one finish there (their
  // streams are routed to it by session), then it stops.
  if (previous) {
    stopping.add(previous);
    setTimeout(() => void stopApp(previous).then(() => forgetPort(rt, previousPort)), DRAIN_MS).unref();
  }
  return undefined;
}

/** Crash restarts: 1 s, 2 s, 4 s apart; a third crash within a minute is a RUNTIME_ERROR. */
const CRASH_LIMIT = 3;
const CRASH_WINDOW_MS = 60_000;

async function crashed(rt: SpaceRuntime, ctx: DeployContext, why: string): Promise<void> {
  const now = Date.now();
  rt.crashes = rt.crashes.filter((t) => now - t < CRASH_WINDOW_MS).concat(now);
  rt.runLog.push(`Space host: ${why}.`);
  rt.port = undefined; // nothing serves until it is back
  if (rt.crashes.length >= CRASH_LIMIT) {
    rt.errorMessage = `${why}; it crashed ${rt.crashes.length} times within a minute. Last log lines:\n${rt.runLog.tail(20).join("\n")}`;
    rt.enter("RUNTIME_ERROR");
    return;
  }
  const delay = 1000 * 2 ** (rt.crashes.length - 1);
  rt.runLog.push(`Space host: restarting in ${delay / 1000} s.`);
  rt.enter("APP_STARTING");
  await new Promise((r) => setTimeout(r, delay));
  if (rt.stage !== "APP_STARTING") return; // a deploy took over meanwhile
  await rt.serialize(() => start(rt, ctx, join(ctx.buildsDir, rt.sha!), rt.sha!, (s) => rt.runLog.push(s)));
}

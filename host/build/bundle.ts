/**
 * A build's bundle: the Space's `tsx <entry>` start compiled once, at build, by the esbuild in its
 * own node_modules into `.space/app/app.mjs`, so the app starts with `node` — no tsx compiling
 * TypeScript in the process and again in each worker at every start (issue 22: 5.8 → 2.7 s to
 * /config, 187 → 124 MB idle PSS). The framework's classifier worker, which it starts by path,
 * is bundled beside it under the name `src/classifier/index.ts` looks for when it runs bundled.
 *
 * esbuild reads the tenant's files, so in the sandbox (the default) it runs as the Space's uid, in
 * a sandbox with its limits and no network, seeing its build and node_modules read-only and
 * writing to a folder of its own (on its disk, when it has one); what it leaves is then checked (plain files) and copied into
 * the build, owned by root. In dev mode (SPACE_RUNTIME=process) it runs on the host, as npm ci does.
 *
 * A Space whose start is something else, or whose bundle fails, starts with `npm start`: the build
 * log says why. `launch.ts` picks `node` when the bundle is there.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, copyFile, lstat, mkdir, mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import { bwrapArgs, INSIDE, spawnSandboxed } from "../apps/sandbox.ts";
import type { BuildContext, BuildSandbox } from "./context.ts";

/** Where the bundle goes in a build: two folders deep, so the page's `../../ui/dist` (relative to the module) still finds ui/dist. */
export const BUNDLE_DIR = ".space/app";
/** The bundled app, relative to the build: what `launch.ts` runs with `node`. */
export const BUNDLE_ENTRY = `${BUNDLE_DIR}/app.mjs`;

/** The framework's worker thread, started by path (not imported), and the name its bundled form must have (`BUNDLED_WORKER` in src/classifier/index.ts). */
const FRAMEWORK_WORKER = { source: "src/classifier/worker.ts", name: "classifier-worker" };

/** How long esbuild may take: it takes well under a second for a Space. */
const BUNDLE_TIMEOUT_MS = 60_000;

/** The one start script bundled: `tsx <file>`, a relative path inside the build, no hooks around it. */
const TSX_START = /^tsx\s+((?!\/)(?!.*\.\.)[\w./-]+\.(?:ts|mts|js|mjs))$/;

/**
 * The entry of a Space's `npm start` when it can be bundled, or why not.
 *
 * @example
 * bundleEntry({ scripts: { start: "tsx app.ts" } }) // → { entry: "app.ts" }
 * bundleEntry({ scripts: { start: "python app.py" } }) // → { why: "its start script is not `tsx <file>`" }
 */
export function bundleEntry(pkg: { scripts?: Record<string, string> }): { entry: string } | { why: string } {
  const scripts = pkg.scripts ?? {};
  if (scripts.prestart || scripts.poststart) return { why: "it has prestart/poststart scripts" };
  const entry = TSX_START.exec(scripts.start?.trim() ?? "")?.[1];
  return entry ? { entry } : { why: "its start script is not `tsx <file>`" };
}

/** esbuild's command line for `entries` (name → source, relative to the build) into `outdir`. */
function esbuildArgs(modules: string, entries: [string, string][], outdir: string): string[] {
  return [
    // Its binary once its install script has run, else a node script that finds it: either runs as a program.
    join(modules, "esbuild", "bin", "esbuild"),
    ...entries.map(([name, source]) => `${name}=${source}`),
    "--bundle",
    "--platform=node",
    "--format=esm",
    "--target=node20",
    // npm packages stay in node_modules: native ones (sharp, onnxruntime) cannot be bundled.
    "--packages=external",
    `--outdir=${outdir}`,
    "--out-extension:.js=.mjs",
    "--log-level=warning",
  ];
}

/** Streams a child's output to the build log; resolves with its exit code, killing it after {@link BUNDLE_TIMEOUT_MS}. */
function finished(child: ChildProcess, log: (s: string) => void): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), BUNDLE_TIMEOUT_MS);
    child.stdout!.on("data", (d: Buffer) => log(d.toString()));
    child.stderr!.on("data", (d: Buffer) => log(d.toString()));
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** esbuild in the Space's sandbox: its uid and limits, no network, its build and node_modules read-only, `out` its only writable folder. */
async function esbuildSandboxed(
  ctx: BuildContext,
  sandbox: BuildSandbox,
  dir: string,
  entries: [string, string][],
  out: string,
  log: (s: string) => void,
) {
  const { uid, limits, cgroups, etc } = sandbox;
  const modules = join(dir, "node_modules");
  const inside = `${INSIDE.home}/out`;
  await chown(out, uid, uid);
  const cgroup = cgroups?.create(`${ctx.owner}.${ctx.name}.bundle-${randomBytes(4).toString("hex")}`, limits);
  try {
    const { staged, args } = bwrapArgs(
      { etc, app: dir, modules: await realpath(modules), writable: [[out, inside]] },
      limits.diskMb,
      esbuildArgs(`${INSIDE.home}/node_modules`, entries, inside),
    );
    const child = spawnSandboxed({ uid, cgroup, staged, bwrap: args }, { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: INSIDE.home });
    (child.stdio[3] as NodeJS.ReadableStream).resume(); // bwrap's status: not needed here
    const code = await finished(child, log);
    if (code !== 0)
      throw new Error(
        cgroup?.oomKills() ? `esbuild went over this Space's memory limit (${limits.memoryMb} MB)` : `esbuild exited with code ${code}`,
      );
  } finally {
    await cgroup?.remove();
  }
}

/** esbuild on the host, as the host's user (SPACE_RUNTIME=process). */
async function esbuildOnHost(dir: string, entries: [string, string][], out: string, log: (s: string) => void) {
  const [esbuild, ...args] = esbuildArgs(join(dir, "node_modules"), entries, out);
  const child = spawn(esbuild!, args, {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const code = await finished(child, log);
  if (code !== 0) throw new Error(`esbuild exited with code ${code}`);
}

const exists = (path: string) =>
  lstat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * Bundles the installed build in `dir` into `dir/.space/app` when its start script allows it;
 * otherwise, or when esbuild fails, leaves no bundle and says why in the log (the app then starts
 * with `npm start`). Never throws.
 *
 * @returns whether the bundle was made.
 * @example
 * await bundle(ctx, join(ctx.builds, sha), log); // then launch.ts runs `node .space/app/app.mjs`
 */
export async function bundle(ctx: BuildContext, dir: string, log: (s: string) => void): Promise<boolean> {
  const target = join(dir, BUNDLE_DIR);
  await rm(join(dir, ".space"), { recursive: true, force: true }); // never a bundle the tenant committed
  const skip = (why: string) => {
    log(`Not bundled (${why}): the app starts with npm start.\n`);
    return false;
  };
  let pkg: { scripts?: Record<string, string> };
  try {
    pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
  } catch (err) {
    return skip(`its package.json cannot be read: ${(err as Error).message}`);
  }
  const chosen = bundleEntry(pkg);
  if ("why" in chosen) return skip(chosen.why);
  if (!(await exists(join(dir, chosen.entry)))) return skip(`${chosen.entry} is not a file`);
  if (!(await exists(join(dir, "node_modules", "esbuild", "bin", "esbuild")))) return skip("esbuild is not among its dependencies");
  const entries: [string, string][] = [["app", chosen.entry]];
  if (await exists(join(dir, FRAMEWORK_WORKER.source))) entries.push([FRAMEWORK_WORKER.name, FRAMEWORK_WORKER.source]);
  const started = performance.now();
  // esbuild's writes go on the Space's own disk when it has one, as npm ci's do: its disk limit holds for them.
  const disk = ctx.sandbox?.disk;
  let out: string;
  try {
    if (disk) await disk.disks.attach(disk.image, disk.dir, ctx.sandbox!.limits.diskMb, ctx.sandbox!.uid);
    await mkdir(ctx.cacheDir, { recursive: true });
    out = await mkdtemp(disk ? join(disk.dir, ".bundle-") : join(ctx.cacheDir, "bundle-"));
  } catch (err) {
    return skip(`no room to bundle in: ${(err as Error).message}`);
  }
  try {
    if (ctx.sandbox) await esbuildSandboxed(ctx, ctx.sandbox, dir, entries, out, log);
    else await esbuildOnHost(dir, entries, out, log);
    // Only the files asked for, and only plain files (never a link esbuild's user could have left).
    await mkdir(target, { recursive: true });
    for (const [name] of entries) {
      const file = join(out, `${name}.mjs`);
      if (!(await exists(file))) throw new Error(`esbuild left no ${name}.mjs`);
      await copyFile(file, join(target, `${name}.mjs`));
      await chmod(join(target, `${name}.mjs`), 0o644);
    }
    log(
      `Bundled ${entries.map(([, source]) => source).join(" and ")} with esbuild in ${Math.round(performance.now() - started)} ms (${ctx.sandbox ? "in the Space's sandbox" : "on the host"}): the app starts with node ${BUNDLE_ENTRY}.\n`,
    );
    return true;
  } catch (err) {
    await rm(join(dir, ".space"), { recursive: true, force: true });
    return skip(`bundling failed: ${(err as Error).message}`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

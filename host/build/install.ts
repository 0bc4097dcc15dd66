/**
 * A build's dependencies: `npm ci --omit=dev` once per package-lock.json into a shared cache
 * (cache/installs/<lock hash>/node_modules), linked into every build with that lockfile.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { BuildContext } from "./context.ts";

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

/**
 * The cache key of a package-lock.json: builds with the same lockfile share node_modules.
 *
 * @example
 * installKey(readFileSync("package-lock.json")) // → "3f2a9c0d1e4b5a67"
 */
export const installKey = (lock: Uint8Array) => createHash("sha256").update(lock).digest("hex").slice(0, 16);

/**
 * Where the node_modules for a cache key live (`<key>/node_modules`: packages find siblings by walking up to a folder named node_modules).
 *
 * @example
 * installedModules("/srv/spaces/cache", key) // → "/srv/spaces/cache/installs/<key>/node_modules"
 */
export const installedModules = (cacheDir: string, key: string) => join(cacheDir, "installs", key, "node_modules");

/**
 * node_modules for this package-lock.json, installed once and shared by later builds, linked into `dir`.
 *
 * @throws {Error} when `dir` has no package-lock.json or `npm ci` fails.
 * @example
 * await install(ctx, join(ctx.builds, sha), log);
 */
export async function install(ctx: BuildContext, dir: string, log: (s: string) => void): Promise<void> {
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

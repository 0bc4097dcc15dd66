/**
 * Starting one revision's app: a clean environment (the Space's own variables and Hugging Face's
 * built-ins, never the host's), `node` on the bundle its build made (else `npm start`) under the supervisor — in its sandbox
 * (its uid, its disk, its cgroup, its socket) or, in dev mode, as a process on a free port — and
 * the wait until it answers /config. Routing to it, and what its exit later means, are the
 * lifecycle's.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { chown, mkdir, realpath, rm, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import type { SpaceRecord } from "../accounts/accounts.ts";
import { type AppAddress, appStatus, tcpAddress } from "../apps/address.ts";
import { limitsFor, type Limits } from "../apps/limits.ts";
import { plugEgress } from "../apps/egress.ts";
import { appCommand, bwrapArgs, INSIDE, pinSocket, type Sandboxing } from "../apps/sandbox.ts";
import type { SandboxLaunch, Supervisor } from "../apps/supervisor.ts";
import { BUNDLE_ENTRY } from "../build/bundle.ts";
import { HostError } from "../errors.ts";
import type { SpacePaths } from "../paths.ts";
import type { SpaceRuntime } from "./runtime.ts";

/** A revision's app that answered /config: its process (group leader, or bwrap) and where it is reached. */
export interface RunningApp {
  child: ChildProcess;
  address: AppAddress;
}

/** What {@link launchApp} needs to start one revision. */
export interface Launch {
  supervisor: Supervisor;
  /** How this host runs apps. */
  sandboxing: Sandboxing;
  /** The Space's uid on the host (sandbox). */
  uid: number;
  space: SpaceRecord;
  /** The Space's runtime: the app's output goes to its run log, its card gives the title. */
  rt: SpaceRuntime;
  paths: SpacePaths;
  sha: string;
  /** How long the app may take to answer /config. */
  readyTimeoutMs: number;
  /** The deploy's log (the pusher sees it), which gets the app's output while it starts. */
  log: (s: string) => void;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The port an app listens on inside its sandbox, as on Hugging Face. */
const SANDBOX_PORT = 7860;

/** Apps started by this host: each sandbox's socket folder and cgroup are named apart. */
let socketCount = 0;

/**
 * The app's whole environment: the host's own variables never reach it, only the Space's. In a
 * sandbox, paths are the sandbox's own.
 */
function appEnv({ space, rt, paths, sha, sandboxing }: Launch, port: number): NodeJS.ProcessEnv {
  const boxed = sandboxing.kind === "sandbox";
  return {
    PATH: boxed ? "/usr/local/bin:/usr/bin:/bin" : process.env.PATH,
    HOME: boxed ? INSIDE.home : join(paths.builds, sha),
    PORT: String(port),
    // Reachable only through the host, which checks who may call a private Space.
    GRADIO_SERVER_NAME: "127.0.0.1",
    // No ROOT_PATH: an app has two public roots (its origin, the path form), which X-Forwarded-* tells per request.
    NODE_ENV: "production",
    npm_config_update_notifier: "false",
    // Hugging Face's built-in variables.
    SPACE_ID: `${space.owner}/${space.name}`,
    SPACE_AUTHOR_NAME: space.owner,
    SPACE_REPO_NAME: space.name,
    SPACE_TITLE: String(rt.card?.title ?? space.name),
    // Which revision serves: the Space's monitor keeps its numbers per revision.
    SPACE_REVISION: sha.slice(0, 12),
    // Uploads outlive a revision: a call may upload to the old app and join on the new one.
    GRADIO_TEMP_DIR: boxed ? INSIDE.uploads : paths.uploads,
    // The Space's own data (its monitor, its review queue) outlives revisions too.
    SPACE_DATA_DIR: boxed ? INSIDE.data : paths.data,
    ...space.variables,
    ...space.secrets,
  };
}

/**
 * Starts `sha`'s app (its sandbox or its own port, the Space's environment) and waits until it answers
 * /config; routes nothing to it.
 *
 * @throws {HostError} 500 with why it did not start (it is stopped then).
 * @example
 * const { child, address } = await launchApp({ supervisor, sandboxing, uid, space, rt, paths, sha, readyTimeoutMs: 120_000, log });
 */
export async function launchApp(launch: Launch): Promise<RunningApp> {
  const { supervisor, rt, paths, sha, log, sandboxing } = launch;
  const cwd = join(paths.builds, sha);
  // The build's bundle when it made one (`build/bundle.ts`): no TypeScript compiled at each start.
  const command = existsSync(join(cwd, BUNDLE_ENTRY)) ? ["node", BUNDLE_ENTRY] : ["npm", "start"];
  let address: AppAddress;
  let child: ChildProcess;
  let pin = () => Promise.resolve(true);
  if (sandboxing.kind === "sandbox") {
    const limits = limitsFor(launch.space.limits, sandboxing.limits);
    const sandbox = await prepareSandbox(launch, limits, command);
    // Where the host reaches it: the socket it makes, once pinned where the app can't redirect it,
    // through a link whose path is short enough for connect(2) whatever the Space's names.
    const pinned = `${sandbox.socketDir}.sock`;
    address = join(sandboxing.links!, `${basename(sandbox.socketDir)}.sock`);
    await symlink(pinned, address);
    pin = () => pinSocket(join(sandbox.socketDir, "app.sock"), pinned);
    log(`Starting: ${command.join(" ")} in its sandbox (${describe(limits)})\n`);
    child = supervisor.spawn(command[0]!, command.slice(1), { cwd, env: appEnv(launch, SANDBOX_PORT) }, { space: rt.id, sha }, sandbox);
    // SPACE_EGRESS=on: the app waits until slirp4netns is plugged into its network; if it cannot be, it does not start.
    if (sandbox.egress)
      plugEgress(child, sandbox.cgroup).catch((err: Error) => {
        log(`Network (SPACE_EGRESS=on) could not be set up: ${err.message}\n`);
        void supervisor.stop(child);
      });
    child.once(
      "exit",
      () => void Promise.all([sandbox.socketDir, pinned, address].map((path) => rm(path, { recursive: true, force: true }))),
    );
  } else {
    const port = await freePort();
    address = tcpAddress(port);
    log(`Starting: ${command.join(" ")} (PORT=${port})\n`);
    mkdirSync(paths.data, { recursive: true });
    mkdirSync(paths.uploads, { recursive: true });
    child = supervisor.spawn(command[0]!, command.slice(1), { cwd, env: appEnv(launch, port) }, { space: rt.id, sha });
  }
  let starting = true;
  const output = (d: Buffer) => {
    rt.runLog.push(d.toString());
    if (starting) log(d.toString()); // while starting, the pusher sees the app's output too
  };
  child.stdout!.on("data", output);
  child.stderr!.on("data", output);
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(`the app exited (${signal ?? `code ${code}`}) before answering /config`));
    child.once("error", (err) => resolve(`the app could not start: ${err.message}`));
  });
  const timeout = launch.readyTimeoutMs;
  const ready = (async () => {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline && child.exitCode === null) {
      const status = (await pin()) ? await appStatus(address, "/config") : undefined;
      if (status !== undefined && status >= 200 && status < 300) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
    return `the app did not answer /config within ${timeout / 1000} s${(await pin()) ? "" : " (its sandbox never made the socket the host reaches it by)"}`;
  })();
  const problem = await Promise.race([ready, exited]);
  starting = false;
  if (problem) {
    await supervisor.stop(child);
    log(`Start failed: ${problem}\nLast lines:\n${rt.runLog.tail(20).join("\n")}\n`);
    throw new HostError(500, problem);
  }
  return { child, address };
}

/** "2048 MB memory, 2 CPUs, 512 processes, 10240 MB disk" */
const describe = (l: Limits) => `${l.memoryMb} MB memory, ${l.cpus} CPUs, ${l.pids} processes, ${l.diskMb} MB disk`;

/**
 * Everything a sandboxed app needs before it starts: its disk mounted (or its folder made) and
 * owned by its uid, a socket folder of its own, its cgroup with its limits, and bwrap's view.
 */
async function prepareSandbox(launch: Launch, limits: Limits, command: string[]): Promise<SandboxLaunch & { socketDir: string }> {
  const { sandboxing, paths, sha, uid, rt } = launch;
  if (sandboxing.disks) await sandboxing.disks.attach(paths.image, paths.disk, limits.diskMb, uid);
  else await mkdir(paths.disk, { recursive: true });
  for (const dir of [paths.disk, paths.data, paths.uploads]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chown(dir, uid, uid);
  }
  const socketDir = join(paths.sockets, `${sha.slice(0, 12)}-${++socketCount}-${randomBytes(4).toString("hex")}`);
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  await chown(socketDir, uid, uid);
  const app = join(paths.builds, sha);
  const modules = await realpath(join(app, "node_modules")).catch(() => undefined);
  const cgroup = sandboxing.cgroups?.create(`${rt.id.replace("/", ".")}.${sha.slice(0, 12)}.${socketCount}`, limits);
  // /tmp and the home are in memory: at most the disk limit, and in any case counted in the memory limit.
  const { staged, args } = bwrapArgs(
    { app, modules, data: paths.data, uploads: paths.uploads, socketDir, etc: sandboxing.etc!, egress: sandboxing.egress },
    limits.diskMb,
    appCommand(command),
  );
  return { uid, cgroup, staged, bwrap: args, socketDir, egress: sandboxing.egress };
}

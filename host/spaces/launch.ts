/**
 * Starting one revision's app: a free port, a clean environment (the Space's own variables and
 * Hugging Face's built-ins, never the host's), `npm start` in its build folder under the
 * supervisor, and the wait until it answers /config. Routing to it, and what its exit later
 * means, are the lifecycle's.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { SpaceRecord } from "../accounts/accounts.ts";
import type { Supervisor } from "../apps/supervisor.ts";
import { HostError } from "../errors.ts";
import type { SpacePaths } from "../paths.ts";
import type { SpaceRuntime } from "./runtime.ts";

/** A revision's app that answered /config: its process (group leader) and port. */
export interface RunningApp {
  child: ChildProcess;
  port: number;
}

/** What {@link launchApp} needs to start one revision. */
export interface Launch {
  supervisor: Supervisor;
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

/** The app's whole environment: the host's own variables never reach it, only the Space's. */
function appEnv({ space, rt, paths, sha }: Launch, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(paths.builds, sha),
    PORT: String(port),
    // Reachable only through the host, which checks who may call a private Space.
    GRADIO_SERVER_NAME: "127.0.0.1",
    ROOT_PATH: `/spaces/${space.owner}/${space.name}/app`,
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
    GRADIO_TEMP_DIR: paths.uploads,
    // The Space's own data (its monitor, its review queue) outlives revisions too.
    SPACE_DATA_DIR: paths.data,
    ...space.variables,
    ...space.secrets,
  };
}

/**
 * Starts `sha`'s app (its own port, the Space's environment) and waits until it answers
 * /config; routes nothing to it.
 *
 * @throws {HostError} 500 with why it did not start (it is stopped then).
 * @example
 * const { child, port } = await launchApp({ supervisor, space, rt, paths, sha, readyTimeoutMs: 120_000, log });
 */
export async function launchApp(launch: Launch): Promise<RunningApp> {
  const { supervisor, rt, paths, sha, log } = launch;
  const port = await freePort();
  log(`Starting: npm start (PORT=${port})\n`);
  const env = appEnv(launch, port);
  mkdirSync(paths.data, { recursive: true });
  const child = supervisor.spawn("npm", ["start"], { cwd: join(paths.builds, sha), env }, { space: rt.id, sha, port });
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
      if (
        await fetch(`http://127.0.0.1:${port}/config`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
    return `the app did not answer /config within ${timeout / 1000} s`;
  })();
  const problem = await Promise.race([ready, exited]);
  starting = false;
  if (problem) {
    await supervisor.stop(child);
    log(`Start failed: ${problem}\nLast lines:\n${rt.runLog.tail(20).join("\n")}\n`);
    throw new HostError(500, problem);
  }
  return { child, port };
}

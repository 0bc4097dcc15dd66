/**
 * The life of each Space on this host: deploy a pushed revision (build, start, swap, drain the
 * old one), restart it with new variables, restart it after a crash (with backoff), put it to
 * sleep when idle and wake it on the next request — and, because a host restarts too, keep what
 * it needs on disk (`state/<owner>/<name>.json`) to bring every Space back when it starts.
 * Processes themselves are the supervisor's; builds are `build.ts`'s.
 */
import type { ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import type { Accounts, SpaceRecord } from "./accounts/accounts.ts";
import { buildRevision, type BuildContext } from "./build/build.ts";
import { collectGarbage, type Freed } from "./build/gc.ts";
import type { SpaceCard } from "./build/card.ts";
import { spacePaths } from "./paths.ts";
import { describePolicy, parsePolicy, Rollout, type RolloutPolicy, type SavedRollout } from "./rollout.ts";
import { SpaceRuntime, type Stage } from "./runtime.ts";
import { Supervisor } from "./supervisor.ts";

/** Timings and limits of {@link Lifecycle}; tests shorten them. */
export interface LifecycleOptions {
  /** SPACES_DATA. */
  dataDir: string;
  /** How long a starting app may take to answer /config (default 120 s). */
  readyTimeoutMs?: number;
  /** How long a replaced revision keeps serving the calls already queued on it (default 5 s). */
  drainMs?: number;
  /** The first crash restart waits this long, the next twice as long (default 1 s). */
  crashBackoffMs?: number;
  /** A Space sleeps after this long without requests (default SPACE_SLEEP_AFTER seconds, or 48 h as on HF's free tier). */
  sleepAfterMs?: number;
  /** Between SIGTERM and SIGKILL when an app is stopped (default 10 s). */
  stopGraceMs?: number;
  /** How many Spaces start at once when the host starts (default: the number of cores). */
  startConcurrency?: number;
  /** How often a rollout's time window is checked and its counts saved (default 1 s). */
  rolloutTickMs?: number;
}

/** What survives a host restart, per Space. */
interface SavedState {
  sha?: string;
  previous?: string;
  building?: string;
  sleeping?: boolean;
  /** Paused by its owner: stays stopped, across host restarts too, until restarted. */
  paused?: boolean;
  card?: SpaceCard;
  /** A revision being rolled out next to `sha` (its card), and the rollout, active or the last one. */
  candidate?: string;
  candidateCard?: SpaceCard;
  rollout?: SavedRollout;
}

/** A crash within this window counts towards the limit; the third is a RUNTIME_ERROR. */
const CRASH_LIMIT = 3;
const CRASH_WINDOW_MS = 60_000;
/** A shadow's nice value: the lowest CPU priority. */
const SHADOW_NICE = 19;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Runs `work` over `items`, at most `limit` at a time. */
async function bounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.max(1, limit) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/**
 * @example
 * const spaces = new Lifecycle(accounts, { dataDir: ".spaces" });
 * await spaces.restore(console.log);            // at host start: every Space back at its last good revision
 * const problem = await spaces.deploy(space, sha); // after a push
 * await spaces.shutdown();                      // at SIGTERM: no app outlives the host
 */
export class Lifecycle {
  readonly runtimes = new Map<string, SpaceRuntime>();
  readonly supervisor: Supervisor;
  private readonly options: Required<LifecycleOptions>;
  private closed = false;
  private readonly rolloutTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly accounts: Accounts,
    options: LifecycleOptions,
  ) {
    this.options = {
      readyTimeoutMs: 120_000,
      drainMs: 5_000,
      crashBackoffMs: 1_000,
      sleepAfterMs: Number(process.env.SPACE_SLEEP_AFTER ?? 48 * 3600) * 1000,
      stopGraceMs: 10_000,
      startConcurrency: availableParallelism(),
      rolloutTickMs: 1_000,
      ...options,
    };
    this.supervisor = new Supervisor(join(options.dataDir, "run"), this.options.stopGraceMs);
    // Rollouts decide on time too ("after M minutes"), and their counts survive a host restart.
    this.rolloutTimer = setInterval(() => {
      for (const rt of this.runtimes.values()) {
        if (!rt.rollout?.active) continue;
        rt.rollout.check();
        const space = this.accounts.space(...(rt.id.split("/") as [string, string]));
        if (rt.rollout.dirty && space) this.save(space, rt);
      }
    }, this.options.rolloutTickMs);
    this.rolloutTimer.unref();
  }

  /** The runtime of `id` ("owner/name"), made on first use. */
  runtime(id: string): SpaceRuntime {
    let rt = this.runtimes.get(id);
    if (!rt) {
      rt = new SpaceRuntime(id);
      this.runtimes.set(id, rt);
    }
    return rt;
  }

  private paths(space: SpaceRecord) {
    return spacePaths(this.options.dataDir, space.owner, space.name);
  }

  private buildContext(space: SpaceRecord): BuildContext {
    const paths = this.paths(space);
    return { repo: paths.repo, lfs: paths.lfs, builds: paths.builds, cacheDir: join(this.options.dataDir, "cache") };
  }

  private save(space: SpaceRecord, rt: SpaceRuntime): void {
    const file = this.paths(space).state;
    const state: SavedState = {
      sha: rt.sha,
      previous: rt.previousSha,
      building: rt.buildingSha,
      sleeping: rt.stage === "SLEEPING",
      paused: rt.stage === "PAUSED",
      card: rt.card,
      candidate: rt.candidate?.sha,
      candidateCard: rt.candidate?.card,
      rollout: rt.rollout?.save(),
    };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.partial`, JSON.stringify(state));
    renameSync(`${file}.partial`, file);
  }

  private load(space: SpaceRecord): SavedState {
    try {
      return JSON.parse(readFileSync(this.paths(space).state, "utf8")) as SavedState;
    } catch {
      return {};
    }
  }

  /** Postpones a Space's sleep: each request to its app, and each deploy, counts as activity. */
  touch(space: SpaceRecord, rt: SpaceRuntime): void {
    clearTimeout(rt.sleepTimer);
    rt.sleepTimer = setTimeout(() => void this.sleep(space, rt), this.options.sleepAfterMs);
    rt.sleepTimer.unref();
  }

  /**
   * Builds and starts `sha`, then swaps it in; one deploy at a time per Space. Logs go to the
   * runtime's build log, which the push streams back.
   *
   * @returns the error message on failure (the previous revision keeps serving), or undefined.
   */
  deploy(space: SpaceRecord, sha: string): Promise<string | undefined> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(async () => {
      const log = (s: string) => rt.buildLog.push(s);
      let card: SpaceCard;
      const wasServing = rt.serving;
      rt.buildLog.clear();
      rt.buildingSha = sha;
      rt.enter(wasServing ? "RUNNING_BUILDING" : "BUILDING");
      this.save(space, rt);
      try {
        log(`Building revision ${sha.slice(0, 12)}\n`);
        ({ card } = await buildRevision(this.buildContext(space), sha, log));
      } catch (err) {
        const message = (err as Error).message;
        log(`Build failed: ${message}\n`);
        rt.errorMessage = message;
        rt.buildingSha = undefined;
        rt.enter(wasServing ? "RUNNING" : "BUILD_ERROR");
        this.save(space, rt);
        return message;
      }
      // A rollout (the owner's setting, else the card's) starts the revision next to the serving
      // one; otherwise it replaces it at once, as on Hugging Face.
      const policy = rt.child && rt.sha && rt.sha !== sha ? this.policyFor(space, card, log) : undefined;
      if (rt.candidate) await this.rollbackNow(space, rt, "host", `superseded by the push of ${sha.slice(0, 12)}`);
      let problem: string | undefined;
      if (policy) problem = await this.startCandidate(space, rt, sha, card, policy, log);
      else {
        rt.card = card;
        rt.crashes = []; // a new revision starts with a clean record
        problem = await this.start(space, rt, sha, log);
      }
      rt.buildingSha = undefined;
      this.save(space, rt);
      if (!problem) {
        this.touch(space, rt);
        void this.gc().catch((err) => rt.runLog.push(`Space host: clean-up failed: ${(err as Error).message}`));
      }
      return problem;
    });
  }

  /** Starts the serving revision again (after its variables or secrets changed, or to wake it). */
  restart(space: SpaceRecord): Promise<string | undefined> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(async () => {
      if (!rt.sha) return "nothing to restart: the Space never ran";
      const log = (s: string) => rt.runLog.push(s);
      const problem = await this.start(space, rt, rt.sha, log);
      if (!problem && rt.candidate && rt.rollout?.active) await this.restartCandidate(space, rt, log);
      this.save(space, rt);
      if (!problem) this.touch(space, rt);
      return problem;
    });
  }

  /**
   * Pauses a Space at its owner's request: the app stops and stays stopped (PAUSED, saved, so a
   * host restart keeps it so) — a request does not wake it, only `restart` or a new deploy.
   */
  pause(space: SpaceRecord): Promise<void> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(() => this.takeDown(space, rt, "PAUSED", "Space host: paused by its owner; it stays stopped until restarted."));
  }

  /**
   * Deletes a Space: forgets it (its URLs answer 404 from now on), waits for a deploy under way,
   * stops its app, and removes its repository, LFS objects, builds, saved state, uploads and
   * data. Dependencies installed only for it go with the next clean-up, run here.
   */
  async remove(space: SpaceRecord): Promise<void> {
    const id = `${space.owner}/${space.name}`;
    this.accounts.deleteSpace(space.owner, space.name);
    const rt = this.runtime(id);
    await rt.serialize(async () => {
      rt.sha = rt.previousSha = undefined;
      await this.takeDown(space, rt, "NO_APP_FILE", "Space host: the Space was deleted.", false);
      // A replaced revision may still be draining its last calls: it goes now too.
      await this.supervisor.stopSpace(id);
      const paths = this.paths(space);
      await Promise.all(
        [paths.repo, paths.lfs, paths.builds, paths.state, paths.uploads, paths.data].map((path) =>
          rm(path, { recursive: true, force: true }),
        ),
      );
    });
    this.runtimes.delete(id);
    await this.gc().catch(() => undefined);
  }

  /** Wakes a sleeping Space; every request that arrives meanwhile shares the same wake-up. */
  wake(space: SpaceRecord, rt: SpaceRuntime): Promise<unknown> {
    if (rt.stage === "SLEEPING" && !rt.waking) {
      rt.runLog.push("Space host: waking up.");
      rt.waking = this.restart(space).finally(() => (rt.waking = undefined));
    }
    return rt.waking ?? Promise.resolve();
  }

  /** Stops an idle Space's app; the next request wakes it. */
  private async sleep(space: SpaceRecord, rt: SpaceRuntime): Promise<void> {
    if (rt.stage !== "RUNNING") return;
    if (rt.rollout?.active) return this.touch(space, rt); // not while two revisions are compared
    await this.takeDown(space, rt, "SLEEPING", "Space host: no requests for a while; sleeping until the next one.");
  }

  /**
   * Takes the app out of service: nothing is routed to it from now on, the stage says why (and
   * is saved, unless the Space is going away), then its process group stops.
   */
  private async takeDown(space: SpaceRecord, rt: SpaceRuntime, stage: Stage, why: string, save = true): Promise<void> {
    clearTimeout(rt.sleepTimer);
    const child = rt.child;
    const candidate = rt.candidate;
    rt.port = undefined;
    rt.child = undefined;
    rt.candidate = undefined;
    if (candidate) rt.rollout?.finish("rolled back", "host", why);
    rt.enter(stage);
    if (save) this.save(space, rt);
    rt.runLog.push(why);
    await Promise.all([this.supervisor.stop(child), this.supervisor.stop(candidate?.child)]);
  }

  /** Starts `sha`'s build with the Space's current environment, waits for /config, swaps it in. */
  private async start(space: SpaceRecord, rt: SpaceRuntime, sha: string, log: (s: string) => void): Promise<string | undefined> {
    if (this.closed) return "the host is shutting down";
    const wasServing = rt.serving;
    rt.enter(wasServing ? "RUNNING_APP_STARTING" : "APP_STARTING");
    const app = await this.launch(space, rt, sha, log);
    if (typeof app === "string") {
      rt.errorMessage = app;
      rt.enter(wasServing ? "RUNNING" : "RUNTIME_ERROR");
      return app;
    }
    this.swapIn(rt, app.child, app.port, sha);
    log(`Running revision ${sha.slice(0, 12)}\n`);
    return undefined;
  }

  /**
   * Starts `sha`'s app (its own port, the Space's environment) and waits until it answers
   * /config; routes nothing to it. Its exit later is a crash if it serves by then, or the end of
   * the rollout if it is the revision being rolled out.
   *
   * @returns the app, or why it did not start (it is stopped then).
   */
  private async launch(
    space: SpaceRecord,
    rt: SpaceRuntime,
    sha: string,
    log: (s: string) => void,
  ): Promise<{ child: ChildProcess; port: number } | string> {
    const port = await freePort();
    const paths = this.paths(space);
    log(`Starting: npm start (PORT=${port})\n`);
    // A clean environment: the host's own variables never reach the app, only the Space's.
    const env = {
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
    mkdirSync(paths.data, { recursive: true });
    const child = this.supervisor.spawn("npm", ["start"], { cwd: join(paths.builds, sha), env }, { space: rt.id, sha, port });
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
    const timeout = this.options.readyTimeoutMs;
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
      await this.supervisor.stop(child);
      log(`Start failed: ${problem}\nLast lines:\n${rt.runLog.tail(20).join("\n")}\n`);
      return problem;
    }
    child.once("exit", (code, signal) => {
      if (this.supervisor.isStopping(child)) return;
      const why = `the app exited (${signal ?? `code ${code}`})`;
      if (rt.child === child) void this.crashed(space, rt, why);
      else if (rt.candidate?.child === child) void rt.serialize(() => this.rollbackNow(space, rt, "host", `the new revision's ${why}`));
    });
    return { child, port };
  }

  /**
   * Routes new calls to `child` from now on; calls already queued on the app it replaces finish
   * there (their streams are routed to it by session), then that app stops.
   */
  private swapIn(rt: SpaceRuntime, child: ChildProcess, port: number, sha: string): void {
    const previous = rt.child;
    const previousPort = rt.port;
    if (rt.sha && rt.sha !== sha) rt.previousSha = rt.sha;
    rt.child = child;
    rt.port = port;
    rt.sha = sha;
    rt.errorMessage = undefined;
    rt.enter("RUNNING");
    if (previous) this.drain(rt, previous, previousPort);
  }

  /** Stops an app taken out of routing once the calls pinned to it had `drainMs` to finish; its sessions then move to the serving app. */
  private drain(rt: SpaceRuntime, child: ChildProcess, port: number | undefined): void {
    setTimeout(() => {
      void this.supervisor.stop(child).then(() => {
        for (const pinned of [rt.sessions, rt.events]) for (const [key, p] of pinned) if (p === port) pinned.delete(key);
      });
    }, this.options.drainMs).unref();
  }

  /** The rollout for a push: the owner's setting (`npm run spaces -- rollout`) wins over the card's `rollout:`. */
  private policyFor(space: SpaceRecord, card: SpaceCard, log: (s: string) => void): RolloutPolicy | undefined {
    const setting = this.accounts.space(space.owner, space.name)?.rollout;
    const { policy, warning } = parsePolicy(setting !== undefined ? setting : card.rollout);
    if (warning) log(`Space host: ${warning}; deploying without a rollout.\n`);
    return policy;
  }

  /** Starts `sha` next to the serving revision and begins the rollout (the serving one is untouched). */
  private async startCandidate(
    space: SpaceRecord,
    rt: SpaceRuntime,
    sha: string,
    card: SpaceCard,
    policy: RolloutPolicy,
    log: (s: string) => void,
    saved?: SavedRollout,
  ): Promise<string | undefined> {
    if (this.closed) return "the host is shutting down";
    rt.enter("RUNNING_APP_STARTING");
    const app = await this.launch(space, rt, sha, log);
    rt.enter("RUNNING");
    if (typeof app === "string") {
      rt.errorMessage = app;
      return app;
    }
    rt.candidate = { sha, card, ...app };
    const act = (action: "promote" | "rollback", reason: string) => {
      const rollout = rt.rollout!;
      const stage = rollout.stage;
      void rt.serialize(async () => {
        // The verdict was for this rollout's stage: if its owner moved it on meanwhile, it is void.
        if (rt.rollout !== rollout || rollout.stage !== stage) return;
        await (action === "promote" ? this.promoteNow(space, rt, "auto", reason) : this.rollbackNow(space, rt, "auto", reason));
      });
    };
    if (saved) {
      rt.rollout = Rollout.restore(saved, act);
      rt.rollout.note("resumed", "host", "the host restarted; both revisions are back");
    } else {
      rt.rollout = new Rollout(policy, rt.sha!, sha, act);
      rt.rollout.note("started", "push", describePolicy(policy));
    }
    log(`Running revision ${sha.slice(0, 12)} next to ${rt.sha!.slice(0, 12)}: ${describePolicy(rt.rollout.policy)}\n`);
    await this.prioritise(space, rt);
    return undefined;
  }

  /**
   * Gives the revision being rolled out the CPU priority of its stage (or `nice`): the lowest
   * while it only shadows — on shared cores a copy must never slow the visitor's call it copies
   * (measured on 2 cores: +4.2 ms at c=1 at normal priority, +1.0 ms at nice 19) — and normal
   * once it serves visitors. Raising a priority back needs CAP_SYS_NICE; a host without it starts
   * the revision again instead (a new process has the host's priority).
   */
  private async prioritise(space: SpaceRecord, rt: SpaceRuntime, nice = rt.rollout?.shadowing ? SHADOW_NICE : 0): Promise<void> {
    const candidate = rt.candidate;
    if (!candidate || (candidate.nice ?? 0) === nice) return;
    const problem = await this.supervisor.setNice(candidate.child, nice);
    if (!problem) {
      candidate.nice = nice;
      return;
    }
    const sha = candidate.sha.slice(0, 12);
    if (nice !== 0) return this.announce(rt, `could not lower ${sha}'s CPU priority (${problem}); it shadows at normal priority`);
    this.announce(rt, `could not give ${sha} its normal CPU priority back (${problem}); starting it again`);
    await this.restartCandidate(space, rt, (s) => rt.runLog.push(s), 0);
  }

  /**
   * Starts the revision being rolled out again — with the Space's new variables and secrets, or
   * at normal priority — and swaps the new process in; its counts go on, and calls on the old
   * process finish there.
   */
  private async restartCandidate(
    space: SpaceRecord,
    rt: SpaceRuntime,
    log: (s: string) => void,
    nice = rt.rollout?.shadowing ? SHADOW_NICE : 0,
  ): Promise<void> {
    const old = rt.candidate!;
    const app = await this.launch(space, rt, old.sha, log);
    if (typeof app === "string") {
      await this.rollbackNow(space, rt, "host", `the new revision did not start again: ${app}`);
      return;
    }
    rt.candidate = { sha: old.sha, card: old.card, ...app };
    await this.prioritise(space, rt, nice);
    this.drain(rt, old.child, old.port);
  }

  /**
   * The owner's (or the numbers') promotion by one stage: to the next one (only the rollout
   * changes: the split, or the end of the copies), or after the last, to everyone — the new
   * revision serves everyone; the old one drains.
   */
  private async promoteNow(space: SpaceRecord, rt: SpaceRuntime, by: string, reason: string): Promise<string | undefined> {
    if (!rt.candidate || !rt.rollout?.active) return "no rollout is under way";
    // Whichever comes next serves visitors (only the first stage shadows): normal priority first,
    // which may start the revision again (and, if that fails, roll it back).
    await this.prioritise(space, rt, 0);
    const candidate = rt.candidate;
    if (!candidate || !rt.rollout.active) return `the new revision could not serve visitors: ${rt.rollout.history.at(-1)?.reason}`;
    if (!rt.rollout.lastStage) {
      this.announce(rt, `expanded ${candidate.sha.slice(0, 12)} (${by}): ${rt.rollout.advance(by, reason)}`);
      this.save(space, rt);
      return undefined;
    }
    rt.candidate = undefined;
    rt.card = candidate.card;
    rt.crashes = [];
    this.swapIn(rt, candidate.child, candidate.port, candidate.sha);
    rt.rollout.finish("promoted", by, reason);
    this.announce(rt, `promoted ${candidate.sha.slice(0, 12)} to everyone (${by}): ${reason}`);
    this.save(space, rt);
    return undefined;
  }

  /** Stops the rollout: new calls go to the serving revision only; calls pinned to the new one finish, then it stops. */
  private async rollbackNow(space: SpaceRecord, rt: SpaceRuntime, by: string, reason: string): Promise<string | undefined> {
    const candidate = rt.candidate;
    if (!candidate || !rt.rollout?.active) return "no rollout is under way";
    rt.candidate = undefined;
    rt.rollout.finish("rolled back", by, reason);
    this.announce(rt, `rolled back ${candidate.sha.slice(0, 12)}; ${rt.sha?.slice(0, 12)} serves everyone (${by}): ${reason}`);
    this.save(space, rt);
    this.drain(rt, candidate.child, candidate.port);
    return undefined;
  }

  /** A rollout decision, in the build log (the push's) and the run log. */
  private announce(rt: SpaceRuntime, what: string): void {
    const line = `Space host: rollout: ${what}`;
    rt.buildLog.push(line);
    rt.runLog.push(line);
  }

  /** Promotes the revision being rolled out by one stage (the last one's: to everyone), at its owner's request. @returns why not, if it could not. */
  promote(space: SpaceRecord, by: string): Promise<string | undefined> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(() => this.promoteNow(space, rt, by, `by its owner; ${rt.rollout?.summary() ?? ""}`));
  }

  /** Rolls the revision being rolled out back, at its owner's request. @returns why not, if it could not. */
  rollback(space: SpaceRecord, by: string): Promise<string | undefined> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(() => this.rollbackNow(space, rt, by, `by its owner; ${rt.rollout?.summary() ?? ""}`));
  }

  /** Crash restarts: backoff, 2 × backoff; a third crash within a minute is a RUNTIME_ERROR. */
  private async crashed(space: SpaceRecord, rt: SpaceRuntime, why: string): Promise<void> {
    const now = Date.now();
    rt.crashes = rt.crashes.filter((t) => now - t < CRASH_WINDOW_MS).concat(now);
    rt.runLog.push(`Space host: ${why}.`);
    rt.port = undefined; // nothing serves until it is back
    rt.child = undefined;
    if (this.closed) return;
    if (rt.crashes.length >= CRASH_LIMIT) {
      rt.errorMessage = `${why}; it crashed ${rt.crashes.length} times within a minute. Last log lines:\n${rt.runLog.tail(20).join("\n")}`;
      rt.enter("RUNTIME_ERROR");
      return;
    }
    const delay = this.options.crashBackoffMs * 2 ** (rt.crashes.length - 1);
    rt.runLog.push(`Space host: restarting in ${delay / 1000} s.`);
    rt.enter("APP_STARTING");
    await new Promise((r) => setTimeout(r, delay));
    if (rt.stage !== "APP_STARTING" || rt.child) return; // a deploy took over meanwhile
    await rt.serialize(() => this.start(space, rt, rt.sha!, (s) => rt.runLog.push(s)));
  }

  /**
   * Brings every Space back after the host starts: first stops whatever a previous host left
   * running, then starts each Space at its last good revision (rebuilding it if its folder is
   * gone), a few at a time; a Space that was asleep stays asleep until its next request.
   */
  async restore(log: (line: string) => void): Promise<void> {
    // Known at once, so requests meanwhile get "starting" (503 + Retry-After), not "no app".
    const toStart: [SpaceRecord, SpaceRuntime, SavedState][] = [];
    for (const space of this.accounts.spaces()) {
      const saved = this.load(space);
      if (!saved.sha) continue;
      const rt = this.runtime(`${space.owner}/${space.name}`);
      Object.assign(rt, { sha: saved.sha, previousSha: saved.previous, card: saved.card });
      // A finished rollout is kept for its report; an active one comes back below, with both revisions.
      if (saved.rollout && saved.rollout.state !== "active") rt.rollout = Rollout.restore(saved.rollout, () => {});
      if (saved.paused) rt.enter("PAUSED");
      else if (saved.sleeping) rt.enter("SLEEPING");
      else {
        rt.enter("APP_STARTING");
        toStart.push([space, rt, saved]);
      }
    }
    const reaped = await this.supervisor.reapLeftovers(log);
    if (reaped) log(`Space host: stopped ${reaped} app(s) a previous host left running.`);
    const rebuilt = async (space: SpaceRecord, rt: SpaceRuntime, sha: string) => {
      if (!existsSync(join(this.paths(space).builds, sha, "node_modules"))) {
        rt.runLog.push(`Space host: rebuilding ${sha.slice(0, 12)}, whose build folder is gone.`);
        await buildRevision(this.buildContext(space), sha, (s) => rt.buildLog.push(s));
      }
    };
    await bounded(toStart, this.options.startConcurrency, async ([space, rt, saved]) => {
      const problem = await rt
        .serialize(async () => {
          await rebuilt(space, rt, rt.sha!);
          return this.start(space, rt, rt.sha!, (s) => rt.runLog.push(s));
        })
        .catch((err: Error) => err.message);
      if (problem) log(`Space host: ${rt.id} did not come back: ${problem}`);
      else this.touch(space, rt);
      // A rollout under way resumes where it was: the new revision starts again next to the serving one.
      const { candidate, candidateCard, rollout } = saved;
      if (problem || !candidate || rollout?.state !== "active" || rollout.stableSha !== rt.sha) return;
      const late = await rt
        .serialize(async () => {
          await rebuilt(space, rt, candidate);
          return this.startCandidate(space, rt, candidate, candidateCard ?? rt.card!, rollout.policy, (s) => rt.runLog.push(s), rollout);
        })
        .catch((err: Error) => err.message);
      if (late) {
        log(`Space host: ${rt.id}'s rollout of ${candidate.slice(0, 12)} did not come back: ${late}`);
        rt.rollout = Rollout.restore(rollout, () => {});
        rt.rollout.finish("rolled back", "host", `the new revision did not start again after a host restart: ${late}`);
      }
      this.save(space, rt);
    });
  }

  /** Stops every app (SIGTERM, then SIGKILL after the grace period); nothing outlives the host. */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.rolloutTimer);
    for (const rt of this.runtimes.values()) clearTimeout(rt.sleepTimer);
    await this.supervisor.stopAll();
  }

  /**
   * Removes builds no Space uses (keeping, per Space, the revision serving, the previous one and
   * one being built) and the installed dependencies only they used.
   */
  gc(): Promise<Freed> {
    const keep = new Map<string, Set<string>>();
    for (const space of this.accounts.spaces()) {
      const id = `${space.owner}/${space.name}`;
      const rt = this.runtimes.get(id);
      const saved = this.load(space);
      const shas = [
        rt?.sha,
        rt?.previousSha,
        rt?.buildingSha,
        rt?.candidate?.sha,
        saved.sha,
        saved.previous,
        saved.building,
        saved.candidate,
      ].filter((s): s is string => Boolean(s));
      keep.set(id, new Set(shas));
    }
    return collectGarbage(this.options.dataDir, keep);
  }
}

/**
 * The clean-up `npm run spaces -- gc` runs from another process: what to keep comes from each
 * Space's saved state, which the host writes before it builds and after it swaps.
 */
export function gcFromState(accounts: Accounts, dataDir: string): Promise<Freed> {
  return new Lifecycle(accounts, { dataDir }).gc();
}

/**
 * The life of each Space on this host: deploy a pushed revision (build, start, swap, drain the
 * old one), restart it with new variables, restart it after a crash (with backoff), pause it,
 * remove it, put it to sleep when idle and wake it on the next request — and, because a host
 * restarts too, bring every Space back from its saved state (`state.ts`) when it starts.
 * Processes themselves are the supervisor's (`apps/supervisor.ts`), starting one is `launch.ts`'s,
 * builds are `build.ts`'s, and what happens to the processes during a rollout is `rollout/control.ts`'s.
 * An operation that cannot be done throws a {@link HostError} with the status a route answers.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import type { Accounts, SpaceRecord } from "../accounts/accounts.ts";
import { limitsFor } from "../apps/limits.ts";
import { chooseRuntime, type RuntimeKind, type Sandboxing } from "../apps/sandbox.ts";
import { Supervisor } from "../apps/supervisor.ts";
import { type BuildContext, buildRevision } from "../build/build.ts";
import type { Freed } from "../build/gc.ts";
import type { SpaceCard } from "../build/card.ts";
import { HostError } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { RolloutControl } from "../rollout/control.ts";
import { envNumber } from "../config.ts";
import { Rollout } from "../rollout/rollout.ts";
import { launchApp, type RunningApp } from "./launch.ts";
import { recordedInRuntime, SpaceRuntime, type Stage } from "./runtime.ts";
import { gcFromState, loadState, type SavedState, saveState } from "./state.ts";

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
  /** How apps run (default SPACE_RUNTIME, else the sandbox where bubblewrap is installed). */
  runtime?: RuntimeKind;
}

/** A crash within this window counts towards the limit; the third is a RUNTIME_ERROR. */
const CRASH_LIMIT = 3;
const CRASH_WINDOW_MS = 60_000;

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
 * await spaces.restore(console.log);   // at host start: every Space back at its last good revision
 * await spaces.deploy(space, sha);     // after a push; throws a HostError if it did not build or start
 * await spaces.shutdown();             // at SIGTERM: no app outlives the host
 */
export class Lifecycle {
  readonly runtimes = new Map<string, SpaceRuntime>();
  readonly supervisor: Supervisor;
  /** How this host runs apps; its `notes` say so at start. */
  readonly sandboxing: Sandboxing;
  private readonly options: Required<Omit<LifecycleOptions, "runtime">>;
  private readonly rollouts: RolloutControl;
  private closed = false;
  private readonly rolloutTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly accounts: Accounts,
    options: LifecycleOptions,
  ) {
    this.options = {
      readyTimeoutMs: 120_000,
      drainMs: envNumber("SPACE_DRAIN", 5) * 1000,
      crashBackoffMs: 1_000,
      sleepAfterMs: envNumber("SPACE_SLEEP_AFTER", 48 * 3600) * 1000,
      stopGraceMs: 10_000,
      startConcurrency: availableParallelism(),
      rolloutTickMs: 1_000,
      ...options,
    };
    this.sandboxing = chooseRuntime(options.dataDir, options.runtime ?? process.env.SPACE_RUNTIME);
    this.supervisor = new Supervisor(join(options.dataDir, "run"), this.options.stopGraceMs, this.sandboxing.cgroups);
    this.rollouts = new RolloutControl({
      accounts,
      supervisor: this.supervisor,
      closed: () => this.closed,
      launch: (space, rt, sha, log) => this.launch(space, rt, sha, log),
      swapIn: (rt, app, sha) => this.swapIn(rt, app, sha),
      drain: (rt, app) => this.drain(rt, app),
      save: (space, rt) => this.save(space, rt),
    });
    // Rollouts decide on time too ("after M minutes"), and their counts survive a host restart.
    this.rolloutTimer = setInterval(() => this.rollouts.tick(this.runtimes.values()), this.options.rolloutTickMs);
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
    const { kind, cgroups, disks, etc, limits } = this.sandboxing;
    const disk = disks && { disks, image: paths.image, dir: paths.disk };
    return {
      repo: paths.repo,
      lfs: paths.lfs,
      builds: paths.builds,
      cacheDir: join(this.options.dataDir, "cache"),
      owner: space.owner,
      name: space.name,
      // npm ci runs as the Space's own code: its uid, its limits.
      ...(kind === "sandbox"
        ? {
            sandbox: {
              uid: this.accounts.uidOf(space.owner, space.name),
              limits: limitsFor(space.limits, limits),
              cgroups,
              etc: etc!,
              disk,
            },
          }
        : {}),
    };
  }

  private save(space: SpaceRecord, rt: SpaceRuntime): void {
    saveState(this.paths(space).state, rt);
  }

  /** The host's sleep time for Spaces whose owner picked none (SPACE_SLEEP_AFTER). */
  get hostSleepAfterMs(): number {
    return this.options.sleepAfterMs;
  }

  /**
   * How long a Space idles before it sleeps: its owner's `sleepTime` (seconds; -1 never: undefined
   * here), else the host's SPACE_SLEEP_AFTER. Read from the accounts each time, so a change counts
   * from the next request on.
   *
   * @example
   * spaces.sleepAfterMs(space) // → 172800000 (48 h, the host's default)
   */
  sleepAfterMs(space: SpaceRecord): number | undefined {
    const seconds = this.accounts.space(space.owner, space.name)?.sleepTime;
    if (seconds === -1) return undefined;
    return seconds ? seconds * 1000 : this.options.sleepAfterMs;
  }

  /** Postpones a Space's sleep: each request to its app, and each deploy, counts as activity. */
  touch(space: SpaceRecord, rt: SpaceRuntime): void {
    clearTimeout(rt.sleepTimer);
    const after = this.sleepAfterMs(space);
    if (after === undefined) return;
    rt.sleepTimer = setTimeout(() => void this.sleep(space, rt), after);
    rt.sleepTimer.unref();
  }

  /**
   * Builds and starts `sha`, then swaps it in; one deploy at a time per Space. Logs go to the
   * runtime's build log, which the push streams back.
   *
   * @throws {HostError} with the error message on failure (the previous revision keeps serving).
   */
  deploy(space: SpaceRecord, sha: string): Promise<void> {
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
        throw new HostError(500, message);
      }
      // A rollout (the owner's setting, else the card's) starts the revision next to the serving
      // one; otherwise it replaces it at once, as on Hugging Face.
      // A static Space has no process to compare: a new revision of one serves at once.
      const policy = card.sdk !== "static" && rt.child && rt.sha && rt.sha !== sha ? this.rollouts.policyFor(space, card, log) : undefined;
      if (rt.candidate)
        await this.rollouts.rollback(space, rt, "host", `superseded by the push of ${sha.slice(0, 12)}`).catch(recordedInRuntime);
      try {
        if (policy) await this.rollouts.start(space, rt, sha, card, policy, log);
        else {
          rt.card = card;
          rt.crashes = []; // a new revision starts with a clean record
          await this.start(space, rt, sha, log);
        }
      } finally {
        rt.buildingSha = undefined;
        this.save(space, rt);
      }
      this.touch(space, rt);
      void this.gc().catch((err) => rt.runLog.push(`Space host: clean-up failed: ${(err as Error).message}`));
    });
  }

  /**
   * Starts the serving revision again (after its variables or secrets changed, or to wake it).
   *
   * @throws {HostError} 409 if the Space never ran; 500 if it did not start again.
   */
  restart(space: SpaceRecord): Promise<void> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(async () => {
      if (!rt.sha) throw new HostError(409, "nothing to restart: the Space never ran");
      const log = (s: string) => rt.runLog.push(s);
      try {
        await this.start(space, rt, rt.sha, log);
        if (rt.candidate && rt.rollout?.active) await this.rollouts.restart(space, rt, log);
      } finally {
        this.save(space, rt);
      }
      this.touch(space, rt);
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
      await this.sandboxing.disks?.detach(paths.disk);
      await Promise.all(
        [paths.repo, paths.lfs, paths.builds, paths.state, paths.disk, paths.image, paths.sockets].map((path) =>
          rm(path, { recursive: true, force: true }),
        ),
      );
    });
    this.runtimes.delete(id);
    await this.gc().catch(() => undefined);
  }

  /**
   * Renames a Space (its owner may change too): its app stops, its repository, LFS objects,
   * builds, saved state and disk move to the new name's folders, its record moves (`Accounts.moveSpace`,
   * which keeps a redirect from the old name), and it starts again under the new name as it was —
   * serving, asleep or paused.
   *
   * @throws {HostError} 409 when the new name's folders are taken, 400 when the record cannot move.
   * @example
   * const moved = await spaces.rename(space, "alice", "demo2");
   */
  async rename(space: SpaceRecord, toOwner: string, toName: string): Promise<SpaceRecord> {
    const fromId = `${space.owner}/${space.name}`;
    const [from, to] = [this.paths(space), spacePaths(this.options.dataDir, toOwner, toName)];
    const folders = (["repo", "lfs", "builds", "state", "image", "disk"] as const).filter((key) => existsSync(from[key]));
    const rt = this.runtime(fromId);
    let moved!: SpaceRecord;
    let resume: "start" | "SLEEPING" | "PAUSED" | undefined;
    await rt.serialize(async () => {
      // Leftovers of a deleted Space under the new name would be merged with this one's.
      const taken = folders.find((key) => existsSync(to[key]));
      if (taken) throw new HostError(409, `${toOwner}/${toName} still has files of an earlier Space (${taken}): try another name.`);
      resume = rt.stage === "PAUSED" ? "PAUSED" : rt.stage === "SLEEPING" ? "SLEEPING" : rt.sha ? "start" : undefined;
      await this.takeDown(space, rt, rt.stage === "PAUSED" ? "PAUSED" : "SLEEPING", `Space host: renamed to ${toOwner}/${toName}.`);
      await this.supervisor.stopSpace(fromId); // a replaced revision still draining
      await this.sandboxing.disks?.detach(from.disk);
      try {
        moved = this.accounts.moveSpace(space.owner, space.name, toOwner, toName);
      } catch (err) {
        if (resume === "start") await this.start(space, rt, rt.sha!, (s) => rt.runLog.push(s)).catch(recordedInRuntime);
        throw new HostError(400, (err as Error).message);
      }
      // Synchronous, next to the record's move: a clean-up never sees one without the other.
      for (const key of folders) {
        mkdirSync(dirname(to[key]), { recursive: true });
        renameSync(from[key], to[key]);
      }
    });
    this.runtimes.delete(fromId);
    const next = this.runtime(`${toOwner}/${toName}`);
    const saved = loadState(to.state);
    Object.assign(next, { sha: saved.sha, previousSha: saved.previous, card: saved.card });
    if (saved.rollout && saved.rollout.state !== "active") next.rollout = Rollout.restore(saved.rollout, () => {});
    next.runLog.push(`Space host: renamed from ${fromId}.`);
    if (resume === "PAUSED" || resume === "SLEEPING") {
      next.enter(resume);
      this.save(moved, next);
    } else if (resume === "start")
      await next
        .serialize(async () => {
          // A clean-up that listed the builds before the move may have taken this one.
          if (!existsSync(join(to.builds, next.sha!, next.card?.sdk === "static" ? "index.html" : "node_modules")))
            await buildRevision(this.buildContext(moved), next.sha!, (s) => next.buildLog.push(s)).catch((err: Error) => {
              next.errorMessage = err.message;
              next.enter("BUILD_ERROR");
              throw new HostError(500, err.message);
            });
          await this.start(moved, next, next.sha!, (s) => next.runLog.push(s));
          this.save(moved, next);
          this.touch(moved, next);
        })
        .catch(recordedInRuntime);
    return moved;
  }

  /**
   * Wakes a sleeping Space; every request that arrives meanwhile shares the same wake-up. A wake-up
   * that fails leaves the Space's stage saying so, which the request then answers.
   */
  wake(space: SpaceRecord, rt: SpaceRuntime): Promise<unknown> {
    if (rt.stage === "SLEEPING" && !rt.waking) {
      rt.runLog.push("Space host: waking up.");
      rt.waking = this.restart(space)
        .catch(recordedInRuntime)
        .finally(() => (rt.waking = undefined));
    }
    return rt.waking ?? Promise.resolve();
  }

  /** Stops an idle Space's app; the next request wakes it. */
  private async sleep(space: SpaceRecord, rt: SpaceRuntime): Promise<void> {
    if (rt.stage !== "RUNNING" || rt.card?.sdk === "static") return; // files cost nothing idle
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
    rt.address = undefined;
    rt.child = undefined;
    rt.candidate = undefined;
    if (candidate) rt.rollout?.finish("rolled back", "host", why);
    rt.enter(stage);
    if (save) this.save(space, rt);
    rt.runLog.push(why);
    await Promise.all([this.supervisor.stop(child), this.supervisor.stop(candidate?.child)]);
  }

  /**
   * Starts `sha`'s build with the Space's current environment, waits for /config, swaps it in.
   *
   * @throws {HostError} 503 when the host is shutting down, 500 when the app did not start.
   */
  private async start(space: SpaceRecord, rt: SpaceRuntime, sha: string, log: (s: string) => void): Promise<void> {
    if (this.closed) throw new HostError(503, "the host is shutting down");
    if (rt.card?.sdk === "static") {
      this.serveFiles(rt, sha);
      log(`Serving revision ${sha.slice(0, 12)} as files (sdk: static)\n`);
      return;
    }
    const wasServing = rt.serving;
    rt.enter(wasServing ? "RUNNING_APP_STARTING" : "APP_STARTING");
    let app: RunningApp;
    try {
      app = await this.launch(space, rt, sha, log);
    } catch (err) {
      if (err instanceof HostError) {
        rt.errorMessage = err.message;
        rt.enter(wasServing ? "RUNNING" : "RUNTIME_ERROR");
      }
      throw err;
    }
    this.swapIn(rt, app, sha);
    log(`Running revision ${sha.slice(0, 12)}\n`);
  }

  /**
   * Starts `sha`'s app (`launch.ts`); routes nothing to it. Its exit later is a crash if it
   * serves by then, or the end of the rollout if it is the revision being rolled out.
   *
   * @throws {HostError} 500 with why it did not start (it is stopped then).
   */
  private async launch(space: SpaceRecord, rt: SpaceRuntime, sha: string, log: (s: string) => void): Promise<RunningApp> {
    const { supervisor } = this;
    const app = await launchApp({
      supervisor,
      sandboxing: this.sandboxing,
      uid: this.sandboxing.kind === "sandbox" ? this.accounts.uidOf(space.owner, space.name) : 0,
      space,
      rt,
      paths: this.paths(space),
      sha,
      readyTimeoutMs: this.options.readyTimeoutMs,
      log,
    });
    const { child } = app;
    child.once("exit", (code, signal) => {
      if (supervisor.isStopping(child)) return;
      // The kernel's OOM killer ends the app's biggest process; the app itself only says it exited.
      const oom = supervisor.oomKills(child)
        ? `: memory limit (${limitsFor(space.limits, this.sandboxing.limits).memoryMb} MB) exceeded`
        : "";
      const why = `the app exited (${signal ?? `code ${code}`})${oom}`;
      if (rt.child === child) void this.crashed(space, rt, why);
      else if (rt.candidate?.child === child)
        void rt.serialize(() => this.rollouts.rollback(space, rt, "host", `the new revision's ${why}`)).catch(recordedInRuntime);
    });
    return app;
  }

  /**
   * Routes new calls to `app` from now on; calls already queued on the app it replaces finish
   * there (their streams are routed to it by session), then that app stops.
   */
  private swapIn(rt: SpaceRuntime, { child, address }: RunningApp, sha: string): void {
    const previous = rt.child;
    const previousAddress = rt.address;
    if (rt.sha && rt.sha !== sha) rt.previousSha = rt.sha;
    rt.child = child;
    rt.address = address;
    rt.sha = sha;
    rt.errorMessage = undefined;
    rt.enter("RUNNING");
    if (previous) this.drain(rt, { child: previous, address: previousAddress });
  }

  /**
   * A static Space's revision serves from its build folder (`routes/app.ts`): no process. An app
   * it replaces (the Space was not static before) drains as in {@link swapIn}.
   */
  private serveFiles(rt: SpaceRuntime, sha: string): void {
    const previous = rt.child;
    const previousAddress = rt.address;
    if (rt.sha && rt.sha !== sha) rt.previousSha = rt.sha;
    rt.child = undefined;
    rt.address = undefined;
    rt.sha = sha;
    rt.errorMessage = undefined;
    rt.enter("RUNNING");
    if (previous) this.drain(rt, { child: previous, address: previousAddress });
  }

  /** Stops an app taken out of routing once the calls pinned to it had `drainMs` to finish; its sessions then move to the serving app. */
  private drain(rt: SpaceRuntime, { child, address }: { child: ChildProcess; address: string | undefined }): void {
    setTimeout(() => {
      void this.supervisor.stop(child).then(() => {
        for (const pinned of [rt.sessions, rt.events]) for (const [key, p] of pinned) if (p === address) pinned.delete(key);
      });
    }, this.options.drainMs).unref();
  }

  /**
   * Promotes the revision being rolled out by one stage (the last one's: to everyone), at its owner's request.
   *
   * @throws {HostError} 409 when it could not (no rollout under way, or the new revision could not serve visitors).
   */
  promote(space: SpaceRecord, by: string): Promise<void> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(() => this.rollouts.promote(space, rt, by, `by its owner; ${rt.rollout?.summary() ?? ""}`));
  }

  /**
   * Rolls the revision being rolled out back, at its owner's request.
   *
   * @throws {HostError} 409 when no rollout is under way.
   */
  rollback(space: SpaceRecord, by: string): Promise<void> {
    const rt = this.runtime(`${space.owner}/${space.name}`);
    return rt.serialize(() => this.rollouts.rollback(space, rt, by, `by its owner; ${rt.rollout?.summary() ?? ""}`));
  }

  /** Crash restarts: backoff, 2 × backoff; a third crash within a minute is a RUNTIME_ERROR. */
  private async crashed(space: SpaceRecord, rt: SpaceRuntime, why: string): Promise<void> {
    const now = Date.now();
    rt.crashes = rt.crashes.filter((t) => now - t < CRASH_WINDOW_MS).concat(now);
    rt.runLog.push(`Space host: ${why}.`);
    rt.address = undefined; // nothing serves until it is back
    rt.child = undefined;
    rt.errorMessage = why; // until it serves again
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
    // A restart that fails is RUNTIME_ERROR, which the stage says.
    await rt.serialize(() => this.start(space, rt, rt.sha!, (s) => rt.runLog.push(s))).catch(recordedInRuntime);
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
      const saved = loadState(this.paths(space).state);
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
      // An installed build has its node_modules; a static one, its page.
      if (!existsSync(join(this.paths(space).builds, sha, rt.card?.sdk === "static" ? "index.html" : "node_modules"))) {
        rt.runLog.push(`Space host: rebuilding ${sha.slice(0, 12)}, whose build folder is gone.`);
        await buildRevision(this.buildContext(space), sha, (s) => rt.buildLog.push(s));
      }
    };
    const problemOf = (work: Promise<void>) =>
      work.then(
        () => undefined,
        (err: Error) => err.message,
      );
    await bounded(toStart, this.options.startConcurrency, async ([space, rt, saved]) => {
      const problem = await problemOf(
        rt.serialize(async () => {
          await rebuilt(space, rt, rt.sha!);
          await this.start(space, rt, rt.sha!, (s) => rt.runLog.push(s));
        }),
      );
      if (problem) log(`Space host: ${rt.id} did not come back: ${problem}`);
      else this.touch(space, rt);
      // A rollout under way resumes where it was: the new revision starts again next to the serving one.
      const { candidate, candidateCard, rollout } = saved;
      if (problem || !candidate || rollout?.state !== "active" || rollout.stableSha !== rt.sha) return;
      const late = await problemOf(
        rt.serialize(async () => {
          await rebuilt(space, rt, candidate);
          await this.rollouts.start(space, rt, candidate, candidateCard ?? rt.card!, rollout.policy, (s) => rt.runLog.push(s), rollout);
        }),
      );
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
    // No app uses a disk now: unmounted, so the host's data folder is plain files again.
    const { disks, cgroups } = this.sandboxing;
    if (disks) for (const space of this.accounts.spaces()) await disks.detach(this.paths(space).disk);
    await cgroups?.close();
  }

  /**
   * Removes builds no Space uses (keeping, per Space, the revision serving, the previous one and
   * one being built) and the installed dependencies only they used (`state.ts`).
   */
  gc(): Promise<Freed> {
    return gcFromState(this.accounts, this.options.dataDir, this.runtimes);
  }
}

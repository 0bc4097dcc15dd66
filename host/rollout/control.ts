/**
 * What the lifecycle does to a Space's processes during a rollout: start the new revision next to
 * the serving one and begin the rollout, give it its stage's CPU priority (a shadow at nice 19),
 * start it again when needed, promote it by one stage (or, after the last, swap it in for
 * everyone) and roll it back. The rollout itself (`rollout.ts`) only counts and decides; this
 * carries its verdicts out, one at a time with the Space's deploys (`rt.serialize`).
 */
import type { Accounts, SpaceRecord } from "../accounts/accounts.ts";
import type { Supervisor } from "../apps/supervisor.ts";
import type { SpaceCard } from "../build/card.ts";
import { HostError } from "../errors.ts";
import type { RunningApp } from "../spaces/launch.ts";
import { recordedInRuntime, type SpaceRuntime } from "../spaces/runtime.ts";
import { describePolicy, parsePolicy, type RolloutPolicy } from "./policy.ts";
import { Rollout, type SavedRollout } from "./rollout.ts";

/** A shadow's nice value: the lowest CPU priority. */
const SHADOW_NICE = 19;

/** What {@link RolloutControl} uses of the lifecycle: its processes, routing and saved state. */
export interface ControlDeps {
  accounts: Accounts;
  supervisor: Supervisor;
  /** Whether the host is shutting down (nothing new starts then). */
  closed(): boolean;
  /** Starts a revision's app and waits until it answers; its exit later is the lifecycle's to handle. @throws {HostError} */
  launch(space: SpaceRecord, rt: SpaceRuntime, sha: string, log: (s: string) => void): Promise<RunningApp>;
  /** Routes new calls to `app` from now on; the app it replaces drains. */
  swapIn(rt: SpaceRuntime, app: RunningApp, sha: string): void;
  /** Stops an app taken out of routing once the calls pinned to it had time to finish. */
  drain(rt: SpaceRuntime, app: RunningApp): void;
  save(space: SpaceRecord, rt: SpaceRuntime): void;
}

/**
 * @example
 * const control = new RolloutControl({ accounts, supervisor, closed, launch, swapIn, drain, save });
 * const policy = control.policyFor(space, card, log);
 * if (policy) await control.start(space, rt, sha, card, policy, log); // next to the serving revision
 * await control.promote(space, rt, "alice", "by its owner");           // one stage on
 */
export class RolloutControl {
  constructor(private readonly deps: ControlDeps) {}

  /** The rollout for a push: the owner's setting (`npm run spaces -- rollout`) wins over the card's `rollout:`. */
  policyFor(space: SpaceRecord, card: SpaceCard, log: (s: string) => void): RolloutPolicy | undefined {
    const setting = this.deps.accounts.space(space.owner, space.name)?.rollout;
    const { policy, warning } = parsePolicy(setting !== undefined ? setting : card.rollout);
    if (warning) log(`Space host: ${warning}; deploying without a rollout.\n`);
    return policy;
  }

  /**
   * Starts `sha` next to the serving revision and begins the rollout (the serving one is
   * untouched), or resumes a `saved` one after a host restart.
   *
   * @throws {HostError} when the host is shutting down, or the new revision did not start (the serving one goes on).
   */
  async start(
    space: SpaceRecord,
    rt: SpaceRuntime,
    sha: string,
    card: SpaceCard,
    policy: RolloutPolicy,
    log: (s: string) => void,
    saved?: SavedRollout,
  ): Promise<void> {
    if (this.deps.closed()) throw new HostError(503, "the host is shutting down");
    rt.enter("RUNNING_APP_STARTING");
    let app: RunningApp;
    try {
      app = await this.deps.launch(space, rt, sha, log);
    } catch (err) {
      if (err instanceof HostError) rt.errorMessage = err.message;
      throw err;
    } finally {
      rt.enter("RUNNING");
    }
    rt.candidate = { sha, card, ...app };
    const act = (action: "promote" | "rollback", reason: string) => {
      const rollout = rt.rollout!;
      const stage = rollout.stage;
      void rt
        .serialize(async () => {
          // The verdict was for this rollout's stage: if its owner moved it on meanwhile, it is void.
          if (rt.rollout !== rollout || rollout.stage !== stage) return;
          await (action === "promote" ? this.promote(space, rt, "auto", reason) : this.rollback(space, rt, "auto", reason));
        })
        .catch(recordedInRuntime);
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
    const problem = await this.deps.supervisor.setNice(candidate.child, nice);
    if (!problem) {
      candidate.nice = nice;
      return;
    }
    const sha = candidate.sha.slice(0, 12);
    if (nice !== 0) return this.announce(rt, `could not lower ${sha}'s CPU priority (${problem}); it shadows at normal priority`);
    this.announce(rt, `could not give ${sha} its normal CPU priority back (${problem}); starting it again`);
    await this.restart(space, rt, (s) => rt.runLog.push(s), 0);
  }

  /**
   * Starts the revision being rolled out again — with the Space's new variables and secrets, or
   * at normal priority — and swaps the new process in; its counts go on, and calls on the old
   * process finish there. If it does not start, the rollout is rolled back.
   */
  async restart(
    space: SpaceRecord,
    rt: SpaceRuntime,
    log: (s: string) => void,
    nice = rt.rollout?.shadowing ? SHADOW_NICE : 0,
  ): Promise<void> {
    const old = rt.candidate!;
    let app: RunningApp;
    try {
      app = await this.deps.launch(space, rt, old.sha, log);
    } catch (err) {
      if (!(err instanceof HostError)) throw err;
      await this.rollback(space, rt, "host", `the new revision did not start again: ${err.message}`).catch(recordedInRuntime);
      return;
    }
    rt.candidate = { sha: old.sha, card: old.card, ...app };
    await this.prioritise(space, rt, nice);
    this.deps.drain(rt, old);
  }

  /**
   * The owner's (or the numbers') promotion by one stage: to the next one (only the rollout
   * changes: the split, or the end of the copies), or after the last, to everyone — the new
   * revision serves everyone; the old one drains.
   *
   * @throws {HostError} 409 when no rollout is under way, or the new revision could not serve visitors.
   */
  async promote(space: SpaceRecord, rt: SpaceRuntime, by: string, reason: string): Promise<void> {
    if (!rt.candidate || !rt.rollout?.active) throw new HostError(409, "Cannot promote: no rollout is under way.");
    // Whichever comes next serves visitors (only the first stage shadows): normal priority first,
    // which may start the revision again (and, if that fails, roll it back).
    await this.prioritise(space, rt, 0);
    const candidate = rt.candidate;
    if (!candidate || !rt.rollout.active)
      throw new HostError(409, `Cannot promote: the new revision could not serve visitors: ${rt.rollout.history.at(-1)?.reason}.`);
    if (!rt.rollout.lastStage) {
      this.announce(rt, `expanded ${candidate.sha.slice(0, 12)} (${by}): ${rt.rollout.advance(by, reason)}`);
      this.deps.save(space, rt);
      return;
    }
    rt.candidate = undefined;
    rt.card = candidate.card;
    rt.crashes = [];
    this.deps.swapIn(rt, candidate, candidate.sha);
    rt.rollout.finish("promoted", by, reason);
    this.announce(rt, `promoted ${candidate.sha.slice(0, 12)} to everyone (${by}): ${reason}`);
    this.deps.save(space, rt);
  }

  /**
   * Stops the rollout: new calls go to the serving revision only; calls pinned to the new one finish, then it stops.
   *
   * @throws {HostError} 409 when no rollout is under way.
   */
  async rollback(space: SpaceRecord, rt: SpaceRuntime, by: string, reason: string): Promise<void> {
    const candidate = rt.candidate;
    if (!candidate || !rt.rollout?.active) throw new HostError(409, "Cannot rollback: no rollout is under way.");
    rt.candidate = undefined;
    rt.rollout.finish("rolled back", by, reason);
    this.announce(rt, `rolled back ${candidate.sha.slice(0, 12)}; ${rt.sha?.slice(0, 12)} serves everyone (${by}): ${reason}`);
    this.deps.save(space, rt);
    this.deps.drain(rt, candidate);
  }

  /** Checks each active rollout's time window and saves its counts (the lifecycle's 1 s tick). */
  tick(runtimes: Iterable<SpaceRuntime>): void {
    for (const rt of runtimes) {
      if (!rt.rollout?.active) continue;
      rt.rollout.check();
      const space = this.deps.accounts.space(...(rt.id.split("/") as [string, string]));
      if (rt.rollout.dirty && space) this.deps.save(space, rt);
    }
  }

  /** A rollout decision, in the build log (the push's) and the run log. */
  private announce(rt: SpaceRuntime, what: string): void {
    const line = `Space host: rollout: ${what}`;
    rt.buildLog.push(line);
    rt.runLog.push(line);
  }
}

/**
 * Staged rollouts of a Space's new revision, as the lesson deploys a model: run it in parallel
 * (shadow: the new revision gets a copy of every live prediction, the visitor always gets the
 * current one's answer), deploy it to a limited scope (canary: a share of new sessions and
 * one-shot calls goes to it), expand gradually (canary steps, e.g. 10 % then 50 %), then
 * everyone — each step automatic or by the owner — or a rollback, automatic when the new
 * revision's error rate or p99 latency is worse than the current one's by more than the margins.
 *
 * This module is one rollout under way: its current stage, the shadow's bounded queue, the
 * agreement between the two revisions' labels, and the decisions. Its policy is `policy.ts`, its
 * per-revision counters `stats.ts`. It starts and stops nothing: `control.ts` acts on its verdicts;
 * the proxy (`apps/proxy.ts`) routes through it and `tap.ts` counts.
 */
import type { Answer } from "./answers.ts";
import { describePolicy, pct, type RolloutPolicy, type RolloutStage, stageName, stepName } from "./policy.ts";
import { RevisionStats } from "./stats.ts";

const ms = (x: number | null) => (x === null ? "–" : `${Math.round(x)} ms`);

/** One entry of the decision history. */
export interface Decision {
  at: string;
  /** expanded: a stage passed and the next one began (e.g. canary 10 % → 50 %). */
  action: "started" | "expanded" | "promoted" | "rolled back" | "resumed";
  by: string;
  reason: string;
}

export type Side = "stable" | "candidate";
export type RolloutState = "active" | "promoted" | "rolled back";

/** Where the current stage began: its time window and counts start there. */
interface StageStart {
  at: number;
  /** The new revision's calls, and the compared answers, before the stage. */
  requests: number;
  compared: number;
}

/** What the saved state keeps of a rollout (see {@link Rollout.save}). */
export interface SavedRollout {
  policy: RolloutPolicy;
  stableSha: string;
  candidateSha: string;
  started: number;
  state: RolloutState;
  /** Absent in states saved before stages: the first (and only) stage. */
  stage?: number;
  stageStarted?: StageStart;
  stable: ReturnType<RevisionStats["save"]>;
  candidate: ReturnType<RevisionStats["save"]>;
  agreement: { compared: number; agreed: number; diffSum: number; diffMax: number };
  dropped: number;
  history: Decision[];
}

/** FNV-1a of a session hash, for a stable split: the same session always lands on the same side. */
export function bucket(session: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < session.length; i++) h = Math.imul(h ^ session.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 100;
}

/**
 * One rollout of `candidateSha` next to `stableSha`.
 *
 * @example
 * const r = new Rollout(policy, stable, candidate, (action, reason) => lifecycle.act(action, reason));
 * r.sessionToCandidate(hash);      // the proxy, routing a new session by the current stage's percent
 * r.observe("candidate", 500, 12); // the proxy, after each call
 * r.advance("alice", "by its owner"); // the lifecycle, when a stage that is not the last passed
 * r.toJSON();                      // the runtime API's `rollout`
 */
export class Rollout {
  state: RolloutState = "active";
  stable = new RevisionStats();
  candidate = new RevisionStats();
  started = Date.now();
  /** The current stage's index in `policy.stages`. */
  stage = 0;
  stageStarted: StageStart = { at: this.started, requests: 0, compared: 0 };
  readonly history: Decision[] = [];
  /** Shadow: answers compared, how many had the same top label, and the confidence differences. */
  agreement = { compared: 0, agreed: 0, diffSum: 0, diffMax: 0 };
  /** Shadow copies dropped because the queue was full. */
  dropped = 0;
  /** A verdict is being carried out: no second one. */
  private deciding = false;
  /** Shadow copies running and waiting. */
  private running = 0;
  private readonly waiting: (() => Promise<void>)[] = [];
  /** Queue joins and curl calls whose results are still streaming, by event_id. */
  private readonly open = new Map<string, { side: Side; at: number }>();
  /** Answers waiting for their other half, by key (a counter for one-shot calls, the visitor's event_id otherwise). */
  private readonly pairs = new Map<string, { stable?: Answer; shadow?: Answer; at: number }>();
  private pairKey = 0;
  /** Counts changed since the last save. */
  dirty = true;

  constructor(
    readonly policy: RolloutPolicy,
    readonly stableSha: string,
    readonly candidateSha: string,
    /**
     * Called once with the verdict the numbers reach — promote: the current stage passed — and
     * the lifecycle carries it out: {@link advance} to the next stage, or {@link finish}.
     */
    private readonly onVerdict: (action: "promote" | "rollback", reason: string) => void,
  ) {}

  get active(): boolean {
    return this.state === "active";
  }

  /** The stage under way (or where the rollout ended). */
  get currentStage(): RolloutStage {
    return this.policy.stages[this.stage]!;
  }

  /** Whether the stage is the last before everyone: passing it promotes. */
  get lastStage(): boolean {
    return this.stage === this.policy.stages.length - 1;
  }

  /** Whether the new revision is shadowing now: the proxy sends it copies. */
  get shadowing(): boolean {
    return this.active && this.currentStage === "shadow";
  }

  /** The current stage's canary share, in % (0 in shadow). */
  get percent(): number {
    const s = this.currentStage;
    return s === "shadow" ? 0 : s;
  }

  /**
   * Canary: whether a new session starts on the new revision. By its hash, so it stays there,
   * and a session on it at 10 % is still in the share at 50 %.
   */
  sessionToCandidate(session: string): boolean {
    return this.active && bucket(session) < this.percent;
  }

  /** Canary: whether a one-shot call goes to the new revision (picked per call). */
  callToCandidate(): boolean {
    return this.active && Math.random() * 100 < this.percent;
  }

  /** Counts one call (a prediction, a join, a curl call) on one side, then checks the numbers. */
  observe(side: Side, status: number, latencyMs: number): void {
    if (!this.active) return;
    (side === "stable" ? this.stable : this.candidate).record(status, latencyMs);
    this.dirty = true;
    this.check();
  }

  /**
   * A queue join or curl call the app accepted: it is counted once its result stream says how
   * it ended ({@link ended}), since a call that fails inside the stream still answered 200.
   */
  began(eventId: string, side: Side): void {
    if (!this.active) return;
    this.open.set(eventId, { side, at: performance.now() });
    // Calls whose stream nobody read are forgotten, uncounted.
    for (const [id, call] of this.open) {
      if (this.open.size <= 10_000 && performance.now() - call.at < 600_000) break;
      this.open.delete(id);
    }
  }

  /**
   * Counts a call begun with {@link began}. Its latency runs from when it began or when its
   * stream was opened (`since`, a `performance.now()`), whichever is later: a curl caller who
   * asks for the result a minute later must not make the revision look slow.
   */
  ended(eventId: string, ok: boolean, since: number): void {
    const call = this.open.get(eventId);
    if (!call) return;
    this.open.delete(eventId);
    this.observe(call.side, ok ? 200 : 500, performance.now() - Math.max(call.at, since));
  }

  /**
   * Shadow: runs `copy` when a slot is free, queues it otherwise, and drops it (counted) when the
   * queue is full — the visitor's call never waits for it.
   *
   * @returns whether the copy was accepted.
   */
  enqueueShadow(copy: () => Promise<void>): boolean {
    if (!this.shadowing) return false;
    if (this.running >= this.policy.shadowConcurrency) {
      if (this.waiting.length >= this.policy.shadowQueue) {
        this.dropped++;
        this.dirty = true;
        return false;
      }
      this.waiting.push(copy);
      return true;
    }
    this.running++;
    void copy()
      .catch(() => {})
      .finally(() => {
        this.running--;
        const next = this.waiting.shift();
        if (next) this.enqueueShadow(next);
      });
    return true;
  }

  /** A key for pairing a one-shot call's two answers. */
  newPairKey(): string {
    return `p${++this.pairKey}`;
  }

  /** Whether a visitor's event (by its event_id) has a shadow copy waiting to be compared. */
  expects(key: string): boolean {
    return this.pairs.has(key);
  }

  /** Opens a pair before either answer arrives (so the visitor's stream knows to look). */
  expect(key: string): void {
    if (!this.pairs.has(key)) this.pairs.set(key, { at: Date.now() });
    // Pairs whose other half never comes (a visitor who never read the result) are forgotten.
    for (const [k, p] of this.pairs) {
      if (this.pairs.size <= 1000 && Date.now() - p.at < 120_000) break;
      this.pairs.delete(k);
    }
  }

  /** Gives up on a pair (its copy was dropped, or the visitor's call failed). */
  forget(key: string): void {
    this.pairs.delete(key);
  }

  /** One side's answer for `key`; when both are in, they are compared. */
  answer(key: string, side: "stable" | "shadow", answer: Answer): void {
    const pair = this.pairs.get(key);
    if (!pair || !this.active) return;
    pair[side] = answer;
    if (pair.stable === undefined || pair.shadow === undefined) return;
    this.pairs.delete(key);
    const { stable, shadow } = pair;
    if (stable === null) return; // the current revision failed: nothing to compare against
    this.agreement.compared++;
    if (shadow && shadow.label === stable.label) this.agreement.agreed++;
    const own = stable.confidences[stable.label];
    const theirs = shadow?.confidences[stable.label];
    const diff = own !== undefined && theirs !== undefined ? Math.abs(own - theirs) : shadow ? 0 : 1;
    this.agreement.diffSum += diff;
    this.agreement.diffMax = Math.max(this.agreement.diffMax, diff);
    this.dirty = true;
    this.check();
  }

  /** The reason the new revision is worse than the current one, if it is (by the margins). */
  private worse(): string | undefined {
    const { candidate: c, stable: s, policy: p } = this;
    if (c.requests < p.judgeAfter) return undefined;
    if (c.errorRate > s.errorRate + p.maxErrorIncrease) {
      return `error rate ${pct(c.errorRate)} (${c.errors} of ${c.requests} calls) vs ${pct(s.errorRate)} (${s.errors} of ${s.requests}) on the current revision; the margin is +${pct(p.maxErrorIncrease)}`;
    }
    // A shadow runs at the lowest CPU priority (its copies take only what visitors leave), so its
    // latency says nothing of how it would serve: the canary stages judge that.
    if (this.shadowing) return undefined;
    const [cp, sp] = [c.quantile(0.99), s.quantile(0.99)];
    if (s.requests >= p.judgeAfter && cp !== null && sp !== null && cp > sp * p.maxP99Ratio + p.p99SlackMs) {
      return `p99 latency ${ms(cp)} vs ${ms(sp)} on the current revision; the margin is ×${p.maxP99Ratio} + ${p.p99SlackMs} ms`;
    }
    return undefined;
  }

  /** The numbers in one line, for the history. */
  summary(): string {
    const { candidate: c, stable: s } = this;
    const agree =
      this.policy.mode === "shadow" // it had a shadow stage: its agreement stays part of the record
        ? `, agreement ${this.agreementRate() === null ? "–" : pct(this.agreementRate()!)} (${this.agreement.agreed} of ${this.agreement.compared})`
        : "";
    return `${c.requests} calls, error rate ${pct(c.errorRate)} vs ${pct(s.errorRate)}, p99 ${ms(c.quantile(0.99))} vs ${ms(s.quantile(0.99))}${agree}`;
  }

  agreementRate(): number | null {
    return this.agreement.compared ? this.agreement.agreed / this.agreement.compared : null;
  }

  /** Checks the numbers and hands a verdict to the lifecycle once (after each call, and on a timer). */
  check(now = Date.now()): void {
    if (!this.active || this.deciding) return;
    const verdict = this.verdict(now);
    if (!verdict) return;
    this.deciding = true;
    this.onVerdict(verdict.action, verdict.reason);
  }

  private verdict(now: number): { action: "promote" | "rollback"; reason: string } | undefined {
    const bad = this.worse();
    if (bad) return { action: "rollback", reason: bad };
    const p = this.policy;
    if (p.promote !== "auto") return undefined;
    // Each stage is judged on what it saw itself: its own calls (or compared answers) and time.
    const shadow = this.currentStage === "shadow";
    const start = this.stageStarted;
    const seen = shadow ? this.agreement.compared - start.compared : this.candidate.requests - start.requests;
    const timeUp = now - start.at >= p.afterMinutes * 60_000 && seen > 0;
    if (seen < p.afterRequests && !timeUp) return undefined;
    const after =
      timeUp && seen < p.afterRequests ? `after ${p.afterMinutes} min` : `after ${seen} ${shadow ? "compared answers" : "calls"}`;
    const why = this.stage > 0 ? `${after} in ${stageName(this.currentStage)}` : after;
    const rate = this.agreementRate();
    if (shadow && rate !== null && rate < p.minAgreement) {
      return {
        action: "rollback",
        reason: `${why}: only ${pct(rate)} of answers agree (${this.agreement.agreed} of ${this.agreement.compared}; ${pct(p.minAgreement)} needed); ${this.summary()}`,
      };
    }
    return { action: "promote", reason: `${why}: ${this.summary()}` };
  }

  /**
   * Moves on to the next stage (the lifecycle calls it when a stage that is not the last passed,
   * by the numbers or the owner's word): the new stage's window and counts start now.
   *
   * @returns the history entry's reason, e.g. "canary 10 % → 50 % after 100 calls: …".
   */
  advance(by: string, reason: string): string {
    const from = this.currentStage;
    this.stage++;
    this.stageStarted = { at: Date.now(), requests: this.candidate.requests, compared: this.agreement.compared };
    this.deciding = false;
    if (from === "shadow") {
      // The copies end with the shadow: those waiting are not sent, answers still out are not compared.
      this.waiting.length = 0;
      this.pairs.clear();
      this.candidate.forgetLatencies(); // measured at the shadow's low CPU priority
    }
    const entry = `${stepName(from, this.currentStage)} ${reason}`;
    this.note("expanded", by, entry);
    return entry;
  }

  /** Records what happened (the lifecycle calls it when a verdict, or the owner's word, was carried out). */
  finish(state: Exclude<RolloutState, "active">, by: string, reason: string): void {
    this.state = state;
    this.deciding = false;
    this.waiting.length = 0;
    this.pairs.clear();
    this.open.clear();
    this.note(state, by, reason);
  }

  note(action: Decision["action"], by: string, reason: string): void {
    this.history.push({ at: new Date().toISOString(), action, by, reason });
    this.dirty = true;
  }

  /**
   * The runtime API's `rollout`: `stages` (then everyone), the current `stage`'s index, its `mode`
   * and `percent` (0 in shadow); `agreement` and `shadow` when the rollout had a shadow stage.
   */
  toJSON() {
    const p = this.policy;
    const rate = this.agreementRate();
    return {
      state: this.state,
      mode: this.currentStage === "shadow" ? "shadow" : "canary",
      percent: this.percent,
      stages: p.stages,
      stage: this.stage,
      stage_started: new Date(this.stageStarted.at).toISOString(),
      promote: p.promote,
      policy: p,
      description: describePolicy(p),
      started: new Date(this.started).toISOString(),
      stable: { sha: this.stableSha, ...this.stable.toJSON() },
      candidate: { sha: this.candidateSha, ...this.candidate.toJSON() },
      agreement:
        p.mode === "shadow"
          ? {
              compared: this.agreement.compared,
              agreed: this.agreement.agreed,
              rate,
              mean_confidence_diff: this.agreement.compared ? this.agreement.diffSum / this.agreement.compared : null,
              max_confidence_diff: this.agreement.diffMax,
            }
          : null,
      shadow: p.mode === "shadow" ? { dropped: this.dropped, in_flight: this.running, queued: this.waiting.length } : null,
      history: this.history,
    };
  }

  save(): SavedRollout {
    this.dirty = false;
    return {
      policy: this.policy,
      stableSha: this.stableSha,
      candidateSha: this.candidateSha,
      started: this.started,
      state: this.state,
      stage: this.stage,
      stageStarted: this.stageStarted,
      stable: this.stable.save(),
      candidate: this.candidate.save(),
      agreement: { ...this.agreement },
      dropped: this.dropped,
      history: this.history,
    };
  }

  /** A saved rollout back, including one saved before stages (a `percent` and no `stages` in its policy: one stage). */
  static restore(saved: SavedRollout, onVerdict: Rollout["onVerdict"]): Rollout {
    const { percent, ...policy } = saved.policy as RolloutPolicy & { percent?: number };
    policy.stages ??= policy.mode === "shadow" ? ["shadow"] : [percent ?? 10];
    const r = new Rollout(policy, saved.stableSha, saved.candidateSha, onVerdict);
    Object.assign(r, {
      state: saved.state,
      started: saved.started,
      stage: saved.stage ?? 0,
      stageStarted: saved.stageStarted ?? { at: saved.started, requests: 0, compared: 0 },
      stable: RevisionStats.restore(saved.stable),
      candidate: RevisionStats.restore(saved.candidate),
      agreement: { ...saved.agreement },
      dropped: saved.dropped,
    });
    r.history.push(...saved.history);
    return r;
  }
}

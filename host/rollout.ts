/**
 * Staged rollouts of a Space's new revision, as the lesson deploys a model: run it in parallel
 * (shadow: the new revision gets a copy of every live prediction, the visitor always gets the
 * current one's answer), deploy it to a limited scope (canary: a share of new sessions and
 * one-shot calls goes to it), expand gradually (canary steps, e.g. 10 % then 50 %), then
 * everyone — each step automatic or by the owner — or a rollback, automatic when the new
 * revision's error rate or p99 latency is worse than the current one's by more than the margins.
 *
 * This module is the policy (read from the card's `rollout:` or set with `npm run spaces --
 * rollout`), the per-revision counters the proxy feeds, the shadow's bounded queue, the
 * agreement between the two revisions' labels, and the decisions. It starts and stops nothing:
 * `lifecycle.ts` acts on its verdicts; `proxy.ts` routes through it and `rollout-tap.ts` counts.
 */
import type { Answer } from "./answers.ts";

/** One stage of a rollout: the shadow, or a canary's share in % (everyone comes after the last). */
export type RolloutStage = "shadow" | number;

/** How a push is rolled out. Card keys are the snake_case of these (see {@link parsePolicy}). */
export interface RolloutPolicy {
  /** How the rollout starts; the stage under way is {@link Rollout.currentStage}. */
  mode: "shadow" | "canary";
  /**
   * The stages in order, from the card's `mode` and `percent`: e.g. `["shadow", 10, 50]`, then
   * everyone. A canary stage's number is the share (1–99 %) of new sessions, and of one-shot
   * calls, that the new revision serves.
   */
  stages: RolloutStage[];
  /** auto: each stage passes by the numbers; manual: the owner promotes, one stage at a time (a rollback on bad numbers is automatic either way). */
  promote: "auto" | "manual";
  /** A stage passes after this many calls on the new revision in it (in shadow: compared answers)… */
  afterRequests: number;
  /** …or after this many minutes in it, if it saw at least one. */
  afterMinutes: number;
  /** The error and latency checks start once the new revision saw this many calls. */
  judgeAfter: number;
  /** The new revision's error rate may exceed the current one's by this much (0.05 = 5 points). */
  maxErrorIncrease: number;
  /** Its p99 latency may be at most this × the current one's, plus {@link p99SlackMs}. */
  maxP99Ratio: number;
  p99SlackMs: number;
  /** Shadow: the share of answers with the same top label needed to pass. */
  minAgreement: number;
  /** Shadow: copies in flight at once, and waiting; beyond that copies are dropped (and counted). */
  shadowConcurrency: number;
  shadowQueue: number;
}

export const DEFAULT_POLICY: Omit<RolloutPolicy, "mode" | "stages"> = {
  promote: "auto",
  afterRequests: 100,
  afterMinutes: 30,
  judgeAfter: 20,
  maxErrorIncrease: 0.05,
  maxP99Ratio: 1.5,
  p99SlackMs: 50,
  minAgreement: 0.9,
  shadowConcurrency: 4,
  shadowQueue: 64,
};

/** The card's keys; `percent` (with `mode`) becomes the policy's `stages`. */
const KEYS: Record<string, keyof RolloutPolicy> = {
  mode: "mode",
  percent: "stages",
  promote: "promote",
  after_requests: "afterRequests",
  after_minutes: "afterMinutes",
  judge_after: "judgeAfter",
  max_error_increase: "maxErrorIncrease",
  max_p99_ratio: "maxP99Ratio",
  p99_slack_ms: "p99SlackMs",
  min_agreement: "minAgreement",
  shadow_concurrency: "shadowConcurrency",
  shadow_queue: "shadowQueue",
};

/** The card's `percent` as canary steps (a number, or an increasing list of them, each 1–99), or why not. */
function canarySteps(value: unknown): number[] | string {
  const steps = Array.isArray(value) ? (value as unknown[]) : [value];
  const bad = (why: string) => `rollout.percent: ${why}, like 10 or [10, 50]; got ${JSON.stringify(value)}`;
  if (!steps.length) return bad("expected at least one step");
  if (!steps.every((s): s is number => typeof s === "number" && Number.isFinite(s) && s >= 1 && s <= 99))
    return bad("expected a number from 1 to 99 or an increasing list of them");
  if (steps.some((s, i) => i > 0 && s <= steps[i - 1]!)) return bad("the steps must increase");
  return steps;
}

/**
 * Reads a card's (or the CLI's) `rollout` value: `off`/absent → undefined (a push replaces the
 * revision at once), `canary`, `shadow`, or a mapping of the keys above. `percent` is a canary's
 * share, or its steps: `mode: canary, percent: [10, 50]` is 10 %, then 50 %, then everyone; with
 * `mode: shadow` it adds canary steps after the shadow. A bad value is a warning and means no
 * rollout — never silently something else.
 *
 * @example
 * parsePolicy({ mode: "canary", percent: 20, after_requests: 50 }).policy // → { mode: "canary", stages: [20], afterRequests: 50, … }
 * parsePolicy({ mode: "shadow", percent: [10, 50] }).policy?.stages     // → ["shadow", 10, 50]
 * parsePolicy({ mode: "canary", percent: [50, 10] }).warning            // → "rollout.percent: the steps must increase, …"
 */
export function parsePolicy(value: unknown): { policy?: RolloutPolicy; warning?: string } {
  if (value === undefined || value === null || value === false || value === "off" || value === "none") return {};
  const fields = typeof value === "string" ? { mode: value } : value;
  if (typeof fields !== "object" || Array.isArray(fields))
    return { warning: `rollout: expected "canary", "shadow", "off" or a mapping, got ${JSON.stringify(value)}` };
  const given = fields as Record<string, unknown>;
  if (given.mode === "off" || given.mode === "none") return {};
  const policy: Record<string, unknown> = { ...DEFAULT_POLICY };
  for (const [key, v] of Object.entries(given)) {
    const name = KEYS[key];
    if (!name) return { warning: `rollout: unknown key ${JSON.stringify(key)} (known: ${Object.keys(KEYS).join(", ")})` };
    policy[name] = v;
  }
  const p = policy as unknown as RolloutPolicy;
  if (p.mode !== "canary" && p.mode !== "shadow")
    return { warning: `rollout.mode: expected canary, shadow or off, got ${JSON.stringify(p.mode)}` };
  if (p.promote !== "auto" && p.promote !== "manual")
    return { warning: `rollout.promote: expected auto or manual, got ${JSON.stringify(p.promote)}` };
  // A canary with no percent is one step of 10 %; a shadow with none goes straight to everyone.
  const steps = given.percent !== undefined ? canarySteps(given.percent) : p.mode === "canary" ? [10] : [];
  if (typeof steps === "string") return { warning: steps };
  p.stages = p.mode === "shadow" ? ["shadow", ...steps] : steps;
  const ranges: [keyof RolloutPolicy, number, number][] = [
    ["afterRequests", 1, 1e9],
    ["afterMinutes", 0, 1e6],
    ["judgeAfter", 1, 1e9],
    ["maxErrorIncrease", 0, 1],
    ["maxP99Ratio", 1, 1e3],
    ["p99SlackMs", 0, 1e7],
    ["minAgreement", 0, 1],
    ["shadowConcurrency", 1, 1000],
    ["shadowQueue", 0, 1e5],
  ];
  for (const [name, lo, hi] of ranges) {
    const v = p[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
      const key = Object.entries(KEYS).find(([, n]) => n === name)![0];
      return { warning: `rollout.${key}: expected a number from ${lo} to ${hi}, got ${JSON.stringify(v)}` };
    }
  }
  return { policy: p };
}

/** A stage's name in reports: "shadow", "canary 10 %". */
export const stageName = (s: RolloutStage) => (s === "shadow" ? "shadow" : `canary ${s} %`);

/** A step from one stage to the next, for the history: "shadow → canary 10 %", "canary 10 % → 50 %". */
const stepName = (from: RolloutStage, to: RolloutStage) => (from === "shadow" ? `shadow → ${stageName(to)}` : `canary ${from} % → ${to} %`);

/**
 * One sentence for logs: the stages, and when each passes.
 *
 * @example
 * describePolicy(parsePolicy({ mode: "shadow", percent: [10, 50] }).policy!)
 * // → "shadow (a copy of every prediction; visitors get the current revision's answers), then canary 10 % → 50 % of new
 * //    sessions and one-shot calls, then everyone; each stage passes automatically after 100 calls (in shadow: compared …"
 */
export function describePolicy(p: RolloutPolicy): string {
  const shadow = p.stages[0] === "shadow";
  const canary = p.stages.filter((s) => s !== "shadow");
  const stages = [
    ...(shadow ? ["shadow (a copy of every prediction; visitors get the current revision's answers)"] : []),
    ...(canary.length ? [`canary ${canary.join(" % → ")} % of new sessions and one-shot calls`] : []),
    "everyone",
  ].join(", then ");
  const passes = p.stages.length > 1 ? "each stage passes" : "promoted";
  const unit = !shadow ? "calls" : canary.length ? "calls (in shadow: compared answers)" : "compared answers";
  const agree = shadow ? `${canary.length ? ", and in shadow" : " and"} ≥ ${pct(p.minAgreement)} agree` : "";
  const when =
    p.promote === "auto"
      ? `${passes} automatically after ${p.afterRequests} ${unit} or ${p.afterMinutes} min if its error rate is within +${pct(p.maxErrorIncrease)} and its p99 within ×${p.maxP99Ratio} + ${p.p99SlackMs} ms${agree}`
      : `promoted by its owner${p.stages.length > 1 ? ", one stage at a time" : ""} (npm run spaces -- promote, or the Space page)`;
  return `${stages}; ${when}; rolled back automatically when worse by more than that`;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
const ms = (x: number | null) => (x === null ? "–" : `${Math.round(x)} ms`);

/** Calls, errors (5xx or no answer) and latencies of one revision. */
export class RevisionStats {
  requests = 0;
  errors = 0;
  /** 4xx: the caller's mistake, not the revision's; not in the error rate. */
  clientErrors = 0;
  /** The latest latencies (ms), a ring. */
  private latencies: number[] = [];
  private next = 0;
  constructor(private readonly keep = 2000) {}

  record(status: number, latencyMs: number): void {
    this.requests++;
    if (status >= 500 || status === 0) this.errors++;
    else if (status >= 400) this.clientErrors++;
    if (this.latencies.length < this.keep) this.latencies.push(latencyMs);
    else this.latencies[this.next++ % this.keep] = latencyMs;
  }

  /** Drops the latencies kept so far (the counts stay). */
  forgetLatencies(): void {
    this.latencies = [];
    this.next = 0;
  }

  get errorRate(): number {
    return this.requests ? this.errors / this.requests : 0;
  }

  /** The q-quantile of the recent latencies, null before any call. */
  quantile(q: number): number | null {
    if (!this.latencies.length) return null;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  }

  toJSON() {
    return {
      requests: this.requests,
      errors: this.errors,
      client_errors: this.clientErrors,
      error_rate: this.errorRate,
      p50_ms: this.quantile(0.5),
      p99_ms: this.quantile(0.99),
    };
  }

  save() {
    return { requests: this.requests, errors: this.errors, clientErrors: this.clientErrors, latencies: this.latencies.slice(-500) };
  }

  static restore(saved: ReturnType<RevisionStats["save"]> | undefined): RevisionStats {
    const stats = new RevisionStats();
    if (saved)
      Object.assign(stats, {
        requests: saved.requests,
        errors: saved.errors,
        clientErrors: saved.clientErrors,
        latencies: [...saved.latencies],
      });
    return stats;
  }
}

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

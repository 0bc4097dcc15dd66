/**
 * Staged rollouts of a Space's new revision: shadow (the new revision gets a copy of every live
 * prediction, the visitor always gets the current one's answer), canary (a share of new sessions
 * and one-shot calls goes to it), then promotion to everyone — automatic or by the owner — or a
 * rollback, automatic when the new revision's error rate or p99 latency is worse than the current
 * one's by more than the margins.
 *
 * This module is the policy (read from the card's `rollout:` or set with `npm run spaces --
 * rollout`), the per-revision counters the proxy feeds, the shadow's bounded queue, the
 * agreement between the two revisions' labels, and the decisions. It starts and stops nothing:
 * `lifecycle.ts` acts on its verdicts; `proxy.ts` routes and counts through it.
 */
import type { Answer } from "./answers.ts";

/** How a push is rolled out. Card keys are the snake_case of these (see {@link parsePolicy}). */
export interface RolloutPolicy {
  mode: "shadow" | "canary";
  /** Canary: the share (1–99 %) of new sessions, and of one-shot calls, that the new revision serves. */
  percent: number;
  /** auto: decided by the numbers; manual: the owner promotes (a rollback on bad numbers is automatic either way). */
  promote: "auto" | "manual";
  /** Auto-promotion is considered after this many calls on the new revision (in shadow: compared answers)… */
  afterRequests: number;
  /** …or after this many minutes, if it saw at least one call. */
  afterMinutes: number;
  /** The error and latency checks start once the new revision saw this many calls. */
  judgeAfter: number;
  /** The new revision's error rate may exceed the current one's by this much (0.05 = 5 points). */
  maxErrorIncrease: number;
  /** Its p99 latency may be at most this × the current one's, plus {@link p99SlackMs}. */
  maxP99Ratio: number;
  p99SlackMs: number;
  /** Shadow: the share of answers with the same top label needed to promote. */
  minAgreement: number;
  /** Shadow: copies in flight at once, and waiting; beyond that copies are dropped (and counted). */
  shadowConcurrency: number;
  shadowQueue: number;
}

export const DEFAULT_POLICY: Omit<RolloutPolicy, "mode"> = {
  percent: 10,
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

const KEYS: Record<string, keyof RolloutPolicy> = {
  mode: "mode",
  percent: "percent",
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

/**
 * Reads a card's (or the CLI's) `rollout` value: `off`/absent → undefined (a push replaces the
 * revision at once), `canary`, `shadow`, or a mapping of the keys above. A bad value is a warning
 * and means no rollout — never silently something else.
 *
 * @example
 * parsePolicy({ mode: "canary", percent: 20, after_requests: 50 }).policy // → { mode: "canary", percent: 20, afterRequests: 50, … }
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
  const ranges: [keyof RolloutPolicy, number, number][] = [
    ["percent", 1, 99],
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

/** One sentence for logs: what the rollout does and when it decides. */
export function describePolicy(p: RolloutPolicy): string {
  const who =
    p.mode === "canary"
      ? `canary: ${p.percent} % of new sessions and one-shot calls`
      : "shadow: a copy of every prediction (visitors get the current revision's answers)";
  const when =
    p.promote === "auto"
      ? `promoted automatically after ${p.afterRequests} ${p.mode === "shadow" ? "compared answers" : "calls"} or ${p.afterMinutes} min if its error rate is within +${pct(p.maxErrorIncrease)} and its p99 within ×${p.maxP99Ratio} + ${p.p99SlackMs} ms${p.mode === "shadow" ? ` and ≥ ${pct(p.minAgreement)} agree` : ""}`
      : "promoted by its owner (npm run spaces -- promote, or the Space page)";
  return `${who}; ${when}; rolled back automatically when worse by more than that`;
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
  action: "started" | "promoted" | "rolled back" | "resumed";
  by: string;
  reason: string;
}

export type Side = "stable" | "candidate";
export type RolloutState = "active" | "promoted" | "rolled back";

/** What the saved state keeps of a rollout (see {@link Rollout.save}). */
export interface SavedRollout {
  policy: RolloutPolicy;
  stableSha: string;
  candidateSha: string;
  started: number;
  state: RolloutState;
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
 * r.observe("candidate", 500, 12); // the proxy, after each call
 * r.toJSON();                      // the runtime API's `rollout`
 */
export class Rollout {
  state: RolloutState = "active";
  stable = new RevisionStats();
  candidate = new RevisionStats();
  started = Date.now();
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
    /** Called once with the verdict the numbers reach; the lifecycle carries it out and calls {@link finish}. */
    private readonly onVerdict: (action: "promote" | "rollback", reason: string) => void,
  ) {}

  get active(): boolean {
    return this.state === "active";
  }

  /** Canary: whether a new session starts on the new revision (by its hash, so it stays there). */
  sessionToCandidate(session: string): boolean {
    return this.active && this.policy.mode === "canary" && bucket(session) < this.policy.percent;
  }

  /** Canary: whether a one-shot call goes to the new revision (picked per call). */
  callToCandidate(): boolean {
    return this.active && this.policy.mode === "canary" && Math.random() * 100 < this.policy.percent;
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
    if (!this.active || this.policy.mode !== "shadow") return false;
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
      this.policy.mode === "shadow"
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
    const seen = p.mode === "shadow" ? this.agreement.compared : this.candidate.requests;
    const timeUp = now - this.started >= p.afterMinutes * 60_000 && seen > 0;
    if (seen < p.afterRequests && !timeUp) return undefined;
    const why =
      timeUp && seen < p.afterRequests
        ? `after ${p.afterMinutes} min`
        : `after ${seen} ${p.mode === "shadow" ? "compared answers" : "calls"}`;
    const rate = this.agreementRate();
    if (p.mode === "shadow" && rate !== null && rate < p.minAgreement) {
      return {
        action: "rollback",
        reason: `${why}: only ${pct(rate)} of answers agree (${this.agreement.agreed} of ${this.agreement.compared}; ${pct(p.minAgreement)} needed); ${this.summary()}`,
      };
    }
    return { action: "promote", reason: `${why}: ${this.summary()}` };
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

  /** The runtime API's `rollout`. */
  toJSON() {
    const p = this.policy;
    const rate = this.agreementRate();
    return {
      state: this.state,
      mode: p.mode,
      percent: p.mode === "canary" ? p.percent : 0,
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
      stable: this.stable.save(),
      candidate: this.candidate.save(),
      agreement: { ...this.agreement },
      dropped: this.dropped,
      history: this.history,
    };
  }

  static restore(saved: SavedRollout, onVerdict: Rollout["onVerdict"]): Rollout {
    const r = new Rollout(saved.policy, saved.stableSha, saved.candidateSha, onVerdict);
    Object.assign(r, {
      state: saved.state,
      started: saved.started,
      stable: RevisionStats.restore(saved.stable),
      candidate: RevisionStats.restore(saved.candidate),
      agreement: { ...saved.agreement },
      dropped: saved.dropped,
    });
    r.history.push(...saved.history);
    return r;
  }
}

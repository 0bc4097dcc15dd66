/**
 * A rollout's policy: how a push is rolled out, read from the card's `rollout:` or set with
 * `npm run spaces -- rollout` — its stages (shadow, canary steps, then everyone), when each
 * passes, and the margins that roll it back — and its description for logs.
 */

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
export const stepName = (from: RolloutStage, to: RolloutStage) =>
  from === "shadow" ? `shadow → ${stageName(to)}` : `canary ${from} % → ${to} %`;

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

/** A rate as a percentage for people: 0.125 → "12.5 %". */
export const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

/**
 * Drift detection: the last `window` predictions against a reference of in-domain traffic — the
 * model's `drift_reference` (fitted on held-out images at training time), or, for a model
 * without one, the first `warmup` predictions the Space serves. Three two-sample-style tests on
 * the classifier's outputs, as "Failing Loudly" (Rabanser et al. 2019) recommends: chi-squared
 * on the predicted-class distribution and on the top-1 confidence distribution, and an exact
 * binomial test on the out-of-domain rate (rising above the reference's).
 *
 * Checked after every prediction, a test runs thousands of times a day, so each must be strict:
 * an alert needs p < `alpha` (1e-6 by default; see `npm run eval` for its delay and false alarms),
 * and ends only when every test has been back above `alpha × 1000` for a whole window.
 */
import { binomialTail, chiSquared } from "./significance.ts";
import type { DriftEvent, DriftReason, DriftState } from "./snapshot.ts";

/** One prediction, as the detector sees it. */
export interface Observation {
  /** Index of the predicted label. */
  label: number;
  /** Top-1 confidence. */
  confidence: number;
  outOfDomain: boolean;
}

/** What in-domain traffic looks like, in label order and confidence bins. */
export interface ReferenceShares {
  classes: number[];
  confidence: number[];
  oodRate: number;
}

/** Options of {@link DriftDetector}. */
export interface DriftOptions {
  labels: string[];
  /** Edges of the confidence bins (default 10 bins of 0.1). */
  confidenceBins?: number[];
  /** The reference; without one, the first `warmup` predictions become it. */
  reference?: ReferenceShares;
  /** Recent predictions compared with the reference (default 200). */
  window?: number;
  /** How many first predictions make the reference when the model has none (default 500). */
  warmup?: number;
  /** The p-value below which a test alerts (default 1e-6). */
  alpha?: number;
}

const DEFAULT_BINS = Array.from({ length: 11 }, (_, i) => i / 10);
const pct = (x: number) => `${Math.round(x * 100)} %`;

/** The confidence bin of `x` (the last bin is closed). */
export const binOf = (x: number, edges: readonly number[]): number => {
  for (let i = 1; i < edges.length - 1; i++) if (x < edges[i]!) return i - 1;
  return edges.length - 2;
};

/**
 * @example
 * const drift = new DriftDetector({ labels: model.info.labels, reference: model.info.driftReference });
 * const state = drift.observe({ label: 8, confidence: 0.97, outOfDomain: false });
 * if (state.alert) console.log(state.reasons.map((r) => r.detail));
 */
export class DriftDetector {
  readonly window: number;
  readonly confidenceBins: number[];
  readonly history: DriftEvent[] = [];
  private reference: ReferenceShares | undefined;
  private readonly labels: string[];
  private readonly warmup: number;
  private readonly alpha: number;
  private readonly recent: Observation[] = [];
  private readonly warm: Observation[] = [];
  // The window's counts, kept as observations enter and leave it: recounting 200 observations
  // after every prediction was 17 % of a busy Space's main thread (issue 22).
  private classCounts: number[];
  private confCounts: number[];
  private oodCount = 0;
  /** binomialTail(k, window, reference rate) by k: n and p stay fixed while the reference does. */
  private readonly oodTail = new Map<number, number>();
  private current: DriftState = { alert: false, since: null, reasons: [] };
  /** Predictions since every test was last below the alerting level (to end an alert). */
  private calm = 0;

  constructor(options: DriftOptions) {
    this.labels = options.labels;
    this.confidenceBins = options.confidenceBins ?? DEFAULT_BINS;
    this.reference = options.reference;
    this.window = options.window ?? 200;
    this.warmup = options.warmup ?? 500;
    this.alpha = options.alpha ?? 1e-6;
    this.classCounts = this.labels.map(() => 0);
    this.confCounts = new Array(this.confidenceBins.length - 1).fill(0);
  }

  /** The reference in use, or undefined while the first predictions are still being collected. */
  get referenceShares(): ReferenceShares | undefined {
    return this.reference;
  }

  /** The current state. */
  state(): DriftState {
    return this.current;
  }

  /** Restores a state (and its history) saved before a restart. */
  restore(state: DriftState, history: DriftEvent[]): void {
    this.current = state;
    this.history.push(...history);
  }

  /** Adds one prediction and returns the state after it. */
  observe(o: Observation, now = new Date()): DriftState {
    if (!this.reference) {
      this.warm.push(o);
      if (this.warm.length >= this.warmup) {
        this.reference = this.sharesOf(this.warm, 0.5);
        this.oodTail.clear();
      }
      return this.current;
    }
    this.recent.push(o);
    this.count(o, 1);
    if (this.recent.length > this.window) this.count(this.recent.shift()!, -1);
    if (this.recent.length < this.window) return this.current;
    const tests = this.test();
    const failing = tests.filter((t) => t.p < this.alpha);
    const reasons = () => failing.map((t) => ({ ...t, detail: t.detail() }));
    if (!this.current.alert && failing.length) this.change({ alert: true, since: now.toISOString(), reasons: reasons() }, now);
    else if (this.current.alert) {
      this.calm = tests.every((t) => t.p >= this.alpha * 1000) ? this.calm + 1 : 0;
      if (this.calm >= this.window) this.change({ alert: false, since: null, reasons: [] }, now);
      else if (failing.length) this.current = { ...this.current, reasons: reasons() };
    }
    return this.current;
  }

  /** Adds (`sign` 1) or removes (−1) one observation from the window's counts. */
  private count(o: Observation, sign: 1 | -1): void {
    if (this.classCounts[o.label] !== undefined) this.classCounts[o.label]! += sign;
    this.confCounts[binOf(o.confidence, this.confidenceBins)]! += sign;
    if (o.outOfDomain) this.oodCount += sign;
  }

  private change(state: DriftState, now: Date): void {
    this.current = state;
    this.calm = 0;
    this.history.push({ at: now.toISOString(), ...state });
    if (this.history.length > 100) this.history.shift();
  }

  /** Shares of `observations`, smoothed by `prior` pseudo-counts per cell so no cell is impossible. */
  private sharesOf(observations: Observation[], prior: number): ReferenceShares {
    const n = observations.length;
    const classes = this.labels.map(
      (_, i) => (observations.filter((o) => o.label === i).length + prior) / (n + prior * this.labels.length),
    );
    const bins = this.confidenceBins.length - 1;
    const confidence = Array.from(
      { length: bins },
      (_, b) => (observations.filter((o) => binOf(o.confidence, this.confidenceBins) === b).length + prior) / (n + prior * bins),
    );
    return { classes, confidence, oodRate: Math.min(0.999, Math.max(0.001, observations.filter((o) => o.outOfDomain).length / n)) };
  }

  /** The three tests on the window; each reason's words are written only for a test that fails. */
  private test(): (Omit<DriftReason, "detail"> & { detail: () => string })[] {
    const ref = this.reference!;
    const n = this.recent.length;
    const classCounts = this.classCounts;
    const ood = this.oodCount;
    const c = chiSquared(classCounts, ref.classes);
    const f = chiSquared(this.confCounts, ref.confidence);
    let tail = this.oodTail.get(ood);
    if (tail === undefined || n !== this.window) {
      tail = binomialTail(ood, n, ref.oodRate);
      if (n === this.window) this.oodTail.set(ood, tail);
    }
    const classesDetail = () => {
      const mostOff = classCounts.map((k, i) => [i, k / n - ref.classes[i]!] as const).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))[0]!;
      return `${this.labels[mostOff[0]]}: ${pct(classCounts[mostOff[0]]! / n)} of the last ${n} predictions vs ${pct(ref.classes[mostOff[0]]!)} in the reference`;
    };
    const confidenceDetail = () => {
      const refMean = ref.confidence.reduce((s, share, b) => s + share * ((this.confidenceBins[b]! + this.confidenceBins[b + 1]!) / 2), 0);
      return `mean top-1 confidence ${pct(this.recent.reduce((sum, o) => sum + o.confidence, 0) / n)} vs about ${pct(refMean)} in the reference`;
    };
    return [
      { statistic: "classes", test: "chi-squared", ...c, detail: classesDetail },
      { statistic: "confidence", test: "chi-squared", ...f, detail: confidenceDetail },
      {
        statistic: "out_of_domain_rate",
        test: "binomial",
        value: ood,
        dof: n,
        p: tail,
        detail: () => `${pct(ood / n)} of the last ${n} predictions out of domain vs ${pct(ref.oodRate)} in the reference`,
      },
    ];
  }
}

/**
 * What the monitor reports: the JSON of `GET /gradio_api/monitor`, and what the `/monitor` page
 * draws. Defined once here; the store builds it, the route sends it, the page renders it.
 */

/** One statistic that moved away from its reference, and by how much. */
export interface DriftReason {
  /** What moved: the predicted-class distribution, the top-1 confidence distribution, or the out-of-domain rate. */
  statistic: "classes" | "confidence" | "out_of_domain_rate";
  /**
   * The test and its value: chi-squared 83.2 with `dof` 9 degrees of freedom, or binomial with
   * `value` out-of-domain predictions out of `dof` (the window).
   */
  test: "chi-squared" | "binomial";
  value: number;
  dof: number;
  /** The test's p-value: the chance of a difference this large if nothing had moved. */
  p: number;
  /** In words, e.g. "Bag: 64 % of the window vs 10 % in the reference". */
  detail: string;
}

/** The drift detector's state. */
export interface DriftState {
  alert: boolean;
  /** When the current alert started (ISO time), or null. */
  since: string | null;
  reasons: DriftReason[];
}

/** A change of the drift state. */
export interface DriftEvent extends DriftState {
  at: string;
}

/** Latency percentiles in milliseconds (null when nothing was measured). */
export interface Latency {
  p50: number | null;
  p99: number | null;
}

/** The counts of one time bucket of one revision. */
export interface Bucket {
  /** ISO time the bucket starts. */
  start: string;
  revision: string;
  requests: number;
  errors: number;
  out_of_domain: number;
  /** Mean top-1 confidence of the predictions (null without any). */
  mean_confidence: number | null;
  latency_ms: Latency;
  /** Predictions per label. */
  classes: Record<string, number>;
  /** Predictions per top-1 confidence bin (`confidence_bins` edges). */
  confidence: number[];
}

/** What in-domain traffic looks like: the model's drift reference, or the first requests' counts. */
export interface Reference {
  /** Where it came from, e.g. "model metadata (5000 held-out images)" or "the first 500 requests". */
  source: string;
  /** Share predicted as each label. */
  classes: Record<string, number>;
  /** Share per confidence bin. */
  confidence: number[];
  out_of_domain_rate: number;
}

/**
 * The whole report.
 *
 * @example
 * const report: MonitorSnapshot = await (await fetch("/gradio_api/monitor", { headers: { authorization: `Bearer ${token}` } })).json();
 * if (report.drift.alert) console.log(report.drift.reasons.map((r) => r.detail));
 */
export interface MonitorSnapshot {
  drift: DriftState & {
    /** How many recent predictions the detector compares with the reference. */
    window: number;
    history: DriftEvent[];
  };
  totals: { requests: number; errors: number; out_of_domain: number };
  /** Per revision, over the period asked for. */
  revisions: { revision: string; requests: number; errors: number; out_of_domain: number; latency_ms: Latency }[];
  /** Oldest first, one per minute (or per hour with `?bucket=hour`) and revision, over the period asked for. */
  buckets: Bucket[];
  /** The edges of the confidence bins, e.g. [0, 0.1, …, 1]. */
  confidence_bins: number[];
  /** Null while the first requests are still being collected as the reference. */
  reference: Reference | null;
  labels: string[];
  /** The period asked for. */
  period: { from: string; to: string; bucket: "minute" | "hour" };
}

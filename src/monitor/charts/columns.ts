/**
 * The snapshot's buckets as the charts' columns. A snapshot has one bucket per minute (or hour)
 * *and revision*, and only for minutes that saw requests; the charts want one column per slot
 * of time, gaps included (a quiet hour must look quiet, not vanish), and at most ~120 columns so
 * a 24-hour period stays readable and small. So buckets are merged per slot, and adjacent slots
 * are summed into one column when there are more than `maxColumns` of them.
 */
import type { MonitorSnapshot } from "../snapshot.ts";

/** One column: the sum of the buckets in [start, end). */
export interface Column {
  start: number;
  end: number;
  requests: number;
  errors: number;
  outOfDomain: number;
  /** Predictions (the sum of `classes`): the denominator of shares and rates. */
  predictions: number;
  /** Per label, in `snapshot.labels` order. */
  classes: number[];
  /** Per confidence bin. */
  confidence: number[];
  /**
   * Percentiles cannot be merged exactly from percentiles: p50 is the request-weighted mean of
   * the buckets' p50s (a fair middle), p99 their maximum (an upper bound, so a slow minute is
   * never averaged away).
   */
  p50: number | null;
  p99: number | null;
}

/** The columns, the period they cover, and how many buckets of time each column sums. */
export interface Columns {
  columns: Column[];
  from: number;
  to: number;
  /** Milliseconds per column. */
  width: number;
  /** Whether any bucket had a request. */
  empty: boolean;
}

const STEP = { minute: 60_000, hour: 3_600_000 } as const;

/**
 * @example
 * const { columns, width } = columnsOf(snapshot); // 1440 minute buckets → 120 columns of 12 minutes
 */
export function columnsOf(snapshot: MonitorSnapshot, maxColumns = 120): Columns {
  const step = STEP[snapshot.period.bucket] ?? STEP.minute;
  const starts = snapshot.buckets.map((b) => Date.parse(b.start)).filter(Number.isFinite);
  let from = Date.parse(snapshot.period.from);
  let to = Date.parse(snapshot.period.to);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    // A malformed period: fall back to the buckets' own span rather than draw nothing.
    from = starts.length ? Math.min(...starts) : Date.now() - 3_600_000;
    to = starts.length ? Math.max(...starts) + step : Date.now();
  }
  // period.from is "now minus N minutes", rarely on a bucket boundary: start at the boundary
  // before it, so the first bucket gets a whole column.
  from = Math.floor(from / step) * step;
  const slots = Math.max(1, Math.ceil((to - from) / step));
  const perColumn = Math.ceil(slots / maxColumns);
  const width = perColumn * step;
  const n = Math.ceil(slots / perColumn);
  const labels = snapshot.labels;
  const bins = Math.max(0, snapshot.confidence_bins.length - 1);
  const columns: Column[] = Array.from({ length: n }, (_, i) => ({
    start: from + i * width,
    end: Math.min(to, from + (i + 1) * width),
    requests: 0,
    errors: 0,
    outOfDomain: 0,
    predictions: 0,
    classes: labels.map(() => 0),
    confidence: Array.from({ length: bins }, () => 0),
    p50: null,
    p99: null,
  }));
  const p50Weight = columns.map(() => 0);
  let empty = true;
  for (const b of snapshot.buckets) {
    const t = Date.parse(b.start);
    if (!Number.isFinite(t)) continue;
    const i = Math.min(n - 1, Math.max(0, Math.floor((t - from) / width)));
    const c = columns[i]!;
    c.requests += b.requests;
    c.errors += b.errors;
    c.outOfDomain += b.out_of_domain;
    labels.forEach((l, j) => {
      c.classes[j]! += b.classes[l] ?? 0;
    });
    b.confidence.forEach((v, j) => {
      if (j < bins) c.confidence[j]! += v;
    });
    if (b.latency_ms.p50 !== null) {
      const w = Math.max(1, b.requests);
      c.p50 = ((c.p50 ?? 0) * p50Weight[i]! + b.latency_ms.p50 * w) / (p50Weight[i]! + w);
      p50Weight[i]! += w;
    }
    if (b.latency_ms.p99 !== null) c.p99 = Math.max(c.p99 ?? 0, b.latency_ms.p99);
    if (b.requests > 0) empty = false;
  }
  for (const c of columns) c.predictions = c.classes.reduce((s, v) => s + v, 0);
  return { columns, from, to: Math.max(to, from + step), width, empty };
}

/**
 * The monitor: what the Space's owner needs to see that the model in production still meets
 * the data it was made for. Every prediction adds to rolling counts per minute and revision
 * (requests, errors, latency, predicted classes, confidence, out-of-domain rate), kept in an
 * embedded store that outlives restarts and revisions; and a drift detector compares the
 * latest predictions with a reference. No input is stored. It knows nothing of HTTP: the
 * Gradio app feeds it (`record`) and serves what it reports (`snapshot`).
 */
import { binOf, DriftDetector, type ReferenceShares } from "./drift.ts";
import type { Bucket, DriftEvent, DriftState, Latency, MonitorSnapshot } from "./snapshot.ts";
import { mergeBuckets, MonitorStore, type StoredBucket } from "./store.ts";

export type { MonitorSnapshot } from "./snapshot.ts";

/** What in-domain traffic looked like when the model was made (the model's `drift_reference`). */
export interface MonitorReference {
  n: number;
  classes: number[];
  confidenceBins: number[];
  confidence: number[];
  oodRate: number;
}

/** Options of {@link Monitor.open}. */
export interface MonitorOptions {
  /** The SQLite file, e.g. `${SPACE_DATA_DIR}/monitor.sqlite3`. */
  file: string;
  /** The model's labels, in its output order; without them there is no drift detection. */
  labels?: string[];
  /** The model's drift reference; without one the first `warmup` predictions become it. */
  reference?: MonitorReference;
  /** Which revision is serving (the Space host sets SPACE_REVISION), default "local". */
  revision?: string;
  /** How often counts are written to the store (default 5 s). */
  flushMs?: number;
  /** Drift detector settings (see DriftDetector). */
  window?: number;
  warmup?: number;
  alpha?: number;
  log?: (line: string) => void;
}

/** One call as the monitor sees it. */
export interface Outcome {
  durationMs: number;
  error?: boolean;
  /** The top label, its confidence and whether it was out of domain; absent when the call failed. */
  prediction?: { label: string; confidence: number; outOfDomain: boolean };
}

/** What a snapshot covers: the last `minutes`, by minute or by hour, of one revision or all. */
export interface SnapshotQuery {
  minutes: number;
  bucket: "minute" | "hour";
  revision?: string;
}

const MINUTE = 60_000;
/** Latency histogram: bin i holds [0.1 ms × 1.2^i, 0.1 ms × 1.2^(i+1)), 0.1 ms to ~3 minutes. */
const LATENCY_BINS = 80;
const latencyBin = (ms: number) => Math.max(0, Math.min(LATENCY_BINS - 1, Math.floor(Math.log(Math.max(ms, 0.1) / 0.1) / Math.log(1.2))));
const DEFAULT_CONFIDENCE_BINS = Array.from({ length: 11 }, (_, i) => i / 10);

/** p50 and p99 from a latency histogram (each bin reported at its geometric middle). */
function percentiles(histogram: number[]): Latency {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (!total) return { p50: null, p99: null };
  const at = (q: number) => {
    let seen = 0;
    for (let i = 0; i < histogram.length; i++) {
      seen += histogram[i] ?? 0;
      if (seen >= q * total) return +(0.1 * 1.2 ** (i + 0.5)).toPrecision(3);
    }
    return null;
  };
  return { p50: at(0.5), p99: at(0.99) };
}

const emptyBucket = (start: number, revision: string, bins: number): StoredBucket => ({
  start,
  revision,
  requests: 0,
  errors: 0,
  ood: 0,
  predictions: 0,
  confidenceSum: 0,
  classes: {},
  confidence: new Array(bins).fill(0),
  latency: new Array(LATENCY_BINS).fill(0),
});

/**
 * @example
 * const monitor = await Monitor.open({ file: ".gradio/monitor.sqlite3", labels: model.info.labels, reference: model.info.driftReference });
 * monitor.record({ durationMs: 3.2, prediction: { label: "Bag", confidence: 0.97, outOfDomain: false } });
 * (await monitor.snapshot({ minutes: 60, bucket: "minute" })).drift // → { alert: false, since: null, reasons: [], … }
 */
export class Monitor {
  private readonly pending = new Map<string, StoredBucket>();
  /** The store's writes, one after the other (they wait while the other revision holds the lock). */
  private writes: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly bins: number[];

  private constructor(
    private readonly store: MonitorStore,
    private readonly options: MonitorOptions,
    private readonly drift: DriftDetector | undefined,
    private readonly referenceSource: string,
  ) {
    this.bins = drift?.confidenceBins ?? options.reference?.confidenceBins ?? DEFAULT_CONFIDENCE_BINS;
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 5_000);
    this.timer.unref();
  }

  /**
   * Opens the store (a corrupt one is moved aside; one the other revision holds is waited for)
   * and restores the drift state it holds.
   */
  static async open(options: MonitorOptions): Promise<Monitor> {
    const log = options.log ?? console.warn;
    const store = await MonitorStore.open(options.file, log);
    const labels = options.labels;
    let reference: ReferenceShares | undefined;
    let source = "";
    if (labels && options.reference) {
      reference = { classes: options.reference.classes, confidence: options.reference.confidence, oodRate: options.reference.oodRate };
      source = `model metadata (${options.reference.n} held-out images)`;
    } else if (labels) {
      // A reference taken from the first predictions of an earlier run is kept across restarts.
      const saved = await store.getMeta("reference");
      if (saved) reference = JSON.parse(saved) as ReferenceShares;
      source = `the first ${options.warmup ?? 500} predictions`;
    }
    const drift = labels
      ? new DriftDetector({
          labels,
          reference,
          confidenceBins: options.reference?.confidenceBins,
          window: options.window,
          warmup: options.warmup,
          alpha: options.alpha,
        })
      : undefined;
    const events = (await store.driftEvents()).map((e) => ({ at: e.at, ...(e.state as DriftState) }) as DriftEvent);
    if (drift && events.length) drift.restore(events[events.length - 1]!, events);
    return new Monitor(store, options, drift, source);
  }

  /** Adds one call to the current minute of the serving revision, and to the drift detector. */
  record(outcome: Outcome, now = Date.now()): void {
    const start = now - (now % MINUTE);
    const revision = this.options.revision ?? "local";
    const key = `${start}:${revision}`;
    let bucket = this.pending.get(key);
    if (!bucket) {
      bucket = emptyBucket(start, revision, this.bins.length - 1);
      this.pending.set(key, bucket);
    }
    bucket.requests++;
    bucket.latency[latencyBin(outcome.durationMs)]!++;
    if (outcome.error || !outcome.prediction) {
      if (outcome.error) bucket.errors++;
      return;
    }
    const { label, confidence, outOfDomain } = outcome.prediction;
    bucket.predictions++;
    bucket.confidenceSum += confidence;
    bucket.classes[label] = (bucket.classes[label] ?? 0) + 1;
    bucket.confidence[binOf(confidence, this.bins)]!++;
    if (outOfDomain) bucket.ood++;
    if (!this.drift) return;
    const index = this.options.labels!.indexOf(label);
    if (index < 0) return;
    const hadReference = Boolean(this.drift.referenceShares);
    const before = this.drift.state();
    const after = this.drift.observe({ label: index, confidence, outOfDomain }, new Date(now));
    const shares = this.drift.referenceShares;
    if (!hadReference && shares) this.write("the drift reference", () => this.store.setMeta("reference", JSON.stringify(shares)));
    if (after.alert !== before.alert) this.write("a drift event", () => this.store.addDriftEvent(new Date(now).toISOString(), after));
  }

  /** Queues a write after the others; a failure is logged: it is not worth a failed request. */
  private write(what: string, work: () => Promise<void>): Promise<void> {
    this.writes = this.writes.then(work).catch((err) => {
      (this.options.log ?? console.warn)(`Monitor: could not write ${what} to ${this.store.file}: ${(err as Error).message}`);
    });
    return this.writes;
  }

  /** Writes the pending counts to the store (resolves when they, and the writes before them, are done). */
  flush(): Promise<void> {
    const deltas = [...this.pending.values()];
    this.pending.clear();
    return this.write("the counts", async () => {
      try {
        await this.store.addBuckets(deltas);
      } catch (err) {
        // Kept for the next try: merged into whatever was counted since.
        for (const d of deltas) {
          const key = `${d.start}:${d.revision}`;
          const since = this.pending.get(key);
          this.pending.set(key, since ? mergeBuckets(d, since) : d);
        }
        throw err;
      }
    });
  }

  /** The report for the period asked for (see {@link MonitorSnapshot}). */
  async snapshot(query: SnapshotQuery, now = Date.now()): Promise<MonitorSnapshot> {
    await this.flush();
    const size = query.bucket === "hour" ? 60 * MINUTE : MINUTE;
    const to = now - (now % MINUTE) + MINUTE;
    const from = to - query.minutes * MINUTE;
    const rows = await this.store.buckets(from - (from % size), to, query.revision);
    // Group by bucket size and revision.
    const grouped = new Map<string, StoredBucket>();
    for (const row of rows) {
      const start = row.start - (row.start % size);
      const key = `${start}:${row.revision}`;
      const seen = grouped.get(key);
      grouped.set(key, seen ? mergeBuckets(seen, row) : { ...row, start });
    }
    const buckets: Bucket[] = [...grouped.values()].map((b) => ({
      start: new Date(b.start).toISOString(),
      revision: b.revision,
      requests: b.requests,
      errors: b.errors,
      out_of_domain: b.ood,
      mean_confidence: b.predictions ? b.confidenceSum / b.predictions : null,
      latency_ms: percentiles(b.latency),
      classes: b.classes,
      confidence: b.confidence,
    }));
    const perRevision = new Map<string, StoredBucket>();
    for (const b of grouped.values()) {
      const seen = perRevision.get(b.revision);
      perRevision.set(b.revision, seen ? mergeBuckets(seen, b) : b);
    }
    const totals = await this.store.totals();
    const state = this.drift?.state() ?? { alert: false, since: null, reasons: [] };
    const ref = this.drift?.referenceShares;
    const labels = this.options.labels ?? [...new Set(rows.flatMap((r) => Object.keys(r.classes)))].sort();
    return {
      drift: { ...state, window: this.drift?.window ?? 0, history: this.drift?.history ?? [] },
      totals: { requests: totals.requests, errors: totals.errors, out_of_domain: totals.ood },
      revisions: [...perRevision.values()].map((b) => ({
        revision: b.revision,
        requests: b.requests,
        errors: b.errors,
        out_of_domain: b.ood,
        latency_ms: percentiles(b.latency),
      })),
      buckets,
      confidence_bins: this.bins,
      reference: ref
        ? {
            source: this.referenceSource,
            classes: Object.fromEntries(labels.map((l, i) => [l, ref.classes[i] ?? 0])),
            confidence: ref.confidence,
            out_of_domain_rate: ref.oodRate,
          }
        : null,
      labels,
      period: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: query.bucket },
    };
  }

  /** Writes what is pending, then closes the store. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.store.close();
  }
}

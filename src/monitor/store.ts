/**
 * The monitor's embedded store: one SQLite file (`monitor.sqlite3` under SPACE_DATA_DIR, or
 * `.gradio/`), through node-sqlite3-wasm — SQLite compiled to WebAssembly with real file I/O, so
 * no native build is needed (better-sqlite3 downloads prebuilt binaries at install, which this
 * project's machines and Hugging Face's slim images cannot count on; `node:sqlite` needs Node 22).
 *
 * Two processes of one Space (the old and the new revision during a swap) may share the file:
 * writes are short transactions retried while the other holds the lock, and a lock left by a
 * process that died (a `.lock` folder older than {@link STALE_LOCK_MS}) is removed.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import sqlite from "node-sqlite3-wasm";

/** A lock held this long belongs to a process that died: real transactions take milliseconds. */
export const STALE_LOCK_MS = 30_000;

/** One bucket's counts as stored: the JSON columns are parsed. */
export interface StoredBucket {
  start: number;
  revision: string;
  requests: number;
  errors: number;
  ood: number;
  predictions: number;
  confidenceSum: number;
  classes: Record<string, number>;
  confidence: number[];
  latency: number[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (
  start INTEGER NOT NULL, revision TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL, ood INTEGER NOT NULL,
  predictions INTEGER NOT NULL, confidence_sum REAL NOT NULL,
  classes TEXT NOT NULL, confidence TEXT NOT NULL, latency TEXT NOT NULL,
  PRIMARY KEY (start, revision)
);
CREATE TABLE IF NOT EXISTS drift_events (at TEXT NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * @example
 * const store = MonitorStore.open(".gradio/monitor.sqlite3", console.warn);
 * store.addBuckets([bucket]);
 * store.buckets(Date.now() - 3600_000, Date.now());
 */
export class MonitorStore {
  private constructor(
    private readonly db: InstanceType<typeof sqlite.Database>,
    readonly file: string,
  ) {}

  /**
   * Opens (or creates) the store. A file that is not a readable SQLite database is moved aside
   * (`<file>.corrupt-<time>`) with a log line, and a fresh one is started: never a crash.
   */
  static open(file: string, log: (line: string) => void = console.warn): MonitorStore {
    mkdirSync(dirname(file), { recursive: true });
    const attempt = () => {
      const db = new sqlite.Database(file);
      try {
        withRetry(file, () => db.exec(SCHEMA));
        db.all("SELECT count(*) FROM buckets");
        return db;
      } catch (err) {
        db.close();
        throw err;
      }
    };
    const lock = statSync(`${file}.lock`, { throwIfNoEntry: false });
    if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(`${file}.lock`, { recursive: true, force: true });
    try {
      return new MonitorStore(attempt(), file);
    } catch (err) {
      // Only a file that is not a database is moved aside; a lock held by a live process is not damage.
      if (!/not a database|malformed|corrupt/i.test((err as Error).message)) throw err;
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      if (existsSync(file)) renameSync(file, aside);
      rmSync(`${file}.lock`, { recursive: true, force: true });
      log(`Monitor: ${file} could not be read (${(err as Error).message}); moved it to ${aside} and started a new one.`);
      return new MonitorStore(attempt(), file);
    }
  }

  /** Adds counts to their buckets (creating them), in one transaction. */
  addBuckets(deltas: StoredBucket[]): void {
    if (!deltas.length) return;
    withRetry(this.file, () => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        for (const d of deltas) {
          const old = this.db.get("SELECT * FROM buckets WHERE start = ? AND revision = ?", [d.start, d.revision]) as Record<
            string,
            string | number
          > | null;
          const merged = old ? mergeBuckets(parseRow(old), d) : d;
          this.db.run(
            "INSERT OR REPLACE INTO buckets (start, revision, requests, errors, ood, predictions, confidence_sum, classes, confidence, latency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
              merged.start,
              merged.revision,
              merged.requests,
              merged.errors,
              merged.ood,
              merged.predictions,
              merged.confidenceSum,
              JSON.stringify(merged.classes),
              JSON.stringify(merged.confidence),
              JSON.stringify(merged.latency),
            ],
          );
        }
        this.db.exec("COMMIT");
      } catch (err) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  /** The buckets that start in [from, to), oldest first. */
  buckets(from: number, to: number, revision?: string): StoredBucket[] {
    const rows = withRetry(this.file, () =>
      revision
        ? this.db.all("SELECT * FROM buckets WHERE start >= ? AND start < ? AND revision = ? ORDER BY start, revision", [
            from,
            to,
            revision,
          ])
        : this.db.all("SELECT * FROM buckets WHERE start >= ? AND start < ? ORDER BY start, revision", [from, to]),
    ) as Record<string, string | number>[];
    return rows.map(parseRow);
  }

  /** Every revision's totals over all time. */
  totals(): { requests: number; errors: number; ood: number } {
    const row = withRetry(this.file, () =>
      this.db.get(
        "SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(errors), 0) AS errors, coalesce(sum(ood), 0) AS ood FROM buckets",
      ),
    ) as { requests: number; errors: number; ood: number };
    return { requests: Number(row.requests), errors: Number(row.errors), ood: Number(row.ood) };
  }

  addDriftEvent(at: string, state: unknown): void {
    withRetry(this.file, () => this.db.run("INSERT INTO drift_events (at, state) VALUES (?, ?)", [at, JSON.stringify(state)]));
  }

  /** The last `limit` drift events, oldest first. */
  driftEvents(limit = 100): { at: string; state: unknown }[] {
    const rows = withRetry(this.file, () => this.db.all("SELECT at, state FROM drift_events ORDER BY rowid DESC LIMIT ?", [limit])) as {
      at: string;
      state: string;
    }[];
    return rows.reverse().map((r) => ({ at: r.at, state: JSON.parse(r.state) }));
  }

  getMeta(key: string): string | undefined {
    const row = withRetry(this.file, () => this.db.get("SELECT value FROM meta WHERE key = ?", [key])) as { value: string } | null;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    withRetry(this.file, () => this.db.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value]));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

function parseRow(row: Record<string, string | number>): StoredBucket {
  return {
    start: Number(row.start),
    revision: String(row.revision),
    requests: Number(row.requests),
    errors: Number(row.errors),
    ood: Number(row.ood),
    predictions: Number(row.predictions),
    confidenceSum: Number(row.confidence_sum),
    classes: JSON.parse(String(row.classes)),
    confidence: JSON.parse(String(row.confidence)),
    latency: JSON.parse(String(row.latency)),
  };
}

const addArrays = (a: number[], b: number[]) => Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));

/** The sum of two buckets' counts (same start and revision, or for an aggregate). */
export function mergeBuckets(a: StoredBucket, b: StoredBucket): StoredBucket {
  const classes = { ...a.classes };
  for (const [label, n] of Object.entries(b.classes)) classes[label] = (classes[label] ?? 0) + n;
  return {
    start: a.start,
    revision: a.revision,
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    ood: a.ood + b.ood,
    predictions: a.predictions + b.predictions,
    confidenceSum: a.confidenceSum + b.confidenceSum,
    classes,
    confidence: addArrays(a.confidence, b.confidence),
    latency: addArrays(a.latency, b.latency),
  };
}

/** Runs `work`, waiting while another process holds the lock; removes a lock left by a dead one. */
export function withRetry<T>(file: string, work: () => T): T {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return work();
    } catch (err) {
      if (!/locked|busy/i.test((err as Error).message) || Date.now() > deadline) throw err;
      const lock = statSync(`${file}.lock`, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(`${file}.lock`, { recursive: true, force: true });
      sleep(20);
    }
  }
}

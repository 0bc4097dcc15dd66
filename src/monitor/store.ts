/**
 * The monitor's embedded store: one SQLite file (`monitor.sqlite3` under SPACE_DATA_DIR, or
 * `.gradio/`), through node-sqlite3-wasm — SQLite compiled to WebAssembly with real file I/O, so
 * no native build is needed (better-sqlite3 downloads prebuilt binaries at install, which this
 * project's machines and Hugging Face's slim images cannot count on; `node:sqlite` needs Node 22).
 *
 * Two processes of one Space (the old and the new revision during a rollout) share the file:
 * src/sqlite/shared-database.ts waits (asynchronously) while the other holds the lock, and clears
 * a lock left by a killed process within seconds. So every method returns a promise.
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { SharedDatabase } from "../sqlite/shared-database.ts";

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

/**
 * @example
 * const store = await MonitorStore.open(".gradio/monitor.sqlite3", console.warn);
 * await store.addBuckets([bucket]);
 * await store.buckets(Date.now() - 3600_000, Date.now());
 */
export class MonitorStore {
  private constructor(private readonly db: SharedDatabase) {}

  get file(): string {
    return this.db.file;
  }

  /**
   * Opens (or creates) the store. A file that is not a readable SQLite database is moved aside
   * (`<file>.corrupt-<time>`) with a log line, and a fresh one is started: never a crash. A lock
   * held by the other revision is waited for, one left by a killed process removed.
   */
  static async open(file: string, log: (line: string) => void = console.warn): Promise<MonitorStore> {
    const attempt = async () => {
      const db = SharedDatabase.open(file, { log });
      try {
        await db.run((d) => {
          d.exec(SCHEMA);
          d.all("SELECT count(*) FROM buckets");
        });
        return db;
      } catch (err) {
        db.close();
        throw err;
      }
    };
    try {
      return new MonitorStore(await attempt());
    } catch (err) {
      // Only a file that is not a database is moved aside; a lock held by a live process is not damage.
      if (!/not a database|malformed|corrupt/i.test((err as Error).message)) throw err;
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      if (existsSync(file)) renameSync(file, aside);
      rmSync(`${file}-journal`, { force: true }); // it belongs to the file moved aside
      log(`Monitor: ${file} could not be read (${(err as Error).message}); moved it to ${aside} and started a new one.`);
      return new MonitorStore(await attempt());
    }
  }

  /** Adds counts to their buckets (creating them), in one transaction. */
  addBuckets(deltas: StoredBucket[]): Promise<void> {
    if (!deltas.length) return Promise.resolve();
    return this.db.run((db) => {
      db.exec("BEGIN IMMEDIATE");
      try {
        for (const d of deltas) {
          const old = db.get("SELECT * FROM buckets WHERE start = ? AND revision = ?", [d.start, d.revision]) as Record<
            string,
            string | number
          > | null;
          const merged = old ? mergeBuckets(parseRow(old), d) : d;
          db.run(
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
        db.exec("COMMIT");
      } catch (err) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  /** The buckets that start in [from, to), oldest first. */
  async buckets(from: number, to: number, revision?: string): Promise<StoredBucket[]> {
    const rows = (await this.db.run((db) =>
      revision
        ? db.all("SELECT * FROM buckets WHERE start >= ? AND start < ? AND revision = ? ORDER BY start, revision", [from, to, revision])
        : db.all("SELECT * FROM buckets WHERE start >= ? AND start < ? ORDER BY start, revision", [from, to]),
    )) as Record<string, string | number>[];
    return rows.map(parseRow);
  }

  /** Every revision's totals over all time. */
  async totals(): Promise<{ requests: number; errors: number; ood: number }> {
    const row = (await this.db.run((db) =>
      db.get(
        "SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(errors), 0) AS errors, coalesce(sum(ood), 0) AS ood FROM buckets",
      ),
    )) as { requests: number; errors: number; ood: number };
    return { requests: Number(row.requests), errors: Number(row.errors), ood: Number(row.ood) };
  }

  async addDriftEvent(at: string, state: unknown): Promise<void> {
    await this.db.run((db) => db.run("INSERT INTO drift_events (at, state) VALUES (?, ?)", [at, JSON.stringify(state)]));
  }

  /** The last `limit` drift events, oldest first. */
  async driftEvents(limit = 100): Promise<{ at: string; state: unknown }[]> {
    const rows = (await this.db.run((db) => db.all("SELECT at, state FROM drift_events ORDER BY rowid DESC LIMIT ?", [limit]))) as {
      at: string;
      state: string;
    }[];
    return rows.reverse().map((r) => ({ at: r.at, state: JSON.parse(r.state) }));
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = (await this.db.run((db) => db.get("SELECT value FROM meta WHERE key = ?", [key]))) as { value: string } | null;
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db.run((db) => db.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value]));
  }

  close(): void {
    this.db.close();
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

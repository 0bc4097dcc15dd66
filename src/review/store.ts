/**
 * The review queue's rows, in the monitor's SQLite file (`monitor.sqlite3`, through
 * node-sqlite3-wasm, shared with the other revision during a rollout: src/sqlite/shared-database.ts,
 * so every method returns a promise): one table, `review_items`. The pictures are
 * files beside the database (`review/<id>.<ext>`); a row names its file and its size, so the
 * queue's bounds are a sum over the table.
 *
 * Every decision carries the `version` the reviewer saw; the update only happens where the row
 * still has it (`UPDATE … WHERE id = ? AND version = ?`), so of two reviewers deciding on the
 * same item one wins and the other learns it was stale.
 */
import { SharedDatabase } from "../sqlite/shared-database.ts";

/** Why an item entered the queue. */
export type Reason = "flag" | "low_confidence" | "out_of_domain" | "sample";
export const REASONS: readonly Reason[] = ["flag", "low_confidence", "out_of_domain", "sample"];

/** Where an item stands: waiting, or what the reviewer decided. */
export type Status = "pending" | "accepted" | "relabeled" | "discarded";
export const STATUSES: readonly Status[] = ["pending", "accepted", "relabeled", "discarded"];

/**
 * One item of the queue, as the API returns it.
 *
 * @example
 * { id: "3f2a…", created_at: "2026-12-02T10:00:00.000Z", revision: "local", reasons: ["low_confidence"],
 *   prediction: "Shirt", confidence: 0.41, confidences: [{ label: "Shirt", confidence: 0.41 }, …], ood_score: 0.7,
 *   image: "3f2a….png", bytes: 412, status: "pending", label: null, reviewed_at: null, version: 1 }
 */
export interface ReviewItem {
  id: string;
  created_at: string;
  revision: string;
  reasons: Reason[];
  prediction: string;
  confidence: number;
  confidences: { label: string; confidence: number }[];
  ood_score: number | null;
  /** The picture's file name in the queue's folder. */
  image: string;
  bytes: number;
  status: Status;
  /** The reviewed label: the prediction when accepted, the reviewer's class when relabeled. */
  label: string | null;
  reviewed_at: string | null;
  version: number;
}

/** What {@link ReviewStore.list} filters on. */
export interface ListQuery {
  status?: Status;
  reason?: Reason;
  /** The predicted class, or the reviewed one when the item has been reviewed. */
  label?: string;
  limit?: number;
  offset?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS review_items (
  id TEXT PRIMARY KEY, created_at TEXT NOT NULL, revision TEXT NOT NULL, reasons TEXT NOT NULL,
  prediction TEXT NOT NULL, confidence REAL NOT NULL, confidences TEXT NOT NULL, ood_score REAL,
  image TEXT NOT NULL, bytes INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', label TEXT, reviewed_at TEXT, version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS review_items_age ON review_items (status, created_at);
`;

type Row = Record<string, string | number | null>;

function parse(row: Row): ReviewItem {
  return {
    id: String(row.id),
    created_at: String(row.created_at),
    revision: String(row.revision),
    reasons: String(row.reasons).split(",").filter(Boolean) as Reason[],
    prediction: String(row.prediction),
    confidence: Number(row.confidence),
    confidences: JSON.parse(String(row.confidences)),
    ood_score: row.ood_score === null ? null : Number(row.ood_score),
    image: String(row.image),
    bytes: Number(row.bytes),
    status: String(row.status) as Status,
    label: row.label === null ? null : String(row.label),
    reviewed_at: row.reviewed_at === null ? null : String(row.reviewed_at),
    version: Number(row.version),
  };
}

function where(q: ListQuery): { sql: string; args: (string | number)[] } {
  const parts: string[] = [];
  const args: (string | number)[] = [];
  if (q.status) {
    parts.push("status = ?");
    args.push(q.status);
  }
  if (q.reason) {
    parts.push("(',' || reasons || ',') LIKE ?");
    args.push(`%,${q.reason},%`);
  }
  if (q.label) {
    parts.push("coalesce(label, prediction) = ?");
    args.push(q.label);
  }
  return { sql: parts.length ? `WHERE ${parts.join(" AND ")}` : "", args };
}

/**
 * @example
 * const store = await ReviewStore.open(".gradio/monitor.sqlite3");
 * await store.insert(item);
 * await store.decide(item.id, 1, { status: "relabeled", label: "Bag" }) // → the item at version 2, or "stale"
 */
export class ReviewStore {
  private constructor(private readonly shared: SharedDatabase) {}

  get file(): string {
    return this.shared.file;
  }

  /** Opens the table in `file` (the monitor's database), creating both when needed. */
  static async open(file: string, log?: (line: string) => void): Promise<ReviewStore> {
    const shared = SharedDatabase.open(file, { log });
    try {
      await shared.run((db) => db.exec(SCHEMA));
    } catch (err) {
      shared.close();
      throw err;
    }
    return new ReviewStore(shared);
  }

  async insert(item: ReviewItem): Promise<void> {
    await this.shared.run((db) =>
      db.run(
        "INSERT INTO review_items (id, created_at, revision, reasons, prediction, confidence, confidences, ood_score, image, bytes, status, label, reviewed_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
          item.id,
          item.created_at,
          item.revision,
          item.reasons.join(","),
          item.prediction,
          item.confidence,
          JSON.stringify(item.confidences),
          item.ood_score,
          item.image,
          item.bytes,
          item.status,
          item.label,
          item.reviewed_at,
          item.version,
        ],
      ),
    );
  }

  async get(id: string): Promise<ReviewItem | undefined> {
    const row = (await this.shared.run((db) => db.get("SELECT * FROM review_items WHERE id = ?", [id]))) as Row | null;
    return row ? parse(row) : undefined;
  }

  /** Newest first. */
  async list(q: ListQuery = {}): Promise<ReviewItem[]> {
    const { sql, args } = where(q);
    const rows = (await this.shared.run((db) =>
      db.all(`SELECT * FROM review_items ${sql} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`, [
        ...args,
        q.limit ?? 100,
        q.offset ?? 0,
      ]),
    )) as Row[];
    return rows.map(parse);
  }

  /** How many items match `q` (limit and offset ignored). */
  async count(q: ListQuery = {}): Promise<number> {
    const { sql, args } = where(q);
    const row = (await this.shared.run((db) => db.get(`SELECT count(*) AS n FROM review_items ${sql}`, args))) as { n: number };
    return Number(row.n);
  }

  /** Items per status, per reason and per (predicted or reviewed) class. */
  async counts(): Promise<{
    status: Record<string, number>;
    reason: Record<string, number>;
    label: Record<string, number>;
    total: number;
    bytes: number;
  }> {
    const rows = (await this.shared.run((db) =>
      db.all(
        "SELECT status, reasons, coalesce(label, prediction) AS label, count(*) AS n, sum(bytes) AS b FROM review_items GROUP BY status, reasons, coalesce(label, prediction)",
      ),
    )) as Row[];
    const out = {
      status: {} as Record<string, number>,
      reason: {} as Record<string, number>,
      label: {} as Record<string, number>,
      total: 0,
      bytes: 0,
    };
    for (const r of rows) {
      const n = Number(r.n);
      out.status[String(r.status)] = (out.status[String(r.status)] ?? 0) + n;
      for (const reason of String(r.reasons).split(",").filter(Boolean)) out.reason[reason] = (out.reason[reason] ?? 0) + n;
      out.label[String(r.label)] = (out.label[String(r.label)] ?? 0) + n;
      out.total += n;
      out.bytes += Number(r.b ?? 0);
    }
    return out;
  }

  /** Rows and image bytes held. */
  async usage(): Promise<{ items: number; bytes: number }> {
    const row = (await this.shared.run((db) => db.get("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM review_items"))) as {
      n: number;
      b: number;
    };
    return { items: Number(row.n), bytes: Number(row.b) };
  }

  /**
   * The next items to evict, oldest first: pending ones, then discarded rows (their pictures are
   * already gone); reviewed items are never evicted.
   */
  async evictable(limit: number): Promise<ReviewItem[]> {
    const rows = (await this.shared.run((db) =>
      db.all(
        "SELECT * FROM review_items WHERE status IN ('pending', 'discarded') ORDER BY status = 'discarded' DESC, created_at, rowid LIMIT ?",
        [limit],
      ),
    )) as Row[];
    return rows.map(parse);
  }

  async delete(id: string): Promise<void> {
    await this.shared.run((db) => db.run("DELETE FROM review_items WHERE id = ?", [id]));
  }

  /**
   * Records a decision if the item is still at `version`. Returns the updated item, "stale" when
   * someone else decided first, or undefined when there is no such item.
   */
  decide(
    id: string,
    version: number,
    change: { status: Status; label: string | null },
    now = new Date(),
  ): Promise<ReviewItem | "stale" | undefined> {
    return this.shared.run((db) => {
      const { changes } = db.run(
        "UPDATE review_items SET status = ?, label = ?, reviewed_at = ?, version = version + 1, bytes = CASE WHEN ? = 'discarded' THEN 0 ELSE bytes END WHERE id = ? AND version = ?",
        [change.status, change.label, now.toISOString(), change.status, id, version],
      );
      const row = db.get("SELECT * FROM review_items WHERE id = ?", [id]) as Row | null;
      if (!row) return undefined;
      const item = parse(row);
      return changes === 1 ? item : "stale";
    });
  }

  /** Every reviewed (accepted or relabeled) item, oldest decision first. */
  async reviewed(): Promise<ReviewItem[]> {
    const rows = (await this.shared.run((db) =>
      db.all("SELECT * FROM review_items WHERE status IN ('accepted', 'relabeled') ORDER BY reviewed_at, rowid"),
    )) as Row[];
    return rows.map(parse);
  }

  close(): void {
    this.shared.close();
  }
}

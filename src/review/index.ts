/**
 * The review queue: the pictures the owner should look at, to fix the model's mistakes and turn
 * them into training data. Every flag enters; with `REVIEW_LIVE=1`, so do live inputs the model
 * was unsure of (top-1 below `REVIEW_LOW_CONFIDENCE`), out-of-domain ones, and a random
 * `REVIEW_SAMPLE` of the rest. Items live in the monitor's SQLite file (`./store.ts`), pictures
 * beside it in `review/`; the queue is bounded (`REVIEW_MAX_ITEMS`, `REVIEW_MAX_BYTES`, and a
 * floor of free disk), evicting the oldest unreviewed items first. A reviewer accepts the
 * prediction, relabels, or discards; `./export.ts` turns the decisions into a dataset.
 *
 * It knows nothing of HTTP: the Gradio app feeds it (`offer`, `add`) and serves it.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, statfsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InputError } from "../errors.ts";
import { REASONS, ReviewStore, STATUSES, type ListQuery, type Reason, type ReviewItem, type Status } from "./store.ts";

export { REASONS, STATUSES, type ListQuery, type Reason, type ReviewItem, type Status } from "./store.ts";

/**
 * Which live inputs enter the queue (flags always do).
 *
 * @example
 * reviewPolicy({ REVIEW_LIVE: "1" }) // → { live: true, lowConfidence: 0.6, outOfDomain: true, sample: 0.01 }
 */
export interface ReviewPolicy {
  /** Sample live inputs at all (`REVIEW_LIVE=1`; default off: it stores visitors' pictures). */
  live: boolean;
  /** Top-1 confidence below this enters (`REVIEW_LOW_CONFIDENCE`, default 0.6; 0 turns it off). */
  lowConfidence: number;
  /** Out-of-domain inputs enter (`REVIEW_OUT_OF_DOMAIN`, default 1; 0 turns it off). */
  outOfDomain: boolean;
  /** This share of all other live inputs enters at random (`REVIEW_SAMPLE`, default 0.01). */
  sample: number;
}

const numberIn = (raw: string | undefined, fallback: number, name: string, max = 1): number => {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new Error(`${name} must be a number from 0 to ${max}, got ${JSON.stringify(raw)}.`);
  return n;
};

/**
 * Reads the policy from the environment; a value out of range is an error at start, not a
 * silent default.
 *
 * @example
 * reviewPolicy(process.env)
 */
export function reviewPolicy(env: Record<string, string | undefined> = process.env): ReviewPolicy {
  return {
    live: env.REVIEW_LIVE === "1" || env.REVIEW_LIVE === "true",
    lowConfidence: numberIn(env.REVIEW_LOW_CONFIDENCE, 0.6, "REVIEW_LOW_CONFIDENCE"),
    outOfDomain: env.REVIEW_OUT_OF_DOMAIN !== "0" && env.REVIEW_OUT_OF_DOMAIN !== "false",
    sample: numberIn(env.REVIEW_SAMPLE, 0.01, "REVIEW_SAMPLE"),
  };
}

/** A prediction as the queue keeps it: a Label's wire value (`{label, confidences, ood?}`). */
export interface Prediction {
  label?: string | number | null;
  confidences?: { label: string | number; confidence: number }[];
  ood?: { score: number; out_of_domain: boolean };
}

/**
 * Why a live prediction enters the queue under `policy` (empty: it does not).
 *
 * @example
 * reasonsFor({ label: "Shirt", confidences: [{ label: "Shirt", confidence: 0.41 }] }, reviewPolicy({ REVIEW_LIVE: "1" })) // → ["low_confidence"]
 */
export function reasonsFor(prediction: Prediction, policy: ReviewPolicy, random: () => number = Math.random): Reason[] {
  if (!policy.live) return [];
  const top = prediction.confidences?.[0]?.confidence;
  const reasons: Reason[] = [];
  if (top !== undefined && top < policy.lowConfidence) reasons.push("low_confidence");
  if (policy.outOfDomain && prediction.ood?.out_of_domain) reasons.push("out_of_domain");
  if (!reasons.length && policy.sample > 0 && random() < policy.sample) reasons.push("sample");
  return reasons;
}

/** An encoded picture: its bytes and format (`png`, `jpeg`, `webp`, …; from the header). */
export interface Picture {
  bytes: Uint8Array;
  format: string;
}

/** Options of {@link ReviewQueue.open}. */
export interface ReviewOptions {
  /** The SQLite file: the monitor's `monitor.sqlite3`. Pictures go to `review/` beside it. */
  file: string;
  /** The model's classes: what a reviewer may relabel to. */
  labels: string[];
  /** Which revision is serving (SPACE_REVISION), default "local". */
  revision?: string;
  /** Default `REVIEW_MAX_ITEMS` or 10,000. */
  maxItems?: number;
  /** Default `REVIEW_MAX_BYTES` or 1 GB (pictures only; the rows are ~0.5 KB each). */
  maxBytes?: number;
  /** Nothing is added while the disk has less free space than this (default 200 MB). */
  minFreeBytes?: number;
  /** Default {@link reviewPolicy}(process.env). */
  policy?: ReviewPolicy;
  log?: (line: string) => void;
}

/** A reviewer's decision, as the API takes it. */
export type Decision =
  | { action: "accept"; version: number }
  | { action: "discard"; version: number }
  | { action: "label"; label: string; version: number };

const positive = (raw: string | undefined, fallback: number, name: string) => {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a whole number above 0, got ${JSON.stringify(raw)}.`);
  return Number(raw);
};

/**
 * @example
 * const queue = await ReviewQueue.open({ file: ".gradio/monitor.sqlite3", labels: model.info.labels });
 * await queue.add(picture, prediction, ["flag"]);
 * await queue.decide(id, { action: "label", label: "Bag", version: 1 });
 */
export class ReviewQueue {
  /** Where the pictures are: `review/` beside the database. */
  readonly dir: string;
  readonly policy: ReviewPolicy;
  readonly maxItems: number;
  readonly maxBytes: number;
  private tail: Promise<unknown> = Promise.resolve();
  private warned = 0;

  private constructor(
    readonly store: ReviewStore,
    private readonly options: ReviewOptions,
  ) {
    this.dir = join(dirname(options.file), "review");
    mkdirSync(this.dir, { recursive: true });
    this.policy = options.policy ?? reviewPolicy();
    this.maxItems = options.maxItems ?? positive(process.env.REVIEW_MAX_ITEMS, 10_000, "REVIEW_MAX_ITEMS");
    this.maxBytes = options.maxBytes ?? positive(process.env.REVIEW_MAX_BYTES, 1e9, "REVIEW_MAX_BYTES");
  }

  /** Opens (or creates) the queue's table in the monitor's file (waiting while the other revision holds its lock). */
  static async open(options: ReviewOptions): Promise<ReviewQueue> {
    return new ReviewQueue(await ReviewStore.open(options.file, options.log), options);
  }

  get labels(): string[] {
    return this.options.labels;
  }

  private log(line: string): void {
    // A full queue or disk would say so on every request: once a minute is enough.
    if (Date.now() - this.warned < 60_000) return;
    this.warned = Date.now();
    (this.options.log ?? console.warn)(line);
  }

  /**
   * A live prediction: if the policy picks it, its picture (read only then) enters the queue.
   * Never throws: a queue that cannot take it logs why.
   */
  async offer(prediction: Prediction, picture: () => Promise<Picture>, random?: () => number): Promise<ReviewItem | undefined> {
    const reasons = reasonsFor(prediction, this.policy, random);
    if (!reasons.length) return undefined;
    try {
      return await this.add(await picture(), prediction, reasons);
    } catch (err) {
      this.log(`Review: could not keep a live input: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * Adds a picture with its prediction; then evicts the oldest unreviewed items while the queue
   * is over its bounds. Resolves undefined (with a log line) when it cannot be kept: the disk is
   * nearly full, or the queue holds only reviewed items.
   */
  add(picture: Picture, prediction: Prediction, reasons: Reason[], now = new Date()): Promise<ReviewItem | undefined> {
    const run = this.tail.then(() => this.write(picture, prediction, reasons, now));
    this.tail = run.catch(() => {});
    return run;
  }

  private async write(picture: Picture, prediction: Prediction, reasons: Reason[], now: Date): Promise<ReviewItem | undefined> {
    const size = picture.bytes.byteLength;
    const free = freeBytes(this.dir);
    if (free !== undefined && free - size < (this.options.minFreeBytes ?? 200e6)) {
      this.log(`Review: not keeping an input, the disk under ${this.dir} has ${Math.round(free / 1e6)} MB free.`);
      return undefined;
    }
    if (!(await this.makeRoom(1, size))) {
      this.log(
        `Review: the queue is full of reviewed items (${this.maxItems} items or ${this.maxBytes} bytes): export them (npm run review -- export DIR), or raise REVIEW_MAX_ITEMS / REVIEW_MAX_BYTES.`,
      );
      return undefined;
    }
    const id = randomBytes(8).toString("hex");
    const format = /^[a-z0-9]{1,8}$/.test(picture.format) ? picture.format.replace("jpeg", "jpg") : "bin";
    // A flag's prediction comes from the client: keep a bounded, well-typed copy.
    const finite = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : 0);
    const confidences = (Array.isArray(prediction.confidences) ? prediction.confidences : [])
      .slice(0, 50)
      .map((c) => ({ label: String(c?.label).slice(0, 200), confidence: finite(c?.confidence) }));
    const score = prediction.ood?.score;
    const item: ReviewItem = {
      id,
      created_at: now.toISOString(),
      revision: this.options.revision ?? "local",
      reasons,
      prediction: String(prediction.label ?? confidences[0]?.label ?? "").slice(0, 200),
      confidence: confidences[0]?.confidence ?? 0,
      confidences,
      ood_score: typeof score === "number" && Number.isFinite(score) ? score : null,
      image: `${id}.${format}`,
      bytes: size,
      status: "pending",
      label: null,
      reviewed_at: null,
      version: 1,
    };
    await writeFile(join(this.dir, item.image), picture.bytes, { flag: "wx" });
    try {
      await this.store.insert(item);
    } catch (err) {
      await rm(join(this.dir, item.image), { force: true });
      throw err;
    }
    return item;
  }

  /** Evicts until `items` more items of `bytes` fit; false when only reviewed items are left. */
  private async makeRoom(items: number, bytes: number): Promise<boolean> {
    for (;;) {
      const usage = await this.store.usage();
      const overItems = usage.items + items - this.maxItems;
      const overBytes = usage.bytes + bytes - this.maxBytes;
      if (overItems <= 0 && overBytes <= 0) return true;
      const victims = await this.store.evictable(Math.max(1, Math.min(500, overItems > 0 ? overItems : 50)));
      if (!victims.length) return false;
      let freed = 0;
      for (const v of victims) {
        rmQuiet(join(this.dir, v.image));
        await this.store.delete(v.id);
        freed += v.bytes;
        if (overItems <= 0 && freed >= overBytes) break;
      }
    }
  }

  list(q: ListQuery = {}): Promise<ReviewItem[]> {
    return this.store.list(q);
  }

  /** The item, or a 404 that says so. */
  async get(id: string): Promise<ReviewItem> {
    const item = /^[0-9a-f]{16}$/.test(id) ? await this.store.get(id) : undefined;
    if (!item) throw new InputError(`No review item ${JSON.stringify(id.slice(0, 40))}: it was never queued, or it was evicted.`, 404);
    return item;
  }

  /** The path of an item's picture (it may be gone when the item was discarded). */
  imagePath(item: ReviewItem): string {
    return join(this.dir, item.image);
  }

  /**
   * Records a reviewer's decision. 404 for an unknown item, 422 for a class the model does not
   * have (the message lists them), 409 when someone decided since `version`.
   */
  async decide(id: string, decision: Decision): Promise<ReviewItem> {
    const item = await this.get(id);
    let change: { status: Status; label: string | null };
    if (decision.action === "accept") change = { status: "accepted", label: item.prediction };
    else if (decision.action === "discard") change = { status: "discarded", label: null };
    else {
      if (!this.labels.includes(decision.label)) {
        throw new InputError(
          `"${String(decision.label).slice(0, 60)}" is not a class of this model. Its classes: ${this.labels.map((l) => JSON.stringify(l)).join(", ")}.`,
          422,
        );
      }
      change = { status: decision.label === item.prediction ? "accepted" : "relabeled", label: decision.label };
    }
    const result = await this.store.decide(id, decision.version, change);
    if (result === undefined) throw new InputError(`No review item "${id}": it was evicted.`, 404);
    if (result === "stale") {
      const now = await this.store.get(id);
      throw new InputError(
        `Review item ${id} changed since you saw it (version ${decision.version}, now ${now?.version}: ${now?.status}${now?.label ? ` as "${now.label}"` : ""}). Reload it and decide again.`,
        409,
      );
    }
    if (result.status === "discarded") rmQuiet(this.imagePath(result));
    return result;
  }

  close(): void {
    this.store.close();
  }
}

function rmQuiet(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // a picture that cannot be removed now is not worth failing a decision for
  }
}

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Checks a `?status=&reason=&label=&limit=&offset=` query; anything else is a 400. */
export function listQuery(params: URLSearchParams, labels: string[]): ListQuery {
  const q: ListQuery = {};
  for (const [key, value] of params) {
    if (value === "") continue; // a filter form's "any"
    if (key === "status") {
      if (!(STATUSES as string[]).includes(value)) throw new InputError(`status must be one of ${STATUSES.join(", ")}.`, 400);
      q.status = value as Status;
    } else if (key === "reason") {
      if (!(REASONS as string[]).includes(value)) throw new InputError(`reason must be one of ${REASONS.join(", ")}.`, 400);
      q.reason = value as Reason;
    } else if (key === "label") {
      if (!labels.includes(value))
        throw new InputError(
          `"${value.slice(0, 60)}" is not a class of this model. Its classes: ${labels.map((l) => JSON.stringify(l)).join(", ")}.`,
          422,
        );
      q.label = value;
    } else if (key === "limit" || key === "offset") {
      if (!/^\d{1,6}$/.test(value) || (key === "limit" && (Number(value) < 1 || Number(value) > 1000)))
        throw new InputError(`${key} must be a whole number${key === "limit" ? " from 1 to 1000" : ""}.`, 400);
      q[key] = Number(value);
    } else if (key !== "__theme") {
      throw new InputError(`Unknown review parameter "${key.slice(0, 40)}": use status, reason, label, limit or offset.`, 400);
    }
  }
  return q;
}

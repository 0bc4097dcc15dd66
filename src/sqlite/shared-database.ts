/**
 * A SQLite file that two processes of one Space may share (the old and the new revision run side
 * by side during every staged rollout), through node-sqlite3-wasm.
 *
 * node-sqlite3-wasm locks a database by creating a `<file>.lock` folder, for reads and writes
 * alike, and gives up at once ("database is locked") when it exists. So here:
 * - each piece of work is one synchronous attempt, retried after an *asynchronous* pause while the
 *   other process holds the lock: the event loop keeps serving;
 * - while this process holds the lock, a worker thread keeps the folder's mtime fresh
 *   (lock-heartbeat.ts), so a lock whose mtime is older than {@link STALE_LOCK_MS} was left by a
 *   process that was killed: it is removed, and the transaction it left half-written is rolled
 *   back (hot-journal.ts) before anyone reads the file.
 */
import { mkdirSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import sqlite from "node-sqlite3-wasm";
import { rollBackHotJournal } from "./hot-journal.ts";
import { lockHeartbeat } from "./lock-heartbeat.ts";

/** A lock not refreshed for this long belongs to a process that is gone (a live holder refreshes it every 250 ms). */
export const STALE_LOCK_MS = 3_000;

/** How long work waits for a lock that its live holder keeps fresh, before it fails. */
export const LOCK_WAIT_MS = 60_000;

export type Database = InstanceType<typeof sqlite.Database>;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isLocked = (err: unknown) => /database is locked|SQLITE_BUSY/i.test((err as Error)?.message ?? "");

/**
 * @example
 * const db = SharedDatabase.open("/data/monitor.sqlite3");
 * await db.run((d) => d.all("SELECT * FROM buckets"));
 * db.close();
 */
export class SharedDatabase {
  private recovered = false;

  private constructor(
    readonly file: string,
    private readonly db: Database,
    private readonly working: <T>(work: () => T) => T,
    private readonly waitMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Opens (or creates) `file`; this takes no lock, the first {@link run} does. */
  static open(file: string, options: { waitMs?: number; log?: (line: string) => void } = {}): SharedDatabase {
    mkdirSync(dirname(file), { recursive: true });
    const db = new sqlite.Database(file);
    return new SharedDatabase(file, db, lockHeartbeat(`${file}.lock`), options.waitMs ?? LOCK_WAIT_MS, options.log ?? console.warn);
  }

  /**
   * Runs `work` (synchronous: one statement, or a whole transaction that it commits or rolls
   * back) once the lock is free. Waits asynchronously while a live process holds it, removes one
   * left by a killed process; fails only if a live holder keeps it for `waitMs`.
   */
  async run<T>(work: (db: Database) => T): Promise<T> {
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      if (!this.recovered) this.recovered = this.recover();
      try {
        return this.working(() => work(this.db));
      } catch (err) {
        if (!isLocked(err)) throw err;
        if (!this.breakStaleLock() && Date.now() > deadline) {
          throw new Error(
            `${this.file} is locked by another process, which kept its lock fresh for ${Math.round(this.waitMs / 1000)} s (is it hung?)`,
          );
        }
        // 1, 2, 4 … ms, then every 25 ms: a lock is normally held for a millisecond or two.
        await delay(Math.min(2 ** attempt, 25));
      }
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /**
   * Before this process's first read: a journal left by a killed writer (whose lock someone
   * already removed) is rolled back. False when another process holds the lock: try again later.
   */
  private recover(): boolean {
    if (!this.takeLock()) return false;
    try {
      const pages = rollBackHotJournal(this.file);
      if (pages) this.log(`${this.file}: rolled back the transaction a stopped process left half-written (${pages} pages).`);
    } finally {
      rmdirSync(`${this.file}.lock`);
    }
    return true;
  }

  /** Removes the lock if its holder stopped refreshing it, and rolls back what it left. */
  private breakStaleLock(): boolean {
    const lock = `${this.file}.lock`;
    const seen = statSync(lock, { throwIfNoEntry: false });
    if (!seen || Date.now() - seen.mtimeMs < STALE_LOCK_MS) return Boolean(!seen);
    // Renamed, not removed: of two processes breaking it, one wins; and the loser's rename
    // cannot take a fresh lock that replaced it unnoticed (its mtime is checked again).
    const aside = `${lock}.stale-${process.pid}-${Date.now()}`;
    try {
      renameSync(lock, aside);
    } catch {
      return true; // someone else broke it first
    }
    const taken = statSync(aside, { throwIfNoEntry: false });
    if (taken && Date.now() - taken.mtimeMs < STALE_LOCK_MS) {
      renameSync(aside, lock); // a fresh lock that replaced the stale one since the first look: give it back
      return false;
    }
    rmSync(aside, { recursive: true, force: true });
    this.log(
      `${this.file}: removed the lock a stopped process left (not refreshed for ${Math.round((Date.now() - seen.mtimeMs) / 1000)} s).`,
    );
    this.recovered = this.recover();
    return true;
  }

  private takeLock(): boolean {
    try {
      mkdirSync(`${this.file}.lock`);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    }
  }
}

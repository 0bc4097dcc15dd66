/**
 * Keeps a held `.lock` folder's mtime fresh while this process works in the database, so another
 * process can tell a lock held by a slow write (fresh) from one left by a killed process (stale).
 *
 * The work is synchronous (node-sqlite3-wasm), so a timer on the main thread could not fire
 * during a long write: a small worker thread does the touching. The main thread only publishes,
 * through shared memory, which file it is working in and a count of its attempts; the worker
 * touches that file's lock when the same attempt is still running on its next tick. An attempt
 * that found the lock taken ends within microseconds, so it never refreshes another's lock.
 * Process ids are no use here: each revision runs in its own pid namespace on the host.
 */
import { Worker } from "node:worker_threads";

/** How often the worker looks; a lock held longer than a tick is refreshed at this pace. */
export const HEARTBEAT_MS = 250;

const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const { utimesSync } = require("node:fs");
const state = new Int32Array(workerData.state);
const locks = [];
parentPort.on("message", (m) => { locks[m.slot] = m.lock; });
let seen = -1;
setInterval(() => {
  const slot = Atomics.load(state, 1);
  const attempt = slot ? Atomics.load(state, 0) : -1;
  if (slot && attempt === seen && locks[slot]) {
    const now = new Date();
    try { utimesSync(locks[slot], now, now); } catch {}
  }
  seen = attempt;
}, workerData.every);
`;

let worker: Worker | undefined;
/** [attempt count, slot of the file being worked in (0: none)] */
let state: Int32Array | undefined;
let slots = 0;

/**
 * Registers `lock` (a database's `.lock` folder) and returns the function that wraps each
 * synchronous attempt at work in it.
 *
 * @example
 * const working = lockHeartbeat("/data/monitor.sqlite3.lock");
 * working(() => db.exec("BEGIN IMMEDIATE; …; COMMIT"));
 */
export function lockHeartbeat(lock: string): <T>(work: () => T) => T {
  if (!worker || !state) {
    const shared = new SharedArrayBuffer(8);
    state = new Int32Array(shared);
    worker = new Worker(WORKER, { eval: true, workerData: { state: shared, every: HEARTBEAT_MS } });
    worker.unref(); // it must not keep the process alive
  }
  const slot = ++slots;
  worker.postMessage({ slot, lock });
  const flags = state;
  return (work) => {
    Atomics.add(flags, 0, 1);
    Atomics.store(flags, 1, slot);
    try {
      return work();
    } finally {
      Atomics.store(flags, 1, 0);
    }
  };
}

/**
 * The shared queue: the same protocol as the embedded `Queue` (../queue.ts), with its state in
 * Redis so any replica can take any request. A join is one script (job appended to the jobs
 * Stream, estimation to the session's Stream); every replica's worker pulls several jobs at once
 * from the consumer group and runs them concurrently (so the classifier's batcher coalesces
 * them); a completion is one script that answers an event at most once; and the replica that
 * holds a session's SSE reads its Stream with one multiplexed XREAD BLOCK for all its sessions.
 * Jobs a dead replica had claimed go to another after `claimIdleMs` (XAUTOCLAIM); live workers
 * reset the idle time of theirs while they run.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { BusyError } from "../../errors.ts";
import type { EventMessage } from "../../blocks/messages.ts";
import { cancelledMessage, predictResponse, type GeneratingMessage, type ServerMessage } from "../protocol.ts";
import type { BackendContext, QueueLike } from "../backend.ts";
import type { ConcurrencyLimit } from "../queue.ts";
import type { Keys } from "./keys.ts";
import { unavailable } from "./unavailable.ts";

type Entry = [id: string, fields: string[]];
type Listener = (message: ServerMessage) => void;
interface Attached {
  hash: string;
  listener: Listener;
  /** Last delivered entry of the session's Stream. */
  cursor: string;
  /** Caught up: the multiplexed reader includes it. */
  live: boolean;
  /** The last message delivered. */
  last?: ServerMessage["msg"];
  done: boolean;
}

const fieldsOf = (fields: string[]) => {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SharedQueueOptions {
  /** Jobs this replica runs at once (default 64); each pull takes up to the free slots. */
  concurrency: number;
  /** Jobs waiting at most, across all replicas (default 1000). */
  maxSize: number;
  /** How long session messages and results wait to be read (default 10 minutes). */
  sessionTtlMs: number;
  /** A claimed job idle this long (its replica died) goes to another (default 5 s). */
  claimIdleMs: number;
  /** This replica's consumer name. */
  consumer: string;
  /** Another replica's consumer, idle this long with nothing claimed, is removed from the groups (default 10 minutes). */
  forgetConsumerMs: number;
  /** A dependency's own concurrency limit: honoured per replica (a pulled job waits here for its turn). */
  limitOf: (fnIndex: number) => ConcurrencyLimit | undefined;
}

/** A job's stored inputs: its data list, or `{data, eventData}` when the caller sent event data. */
function jobInputs(stored = "[]"): { data: unknown[]; eventData?: unknown } {
  const parsed = JSON.parse(stored) as unknown[] | { data: unknown[]; eventData?: unknown };
  return Array.isArray(parsed) ? { data: parsed } : parsed;
}

/**
 * @example
 * const queue = new SharedQueue(backend.connections, keys, ctx, options);
 * const eventId = await queue.join(["data:image/png;base64,…"], "session1");
 */
export class SharedQueue implements QueueLike {
  private waitingCache = 0;
  private lastForget = Date.now();
  private readonly attached = new Map<string, Attached>();
  private readonly inflight = new Map<string, Promise<void>>(); // entry id → run
  private pulling = true;
  private readerId: number | undefined;
  private readerBlocked = false;
  private wakeReader: (() => void) | undefined;
  private slotFreed: (() => void) | undefined;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly loops: Promise<void>[] = [];
  private closed = false;

  constructor(
    private readonly cmd: Redis,
    private readonly jobsConn: Redis,
    private readonly readConn: Redis,
    private readonly keys: Keys,
    private readonly ctx: BackendContext,
    private readonly options: SharedQueueOptions,
    private readonly materialize: (data: unknown[]) => Promise<unknown[]>,
  ) {
    readConn.on("ready", () => {
      this.readerId = undefined;
      void this.recheckSessions();
    });
    this.loops.push(this.workLoop(), this.readLoop());
    const tick = setInterval(() => void this.maintain(), Math.max(200, Math.floor(options.claimIdleMs / 3)));
    tick.unref();
    this.timers.push(tick);
  }

  get size(): number {
    return this.waitingCache;
  }

  async join(data: unknown[], sessionHash?: string | null, fnIndex = 0, root = "", eventData?: unknown): Promise<string> {
    const eventId = randomUUID().replaceAll("-", "");
    const hash = sessionHash || eventId;
    const k = this.keys;
    let rank: number;
    try {
      rank = (await this.cmd.sharedJoin(
        k.jobs,
        k.sess(hash),
        k.pending(hash),
        k.event(eventId),
        this.options.maxSize,
        eventId,
        hash,
        // The job's inputs; with event data, both (read back by jobInputs).
        JSON.stringify(eventData === undefined || eventData === null ? data : { data, eventData }),
        this.options.sessionTtlMs,
        this.ctx.stats.averageOf(fnIndex),
        this.options.concurrency,
        k.group,
        fnIndex,
        sessionHash ? 1 : 0,
        root,
      )) as number;
    } catch (err) {
      throw unavailable(err);
    }
    if (rank < 0) throw new BusyError(`Queue is full. Max size is ${this.options.maxSize} and size is ${-1 - rank}.`);
    this.waitingCache = rank + 1;
    return eventId;
  }

  listen(sessionHash: string, listener: Listener): () => void {
    const previous = this.attached.get(sessionHash);
    if (previous) previous.done = true;
    const a: Attached = { hash: sessionHash, listener, cursor: "0-0", live: false, done: false };
    this.attached.set(sessionHash, a);
    void this.catchUp(a);
    return () => {
      if (this.attached.get(sessionHash) === a) this.attached.delete(sessionHash);
      const finished = a.last === "close_stream" || a.last === "process_completed" || a.last === "unexpected_error";
      a.done = true;
      // The client went away with events pending: drop them, as the embedded queue does.
      if (!finished)
        void this.cmd.sharedDrop(this.keys.pending(sessionHash), this.keys.done(""), this.options.sessionTtlMs).catch(() => {});
    };
  }

  cancel(eventId: string): void {
    void (async () => {
      const hash = await this.cmd.get(this.keys.event(eventId));
      if (!hash) return;
      const message = cancelledMessage(eventId);
      await this.answer(eventId, hash, message, "");
    })().catch(() => {});
  }

  /** SIGTERM: stop pulling; resolves once the claimed jobs are answered. */
  async drain(): Promise<void> {
    this.pulling = false;
    this.slotFreed?.();
    await this.loops[0]; // a pull in progress (BLOCK ≤ 1 s) may still bring jobs: they are ours to run
    while (this.inflight.size) await Promise.allSettled([...this.inflight.values()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pulling = false;
    for (const t of this.timers) clearInterval(t);
    this.wakeReader?.();
    this.slotFreed?.();
    await this.unblockReader();
  }

  // ── The session side: deliver a session's Stream to the SSE that holds it ──────────────────

  private async catchUp(a: Attached): Promise<void> {
    const k = this.keys;
    let snapshot: [string, Entry[], number] | null;
    try {
      snapshot = (await this.cmd.sharedSnapshot(k.sess(a.hash), k.pending(a.hash), k.cursor(a.hash))) as [string, Entry[], number] | null;
    } catch (err) {
      this.fail(a, `The queue is unavailable (Redis: ${(err as Error).message}).`, false);
      return;
    }
    if (a.done) return;
    if (!snapshot) {
      this.fail(a, "404: Not Found", true);
      return;
    }
    const [cursor, entries, pending] = snapshot;
    a.cursor = cursor;
    this.deliver(a, entries);
    if (a.done) return;
    // Nothing pending and no close_stream left to read: a client may open its stream after its
    // event's result already came on the previous one.
    if (pending === 0 && a.last !== "close_stream") {
      this.send(a, { msg: "close_stream", event_id: null });
      return;
    }
    a.live = true;
    this.wakeReader?.();
    if (this.readerBlocked) await this.unblockReader();
  }

  private fail(a: Attached, message: string, notFound: boolean): void {
    if (a.done) return;
    this.send(a, { msg: "unexpected_error", event_id: null, message, session_not_found: notFound, success: false });
    this.send(a, { msg: "close_stream", event_id: null });
  }

  private send(a: Attached, message: ServerMessage): void {
    if (a.done) return;
    a.last = message.msg;
    if (message.msg === "close_stream") a.done = true;
    a.listener(message);
  }

  private deliver(a: Attached, entries: Entry[]): void {
    const before = a.cursor;
    let lastEvent: string | null = null;
    for (const [i, [id, fields]] of entries.entries()) {
      if (a.done) break;
      a.cursor = id;
      const message = JSON.parse(fieldsOf(fields).m ?? "null") as ServerMessage | null;
      if (!message) continue;
      // A close_stream with more after it is stale: a join came after it (the embedded queue drops it too).
      if (message.msg === "close_stream" && i < entries.length - 1) continue;
      lastEvent = message.event_id;
      this.send(a, message);
    }
    if (a.cursor === before) return;
    // Read to its end (close_stream, or a curl call's result): keep it a minute, not the full TTL;
    // a new join renews it.
    const read = a.last === "close_stream" || (a.last === "process_completed" && a.hash === lastEvent);
    const ttl = read ? Math.min(60_000, this.options.sessionTtlMs) : this.options.sessionTtlMs;
    const k = this.keys;
    const pipe = this.cmd.pipeline().set(k.cursor(a.hash), a.cursor, "PX", ttl);
    if (read) pipe.pexpire(k.sess(a.hash), ttl).pexpire(k.pending(a.hash), ttl);
    void pipe.exec().catch(() => {});
  }

  private async unblockReader(): Promise<void> {
    if (this.readerId === undefined) return;
    await this.cmd.client("UNBLOCK", this.readerId).catch(() => {});
  }

  /** After Redis came back: a session whose Stream is gone (Redis restarted empty) is told so, not left waiting. */
  private async recheckSessions(): Promise<void> {
    for (const a of [...this.attached.values()]) {
      if (!a.live || a.done) continue;
      const exists = await this.cmd.exists(this.keys.sess(a.hash), this.keys.pending(a.hash)).catch(() => 1);
      if (!exists) this.fail(a, "The queue restarted and lost this session's events: send them again.", true);
    }
  }

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      const live = [...this.attached.values()].filter((a) => a.live && !a.done);
      if (live.length === 0) {
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
          setTimeout(resolve, 1000).unref();
        });
        this.wakeReader = undefined;
        continue;
      }
      try {
        if (this.readerId === undefined) this.readerId = (await this.readConn.client("ID")) as number;
        this.readerBlocked = true;
        const result = (await this.readConn.xread(
          "COUNT",
          200,
          "BLOCK",
          5000,
          "STREAMS",
          ...live.map((a) => this.keys.sess(a.hash)),
          ...live.map((a) => a.cursor),
        )) as [string, Entry[]][] | null;
        this.readerBlocked = false;
        for (const [key, entries] of result ?? []) {
          const a = this.attached.get(key.slice(this.keys.sessPrefix.length));
          if (a?.live) this.deliver(a, entries);
        }
      } catch {
        this.readerBlocked = false;
        this.readerId = undefined;
        await sleep(250);
      }
    }
  }

  // ── The worker side: pull jobs, run them, answer each event once ──────────────────────────

  private async workLoop(): Promise<void> {
    const { group, consumer } = { group: this.keys.group, consumer: this.options.consumer };
    await this.ensureGroup();
    while (!this.closed && this.pulling) {
      const free = this.options.concurrency - this.inflight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      try {
        const result = (await this.jobsConn.xreadgroup(
          "GROUP",
          group,
          consumer,
          "COUNT",
          free,
          "BLOCK",
          1000,
          "STREAMS",
          this.keys.jobs,
          ">",
        )) as [string, Entry[]][] | null;
        for (const [, entries] of result ?? []) for (const entry of entries) this.start(entry);
      } catch (err) {
        if (/NOGROUP/.test((err as Error).message)) await this.ensureGroup();
        else await sleep(250);
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    await this.cmd.xgroup("CREATE", this.keys.jobs, this.keys.group, "0", "MKSTREAM").catch(() => {}); // BUSYGROUP: it exists
  }

  private start([entryId, fields]: Entry): void {
    if (this.inflight.has(entryId)) return;
    const run = this.runJob(entryId, fieldsOf(fields)).finally(() => {
      this.inflight.delete(entryId);
      this.slotFreed?.();
    });
    this.inflight.set(entryId, run);
  }

  private async runJob(entryId: string, job: Record<string, string>): Promise<void> {
    const { e: eventId, s: hash } = job;
    if (!eventId || !hash) {
      await this.cmd.xack(this.keys.jobs, this.keys.group, entryId).catch(() => {});
      return;
    }
    const fnIndex = Number(job.f ?? 0);
    const started = await this.retry(() =>
      this.cmd.sharedStart(
        this.keys.done(eventId),
        this.keys.sess(hash),
        JSON.stringify({ msg: "process_starts", event_id: eventId, eta: this.ctx.stats.averageOf(fnIndex) || null }),
        this.options.sessionTtlMs,
      ),
    );
    if (started === undefined) return; // Redis is gone: the entry stays claimed, and is re-delivered once it is back
    let message: ServerMessage;
    if (started === 0) {
      await this.answer(eventId, hash, null, entryId); // already answered: just ack
      return;
    }
    // Log, progress and a generator's messages go to the session's Stream as they come, in order on this connection.
    const abort = new AbortController();
    let checked = Date.now();
    const emit = (m: EventMessage | GeneratingMessage) => {
      void this.cmd.xadd(this.keys.sess(hash), "MAXLEN", "~", 1000, "*", "m", JSON.stringify({ ...m, event_id: eventId })).catch(() => {});
      // A cancel (or the client leaving) answers the event on whichever replica got it: a
      // generator here learns of it from the answer, looked up at most every 250 ms as it yields.
      if (m.msg === "process_generating" && Date.now() - checked >= 250) {
        checked = Date.now();
        void this.cmd
          .exists(this.keys.done(eventId))
          .then((n) => n > 0 && abort.abort())
          .catch(() => {});
      }
    };
    const release = await this.acquire(this.options.limitOf(fnIndex));
    try {
      const inputs = jobInputs(job.d);
      const data = await this.materialize(inputs.data);
      const {
        data: out,
        duration,
        changedState,
      } = await this.ctx.run(data, {
        fnIndex,
        sessionHash: job.h === "1" ? hash : undefined,
        eventId,
        root: job.r ?? "",
        emit,
        signal: abort.signal,
        eventData: inputs.eventData,
      });
      message = {
        msg: "process_completed",
        event_id: eventId,
        output: predictResponse(out, duration, this.ctx.stats.averageOf(fnIndex), changedState),
        success: true,
        title: null,
      };
    } catch (err) {
      const output = this.ctx.describeError(err);
      message = { msg: "process_completed", event_id: eventId, output, success: false, title: output.title ?? "Error" };
    } finally {
      release();
    }
    await this.answer(eventId, hash, message, entryId);
  }

  /** Running jobs and waiters per concurrency id (this replica's). */
  private readonly limits = new Map<string, { running: number; waiting: (() => void)[] }>();

  /** Waits for a slot under the dependency's own limit; resolves with its release. */
  private async acquire(limit: ConcurrencyLimit | undefined): Promise<() => void> {
    if (!limit) return () => {};
    const s = this.limits.get(limit.id) ?? { running: 0, waiting: [] };
    this.limits.set(limit.id, s);
    if (s.running >= limit.limit) await new Promise<void>((resolve) => s.waiting.push(resolve));
    s.running++;
    return () => {
      s.running--;
      s.waiting.shift()?.();
    };
  }

  /** The one answer of an event (a second one, from a re-delivered job, is dropped); acks the job entry. */
  private async answer(eventId: string, hash: string, message: ServerMessage | null, entryId: string): Promise<void> {
    const k = this.keys;
    await this.retry(() =>
      this.cmd.sharedComplete(
        k.done(eventId),
        k.sess(hash),
        k.pending(hash),
        k.jobs,
        eventId,
        message ? JSON.stringify(message) : "",
        this.options.sessionTtlMs,
        entryId,
        k.group,
      ),
    );
  }

  /** Retries a step while Redis is away (10 s at most); undefined if it never came back. */
  private async retry<T>(step: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        return await step();
      } catch {
        if (this.closed) return undefined;
        await sleep(250);
      }
    }
    return undefined;
  }

  /** Every claimIdleMs/3: keep our claimed jobs fresh, take over those of dead replicas, refresh the size. */
  private async maintain(): Promise<void> {
    if (this.closed) return;
    const k = this.keys;
    const { consumer, claimIdleMs, concurrency } = this.options;
    try {
      const mine = [...this.inflight.keys()];
      if (mine.length) await this.cmd.xclaim(k.jobs, k.group, consumer, 0, ...mine, "JUSTID");
      const free = concurrency - this.inflight.size;
      if (this.pulling && free > 0) {
        const [, entries] = (await this.cmd.xautoclaim(k.jobs, k.group, consumer, claimIdleMs, "0-0", "COUNT", free)) as [
          string,
          Entry[],
          string[],
        ];
        for (const entry of entries) if (entry?.[1]) this.start(entry);
      }
      this.waitingCache = (await this.cmd.sharedSize(k.jobs, k.group)) as number;
      if (Date.now() - this.lastForget >= Math.min(this.options.forgetConsumerMs, 60_000)) {
        this.lastForget = Date.now();
        // A dead replica's consumer (idle, nothing claimed: its jobs were taken over after claimIdleMs)
        // is removed; each restart names a new one, and without this every deploy would leave one behind.
        for (const [stream, group] of [
          [k.jobs, k.group],
          [k.flags, k.flagGroup],
        ] as const)
          await this.cmd.sharedForget(stream, group, consumer, this.options.forgetConsumerMs);
      }
    } catch {
      // Redis away: the next tick tries again.
    }
  }
}

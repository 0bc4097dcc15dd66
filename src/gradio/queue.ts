/**
 * The queue behind `queue/join` + `queue/data` and the curl `call` routes (gradio queueing.py,
 * simplified): jobs wait in order, up to `concurrency` run at once (feeding the classifier's
 * micro-batcher), and every session gets its messages in order — buffered from the moment it
 * joins until its stream connects, ended by `close_stream` once nothing is pending.
 */
import { randomUUID } from "node:crypto";
import { BusyError } from "../errors.ts";
import type { DurationStats } from "./duration-stats.ts";
import type { EventMessage } from "../blocks/messages.ts";
import type { PredictResult } from "../predict.ts";
import { cancelledMessage, predictResponse, type ErrorPayload, type GeneratingMessage, type ServerMessage } from "./protocol.ts";

/**
 * What a job's run is told besides its inputs: which dependency, for which session (undefined
 * for a curl call, which is its own session), and where its log and progress messages go.
 *
 * @example
 * const run = (data: unknown[], job: JobInfo) => execute(job.fnIndex, data, job.sessionHash, job.emit);
 */
export interface JobInfo {
  fnIndex: number;
  sessionHash: string | undefined;
  eventId: string;
  /** The app's public URL as the joining request saw it (output files' URLs are built on it). */
  root: string;
  /** Log, progress and (a generator's yields) process_generating messages, in order. */
  emit(message: EventMessage | GeneratingMessage): void;
  /** Aborted when the event is cancelled or its client goes away: a generator stops there. */
  signal: AbortSignal;
  /** The event's data the caller sent with the join (`event_data`), if any. */
  eventData?: unknown;
}

/** A dependency's own concurrency limit (gradio `concurrency_limit`), shared by its `concurrency_id`. */
export interface ConcurrencyLimit {
  id: string;
  limit: number;
}

/** Options of {@link Queue}. */
export interface QueueOptions {
  /** Jobs running at once (default 64: enough to keep micro-batches full; Gradio's default is 1). */
  concurrency?: number;
  /** Jobs waiting at most; one more gets 503 (default 1000). */
  maxSize?: number;
  /** How long a session is kept without a stream: results wait this long to be read (default 10 minutes). */
  sessionTtlMs?: number;
  /** Internal (createApp sets it): a dependency's own limit, honoured within `concurrency`. */
  limitOf?: (fnIndex: number) => ConcurrencyLimit | undefined;
}

type Listener = (message: ServerMessage) => void;

interface Session {
  hash: string;
  /** Messages produced while no stream listens. */
  buffer: ServerMessage[];
  listener?: Listener;
  /** Events joined and not yet completed. */
  pending: Set<string>;
  touched: number;
}

interface Job {
  eventId: string;
  session: Session;
  data: unknown[];
  fnIndex: number;
  /** Joined with a session hash (not a curl call, whose session is the event). */
  hasSession: boolean;
  root: string;
  cancelled: boolean;
  /** Aborted with `cancelled`: stops a running generator. */
  abort: AbortController;
  eventData?: unknown;
}

/**
 * @example
 * const queue = new Queue((data) => runPredict(iface, data, ctx), new DurationStats(), (e) => errorPayload(e, false));
 * const eventId = queue.join(["data:image/png;base64,…"], "session1");
 * queue.listen("session1", (message) => console.log(message)); // estimation, process_starts, process_completed, close_stream
 */
export class Queue {
  readonly concurrency: number;
  readonly maxSize: number;
  private readonly ttl: number;
  private readonly waiting: Job[] = [];
  private readonly running = new Set<Job>();
  private readonly sessions = new Map<string, Session>();
  /** Pending events, for cancel. */
  private readonly eventSessions = new Map<string, Session>();
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly limitOf: (fnIndex: number) => ConcurrencyLimit | undefined;
  /** Running jobs per concurrency id. */
  private readonly runningBy = new Map<string, number>();

  constructor(
    private readonly run: (data: unknown[], job: JobInfo) => Promise<PredictResult>,
    private readonly stats: DurationStats,
    private readonly describeError: (err: unknown) => ErrorPayload,
    { concurrency = 64, maxSize = 1000, sessionTtlMs = 10 * 60_000, limitOf = () => undefined }: QueueOptions = {},
  ) {
    this.concurrency = concurrency;
    this.maxSize = maxSize;
    this.ttl = sessionTtlMs;
    this.limitOf = limitOf;
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, sessionTtlMs)).unref();
  }

  /**
   * Queues one call and returns its event id. Without a session hash the event is its own
   * session: the curl flow's GET then listens on the event id. `fnIndex` names the dependency
   * (default 0); `eventData` is what the caller said of the event (Gradio's `event_data`).
   *
   * @throws {BusyError} when `maxSize` jobs are already waiting.
   */
  join(data: unknown[], sessionHash?: string | null, fnIndex = 0, root = "", eventData?: unknown): string {
    if (this.waiting.length >= this.maxSize) {
      throw new BusyError(`Queue is full. Max size is ${this.maxSize} and size is ${this.waiting.length}.`);
    }
    const eventId = randomUUID().replaceAll("-", "");
    const hash = sessionHash || eventId;
    let session = this.sessions.get(hash);
    if (!session) {
      session = { hash, buffer: [], pending: new Set(), touched: Date.now() };
      this.sessions.set(hash, session);
    }
    // A close_stream still buffered from the session's last event would now be a lie: delivered
    // first, it would end the stream before this event's messages, and the event would be lost.
    if (!session.listener) session.buffer = session.buffer.filter((m) => m.msg !== "close_stream");
    session.pending.add(eventId);
    this.eventSessions.set(eventId, session);
    this.waiting.push({
      eventId,
      session,
      data,
      fnIndex,
      hasSession: !!sessionHash,
      root,
      cancelled: false,
      abort: new AbortController(),
      eventData,
    });
    const ahead = this.waiting.slice(0, -1).reduce((sum, j) => sum + this.stats.averageOf(j.fnIndex), 0);
    this.emit(session, this.estimation(this.waiting.at(-1)!, this.waiting.length - 1, ahead));
    this.pump();
    return eventId;
  }

  /**
   * Attaches the one stream of a session: buffered messages first, then live ones, and a
   * close_stream at once if nothing is pending (a client may open its stream after its event's
   * result already came on the previous one). Returns the function that detaches it, or
   * undefined for an unknown session. Detaching while events are pending (the client went away)
   * cancels them, as gradio's clean_events does.
   */
  listen(sessionHash: string, listener: Listener): (() => void) | undefined {
    const session = this.sessions.get(sessionHash);
    if (!session) return undefined;
    session.listener = listener;
    session.touched = Date.now();
    const buffered = session.buffer.splice(0);
    for (const message of buffered) listener(message);
    if (session.pending.size === 0 && buffered.at(-1)?.msg !== "close_stream") listener({ msg: "close_stream", event_id: null });
    return () => {
      if (session.listener !== listener) return;
      session.listener = undefined;
      session.touched = Date.now();
      if (session.pending.size > 0) this.dropSession(session);
    };
  }

  /**
   * Cancels an event: a waiting one leaves the queue; a running generator is stopped (its
   * `finally` runs); any other running function finishes, but its result is dropped. Gradio
   * replies the same way.
   */
  cancel(eventId: string): void {
    const session = this.eventSessions.get(eventId);
    if (!session?.pending.has(eventId)) return;
    const index = this.waiting.findIndex((j) => j.eventId === eventId);
    if (index >= 0) this.waiting.splice(index, 1);
    for (const job of this.running) if (job.eventId === eventId) this.stop(job);
    // A success with no values, so the client's stream finishes (gradio pushes one too).
    this.complete(session, eventId, cancelledMessage(eventId));
    this.sendRanks();
  }

  /** Waiting jobs, for `queue/status`. */
  get size(): number {
    return this.waiting.length;
  }

  /** Stops the session sweeper (for tests and shutdown). */
  close(): void {
    clearInterval(this.sweeper);
  }

  /**
   * The `estimation` of the job at `rank`: `ahead` is the sum of the average durations of the jobs
   * before it; spread over the workers, plus its own endpoint's average (Gradio sums
   * process_time_per_fn the same way).
   */
  private estimation(job: Job, rank: number, ahead: number): ServerMessage {
    const own = this.stats.averageOf(job.fnIndex);
    const eta = own > 0 ? ahead / this.concurrency + own : null;
    return { msg: "estimation", event_id: job.eventId, rank, queue_size: this.waiting.length, rank_eta: eta };
  }

  private sendRanks(): void {
    let ahead = 0;
    this.waiting.forEach((job, rank) => {
      this.emit(job.session, this.estimation(job, rank, ahead));
      ahead += this.stats.averageOf(job.fnIndex);
    });
  }

  private pump(): void {
    let started = false;
    // In order, skipping jobs whose dependency is at its own limit (gradio concurrency_limit).
    for (let i = 0; i < this.waiting.length && this.running.size < this.concurrency; ) {
      const job = this.waiting[i]!;
      const limit = this.limitOf(job.fnIndex);
      if (limit && (this.runningBy.get(limit.id) ?? 0) >= limit.limit) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      if (limit) this.runningBy.set(limit.id, (this.runningBy.get(limit.id) ?? 0) + 1);
      this.running.add(job);
      started = true;
      void this.execute(job);
    }
    if (started) this.sendRanks();
  }

  private async execute(job: Job): Promise<void> {
    const { eventId, session } = job;
    this.emit(session, { msg: "process_starts", event_id: eventId, eta: this.stats.averageOf(job.fnIndex) || null });
    let message: ServerMessage;
    const emit = (m: EventMessage | GeneratingMessage) => {
      if (!job.cancelled) this.emit(session, { ...m, event_id: eventId });
    };
    try {
      const { data, duration, changedState } = await this.run(job.data, {
        fnIndex: job.fnIndex,
        sessionHash: job.hasSession ? session.hash : undefined,
        eventId,
        root: job.root,
        emit,
        signal: job.abort.signal,
        eventData: job.eventData,
      });
      message = {
        msg: "process_completed",
        event_id: eventId,
        output: predictResponse(data, duration, this.stats.averageOf(job.fnIndex), changedState),
        success: true,
        title: null,
      };
    } catch (err) {
      const output = this.describeError(err);
      message = { msg: "process_completed", event_id: eventId, output, success: false, title: output.title ?? "Error" };
    }
    this.running.delete(job);
    const limit = this.limitOf(job.fnIndex);
    if (limit) this.runningBy.set(limit.id, (this.runningBy.get(limit.id) ?? 1) - 1);
    if (!job.cancelled) this.complete(session, eventId, message);
    this.pump();
  }

  private complete(session: Session, eventId: string, message: ServerMessage): void {
    session.pending.delete(eventId);
    this.eventSessions.delete(eventId);
    this.emit(session, message);
    // Only now, with the event out of the pending set, may the stream close (client race, gradio #7).
    if (session.pending.size === 0) this.emit(session, { msg: "close_stream", event_id: null });
  }

  private emit(session: Session, message: ServerMessage): void {
    if (session.listener) session.listener(message);
    else session.buffer.push(message);
  }

  private stop(job: Job): void {
    job.cancelled = true;
    job.abort.abort();
  }

  private dropSession(session: Session): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.waiting[i]!.session === session) this.waiting.splice(i, 1);
    for (const job of this.running) if (job.session === session) this.stop(job);
    this.forget(session);
    this.sendRanks();
  }

  private forget(session: Session): void {
    if (this.sessions.get(session.hash) === session) this.sessions.delete(session.hash);
    for (const id of session.pending) this.eventSessions.delete(id);
    session.pending.clear();
  }

  /** Forgets sessions nobody listened to for `ttl`: their results would never be read. */
  private sweep(): void {
    const old = Date.now() - this.ttl;
    for (const session of this.sessions.values()) {
      if (!session.listener && session.touched < old) this.dropSession(session);
    }
  }
}

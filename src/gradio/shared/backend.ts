/**
 * What `createApp` needs from a queue, and what shared mode (`QUEUE_URL`, `./index.ts`) gives it:
 * the job queue, session messages, uploads and flags held in Redis so that any replica can serve
 * any request. The embedded `Queue` (../queue.ts) is the other implementation of {@link QueueLike}.
 */
import type { PredictResult } from "../../predict.ts";
import type { DurationStats } from "../duration-stats.ts";
import type { ErrorPayload, ServerMessage } from "../protocol.ts";
import type { QueueOptions } from "../queue.ts";

/** The queue as the routes use it: `Queue` in-process, or the shared one. */
export interface QueueLike {
  /** Queues one call; resolves with its event id. @throws BusyError when full (or, shared, when Redis is unreachable). */
  join(data: unknown[], sessionHash?: string | null): string | Promise<string>;
  /**
   * Attaches the one stream of a session. Shared mode always returns the detach function and
   * says "unknown session" in-band (unexpected_error, then close_stream), as the route does.
   */
  listen(sessionHash: string, listener: (message: ServerMessage) => void): (() => void) | undefined;
  cancel(eventId: string): void;
  /** Waiting jobs, for `queue/status`. */
  readonly size: number;
}

/** What the app hands the shared backend when it is built. */
export interface SharedContext {
  /** The execution core with the app's timings and monitor: what a worker runs for a job. */
  run: (data: unknown[]) => Promise<PredictResult>;
  stats: DurationStats;
  describeError: (err: unknown) => ErrorPayload;
  queue?: QueueOptions;
  /** This replica's upload folder: files uploaded to another replica are copied here before use. */
  uploadDir: string;
  /** The embedded CSV logger's flag, used by the one elected flag writer. */
  flagLocal: (inputs: unknown[], outputs: unknown[]) => Promise<number>;
  /** The CSV the flags go to (the writer's journal sits beside it). */
  flagFile: string;
}

/** The per-app parts of shared mode. */
export interface SharedParts {
  queue: QueueLike;
  /** Stores uploads locally and in Redis (TTL, size cap), so every replica can read them. */
  saveUploads(files: File[], uploadDir: string): Promise<string[]>;
  /** Inputs with uploaded files' paths pointing into this replica's upload folder (copied from Redis when missing). */
  materialize<T>(data: T): Promise<T>;
  /** Appends a flag to the shared log; resolves with its row once the elected writer wrote it. */
  flag(inputs: unknown[], outputs: unknown[]): Promise<number | null>;
}

/** Shared mode: one per process (`openShared`), attached to the app `createApp` builds. */
export interface SharedBackend {
  attach(ctx: SharedContext): SharedParts;
  /** Redis reachable and not draining: what `/readyz` answers. */
  ready(): Promise<boolean>;
  /** SIGTERM: stop pulling jobs, finish the claimed ones. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where a Space keeps its queue, uploads and flags: the one interface `createApp`'s routes call,
 * so no route asks which mode it runs in. Two implementations: the embedded one
 * (`./local-backend.ts`: this process's queue, folder and CSV) and shared mode (`QUEUE_URL`,
 * `./shared/index.ts`: the same held in Redis so that any replica can serve any request).
 */
import type { HonoRequest } from "hono";
import type { PredictResult } from "../predict.ts";
import type { DurationStats } from "./duration-stats.ts";
import type { ErrorPayload, ServerMessage } from "./protocol.ts";
import type { JobInfo, QueueOptions } from "./queue.ts";
import type { Upload } from "./uploads.ts";

/** The queue as the routes use it: `Queue` in-process, or the shared one. */
export interface QueueLike {
  /** Queues one call of dependency `fnIndex` (default 0), with the caller's `event_data`; resolves with its event id. @throws BusyError when full (or, shared, when Redis is unreachable). */
  join(data: unknown[], sessionHash?: string | null, fnIndex?: number, root?: string, eventData?: unknown): string | Promise<string>;
  /**
   * Attaches the one stream of a session. Shared mode always returns the detach function and
   * says "unknown session" in-band (unexpected_error, then close_stream), as the route does.
   */
  listen(sessionHash: string, listener: (message: ServerMessage) => void): (() => void) | undefined;
  cancel(eventId: string): void;
  /** Waiting jobs, for `queue/status`. */
  readonly size: number;
}

/**
 * What the app hands a backend when it is built.
 *
 * @example
 * const backend = localBackend({ run, stats, describeError, uploadDir, flagLocal, flagFile: "flagged/dataset1.csv" });
 */
export interface BackendContext {
  /** The execution core with the app's timings, monitor and session state: what a worker runs for a job. */
  run: (data: unknown[], job: JobInfo) => Promise<PredictResult>;
  stats: DurationStats;
  describeError: (err: unknown) => ErrorPayload;
  queue?: QueueOptions;
  /** This process's upload folder (shared mode copies files uploaded to another replica here before use). */
  uploadDir: string;
  /** The embedded CSV logger's flag (in shared mode, used by the one elected flag writer). */
  flagLocal: (inputs: unknown[], outputs: unknown[]) => Promise<number>;
  /** The CSV the flags go to (shared mode's writer keeps its journal beside it). */
  flagFile: string;
}

/**
 * Each session's State values (gradio SessionState), by component id: held in this process, or
 * in Redis for replicas (JSON values then). A session unseen for the queue's session TTL is forgotten.
 *
 * @example
 * const state = await backend.sessionState.load("abc123"); state.set(4, 1); await backend.sessionState.save("abc123", state);
 */
export interface SessionStateStore {
  load(sessionHash: string): Promise<Map<number, unknown>>;
  save(sessionHash: string, state: Map<number, unknown>): Promise<void>;
}

/**
 * What the routes of one app call, whichever mode it runs in.
 *
 * @example
 * const backend = options.shared?.attach(ctx) ?? localBackend(ctx);
 * const row = await backend.flag(inputs, outputs);
 */
export interface Backend {
  readonly queue: QueueLike;
  readonly sessionState: SessionStateStore;
  /** The files of a multipart upload's `files` field. @throws Error when the body is not valid multipart. */
  readUploads(req: HonoRequest): Promise<(File | Upload)[]>;
  /** Stores uploaded files; resolves with the path of each (shared mode also keeps them in Redis, TTL and size cap). */
  saveUploads(files: (File | Upload)[]): Promise<string[]>;
  /** Inputs with uploaded files' paths pointing into this process's upload folder (shared mode copies them from Redis when missing). */
  materialize<T>(data: T): Promise<T>;
  /** Appends a flag; resolves with its row (shared mode: once the elected writer wrote it, or null). */
  flag(inputs: unknown[], outputs: unknown[]): Promise<number | null>;
  /** Ready to take traffic: what `/readyz` answers (shared mode: Redis reachable and not draining). */
  ready(): Promise<boolean>;
}

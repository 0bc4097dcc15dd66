/**
 * Shared mode: `QUEUE_URL=redis://host:port` (Redis ≥ 7 or Valkey) makes this process one of
 * several replicas behind a plain round-robin balancer. Keys, under `QUEUE_PREFIX` (default
 * `gradio:`):
 *
 * | key | type | what | lifetime |
 * |---|---|---|---|
 * | `jobs` | Stream, group `workers` | one entry per queued call: event id, session, inputs | deleted when answered |
 * | `sess:<session>` | Stream | the session's messages (estimation … close_stream), read by whichever replica holds its SSE | session TTL (10 min), renewed on each message |
 * | `pending:<session>` | Set | events joined and not answered | session TTL |
 * | `cursor:<session>` | String | last message delivered to the session's stream | session TTL |
 * | `event:<id>` | String | the event's session (for cancel) | session TTL |
 * | `done:<id>` | String | the event is answered: a second answer (re-delivered job) is dropped | session TTL |
 * | `file:<sha256>/<name>` | String (bytes) | an upload, for the replicas that did not take it | `QUEUE_UPLOAD_TTL_MS` (1 h) |
 * | `flags` | Stream, group `csv` | flags, written to the CSV by one replica | kept (last 100 000) |
 * | `flag-writer` | String | the elected flag writer | 10 s, renewed |
 * | `flag-reply:<id>` | String | a flag's row, for the replica that took it | 60 s |
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Redis, type RedisOptions, type Result } from "ioredis";
import type { SharedBackend, SharedContext, SharedParts } from "./backend.ts";
import { SharedQueue } from "./queue.ts";
import { COMPLETE, DROP, FORGET, JOIN, SIZE, SNAPSHOT, START } from "./scripts.ts";
import { SharedFlags, SharedUploads } from "./store.ts";

declare module "ioredis" {
  interface RedisCommander<Context> {
    sharedJoin(...args: (string | number)[]): Result<number, Context>;
    sharedSize(...args: (string | number)[]): Result<number, Context>;
    sharedStart(...args: (string | number)[]): Result<number, Context>;
    sharedComplete(...args: (string | number)[]): Result<number, Context>;
    sharedDrop(...args: (string | number)[]): Result<number, Context>;
    sharedSnapshot(...args: (string | number)[]): Result<unknown, Context>;
    sharedForget(...args: (string | number)[]): Result<string[], Context>;
  }
}

/** Key names (see the table above). */
export interface Keys {
  group: string;
  jobs: string;
  sessPrefix: string;
  sess(hash: string): string;
  pending(hash: string): string;
  cursor(hash: string): string;
  event(id: string): string;
  done(id: string): string;
  file(rel: string): string;
  flags: string;
  flagGroup: string;
  flagWriter: string;
  flagReply(id: string): string;
}

export const keysFor = (p: string): Keys => ({
  group: "workers",
  jobs: `${p}jobs`,
  sessPrefix: `${p}sess:`,
  sess: (h) => `${p}sess:${h}`,
  pending: (h) => `${p}pending:${h}`,
  cursor: (h) => `${p}cursor:${h}`,
  event: (id) => `${p}event:${id}`,
  done: (id) => `${p}done:${id}`,
  file: (rel) => `${p}file:${rel}`,
  flags: `${p}flags`,
  flagGroup: "csv",
  flagWriter: `${p}flag-writer`,
  flagReply: (id) => `${p}flag-reply:${id}`,
});

/** Options of {@link openShared}; each defaults to an environment variable. */
export interface SharedOptions {
  /** Key prefix (`QUEUE_PREFIX`, default `gradio:`): several Spaces can share one Redis. */
  prefix?: string;
  /** A claimed job idle this long goes to another replica (`QUEUE_CLAIM_IDLE_MS`, default 5000). */
  claimIdleMs?: number;
  /** Another replica's consumer idle this long with nothing claimed is removed (`QUEUE_FORGET_CONSUMER_MS`, default 10 min). */
  forgetConsumerMs?: number;
  /** Uploads kept in Redis this long (`QUEUE_UPLOAD_TTL_MS`, default 1 h). */
  uploadTtlMs?: number;
  /** Largest upload kept in Redis (`QUEUE_UPLOAD_MAX_BYTES`, default 20 MiB). */
  uploadMaxBytes?: number;
  log?: (line: string) => void;
}

const num = (v: string | undefined, fallback: number) => (v && Number.isFinite(Number(v)) ? Number(v) : fallback);

/**
 * Connects to Redis (waiting up to 5 s; a Redis that is down leaves the process up, not ready)
 * and returns the backend `createApp` attaches to.
 *
 * @example
 * const shared = await openShared("redis://127.0.0.1:6379");
 * const app = createApp(iface, { shared });
 */
export async function openShared(url: string, options: SharedOptions = {}): Promise<SharedBackend> {
  const env = process.env;
  const prefix = options.prefix ?? env.QUEUE_PREFIX ?? "gradio:";
  const claimIdleMs = options.claimIdleMs ?? num(env.QUEUE_CLAIM_IDLE_MS, 5000);
  const forgetConsumerMs = options.forgetConsumerMs ?? num(env.QUEUE_FORGET_CONSUMER_MS, 10 * 60_000);
  const uploadTtlMs = options.uploadTtlMs ?? num(env.QUEUE_UPLOAD_TTL_MS, 3_600_000);
  const uploadMaxBytes = options.uploadMaxBytes ?? num(env.QUEUE_UPLOAD_MAX_BYTES, 20 * 2 ** 20);
  const log = options.log ?? ((line: string) => console.warn(line));
  const keys = keysFor(prefix);
  const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;

  // Fail fast while Redis is away (a 503 now beats a request that hangs), reconnect forever.
  const base: RedisOptions = {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
  let down = false;
  const connect = (name: string, extra: RedisOptions = {}) => {
    const conn = new Redis(url, { ...base, connectionName: `space-${name}`, ...extra });
    conn.on("error", (err: Error) => {
      if (name === "cmd" && !down) log(`Shared queue: Redis unreachable (${err.message}); answering 503 until it is back.`);
      if (name === "cmd") down = true;
    });
    conn.on("ready", () => {
      if (name === "cmd" && down) log("Shared queue: Redis is back.");
      if (name === "cmd") down = false;
    });
    return conn;
  };
  const cmd = connect("cmd", { commandTimeout: 2000 });
  const scripts = {
    sharedJoin: [4, JOIN],
    sharedSize: [1, SIZE],
    sharedStart: [2, START],
    sharedComplete: [4, COMPLETE],
    sharedDrop: [1, DROP],
    sharedSnapshot: [3, SNAPSHOT],
    sharedForget: [1, FORGET],
  } as const;
  for (const [name, [numberOfKeys, lua]] of Object.entries(scripts)) cmd.defineCommand(name, { numberOfKeys, lua });
  const jobsConn = connect("jobs");
  const readConn = connect("read");
  const flagConn = connect("flags");
  const all = [cmd, jobsConn, readConn, flagConn];
  await Promise.race([
    Promise.all(all.map((c) => (c.status === "ready" ? undefined : new Promise((r) => c.once("ready", r))))),
    new Promise((r) => setTimeout(r, 5000).unref()),
  ]);

  let draining = false;
  const attachedParts: { queue: SharedQueue; flags: SharedFlags }[] = [];
  return {
    attach(ctx: SharedContext): SharedParts {
      const uploads = new SharedUploads(cmd, keys, ctx.uploadDir, { ttlMs: uploadTtlMs, maxBytes: uploadMaxBytes });
      const q = ctx.queue ?? {};
      const queue = new SharedQueue(
        cmd,
        jobsConn,
        readConn,
        keys,
        ctx,
        {
          concurrency: q.concurrency ?? 64,
          maxSize: q.maxSize ?? 1000,
          sessionTtlMs: q.sessionTtlMs ?? 10 * 60_000,
          claimIdleMs,
          consumer,
          forgetConsumerMs,
        },
        (data) => uploads.materialize(data),
      );
      const flags = new SharedFlags(cmd, flagConn, keys, ctx, consumer, uploads);
      attachedParts.push({ queue, flags });
      return {
        queue,
        saveUploads: (files, dir) => uploads.save(files, dir),
        materialize: (data) => uploads.materialize(data),
        flag: (inputs, outputs) => flags.flag(inputs, outputs),
      };
    },
    async ready() {
      if (draining || cmd.status !== "ready") return false;
      return (await cmd.ping().catch(() => "")) === "PONG";
    },
    async drain() {
      draining = true;
      await Promise.all(attachedParts.map((p) => p.queue.drain()));
    },
    async close() {
      draining = true;
      await Promise.all(
        attachedParts.map(async (p) => {
          await p.queue.close();
          await p.flags.close();
        }),
      );
      for (const c of all) c.disconnect();
    },
  };
}

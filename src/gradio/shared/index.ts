/**
 * Shared mode: `QUEUE_URL=redis://host:port` (Redis ≥ 7 or Valkey) makes this process one of
 * several replicas behind a plain round-robin balancer. The keys it uses are in `./keys.ts`.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Redis, type RedisOptions, type Result } from "ioredis";
import type { Backend, BackendContext } from "../backend.ts";
import type { SharedBackend } from "./backend.ts";
import { keysFor } from "./keys.ts";
import { SharedQueue } from "./queue.ts";
import { COMPLETE, DROP, FORGET, JOIN, SIZE, SNAPSHOT, START } from "./scripts.ts";
import { SharedFlags, SharedUploads } from "./store.ts";
import { SharedSessionState } from "./state.ts";

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
  const ready = async () => {
    if (draining || cmd.status !== "ready") return false;
    return (await cmd.ping().catch(() => "")) === "PONG";
  };
  const attachedParts: { queue: SharedQueue; flags: SharedFlags }[] = [];
  return {
    attach(ctx: BackendContext): Backend {
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
          limitOf: q.limitOf ?? (() => undefined),
        },
        (data) => uploads.materialize(data),
      );
      const flags = new SharedFlags(cmd, flagConn, keys, ctx, consumer, uploads);
      attachedParts.push({ queue, flags });
      return {
        queue,
        sessionState: new SharedSessionState(cmd, keys, q.sessionTtlMs ?? 10 * 60_000),
        // The standard parser: its File parts carry the size the Redis cap is checked against.
        readUploads: async (req) =>
          ([] as unknown[]).concat((await req.parseBody({ all: true })).files ?? []).filter((f): f is File => f instanceof File),
        saveUploads: (files) => uploads.save(files, ctx.uploadDir),
        materialize: (data) => uploads.materialize(data),
        flag: (inputs, outputs) => flags.flag(inputs, outputs),
        ready,
      };
    },
    ready,
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

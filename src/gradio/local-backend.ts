/** The embedded backend: one process holds the queue, the uploads (its folder) and the flags (its CSV). */
import type { Backend, BackendContext } from "./backend.ts";
import { Queue } from "./queue.ts";
import { readUploads, saveUploads } from "./uploads.ts";
import { SessionStates } from "./session-state.ts";

/**
 * The backend of a Space that runs as one process (no `QUEUE_URL`).
 *
 * @example
 * const backend = localBackend({ run, stats, describeError, uploadDir, flagLocal, flagFile });
 * await backend.queue.join([dataUrl], "session-1");
 */
export function localBackend(ctx: BackendContext): Backend {
  return {
    queue: new Queue(ctx.run, ctx.stats, ctx.describeError, ctx.queue),
    sessionState: new SessionStates(),
    readUploads: async (req) => readUploads(new Uint8Array(await req.arrayBuffer()), req.header("content-type")!),
    saveUploads: (files) => saveUploads(files, ctx.uploadDir),
    materialize: async (data) => data,
    flag: ctx.flagLocal,
    ready: async () => true,
  };
}

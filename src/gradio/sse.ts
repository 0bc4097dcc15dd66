/**
 * Server-sent events: the exact frames @gradio/client and curl read, and a Response whose
 * stream knows when the client goes away.
 */
import type { ServerMessage } from "./protocol.ts";

/** One `queue/data` frame. Every payload must be JSON: `data: ALIVE` crashes Node clients. */
export const dataFrame = (message: ServerMessage): string => `data: ${JSON.stringify(message)}\n\n`;

/** One curl-flow frame (`event: complete` … `data: […]`). */
export const eventFrame = (event: "generating" | "complete" | "error" | "heartbeat", data: unknown): string =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** What a stream's owner can do with it. */
export interface SseStream {
  write(frame: string): void;
  /** Ends the response (after the last frame). */
  close(): void;
}

/** How often an idle stream says it is alive: proxies cut silent connections. */
export const HEARTBEAT_MS = 15_000;

/**
 * A `text/event-stream` Response. `open` receives the stream and returns its cleanup, which
 * runs once: when `close()` is called or when the client disconnects. `heartbeat` is written
 * every {@link HEARTBEAT_MS}.
 *
 * @example
 * return sseResponse((stream) => { stream.write(dataFrame(m)); stream.close(); }, dataFrame({ msg: "heartbeat", event_id: null }));
 */
// biome-ignore lint/suspicious/noConfusingVoidType: `open` may return a cleanup or nothing at all, and `void` is how a callback says "nothing".
export function sseResponse(open: (stream: SseStream) => (() => void) | void, heartbeat: string, heartbeatMs = HEARTBEAT_MS): Response {
  const encoder = new TextEncoder();
  let finish = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let done = false;
      let cleanup: (() => void) | undefined;
      const timer = setInterval(() => stream.write(heartbeat), heartbeatMs);
      timer.unref();
      finish = () => {
        if (done) return;
        done = true;
        clearInterval(timer);
        cleanup?.();
      };
      // Frames written in one tick (estimation, process_starts, … close_stream) leave as one
      // chunk: one socket write instead of one each.
      let pending = "";
      const flush = () => {
        if (pending && !done) controller.enqueue(encoder.encode(pending));
        pending = "";
      };
      const stream: SseStream = {
        write(frame) {
          if (done) return;
          if (!pending) queueMicrotask(flush);
          pending += frame;
        },
        close() {
          if (done) return;
          flush();
          finish();
          controller.close();
        },
      };
      cleanup = open(stream) ?? undefined;
      if (done) cleanup?.(); // closed while opening (everything was already buffered)
    },
    cancel() {
      finish(); // the client went away
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" },
  });
}

/**
 * What a Space's app answered, read off the bytes the host forwards during a rollout: the top
 * label of a prediction (to compare two revisions), and the frames of its result streams
 * (queue `process_completed`, curl `/call` `complete`/`error`) to tell when a call ended and
 * whether it failed. Parsing is incremental (push a chunk, get the frames it completed), so the
 * proxy can read a stream as it passes to the visitor without holding it up.
 */
import { parseObject } from "./calls.ts";

/** A prediction's top label, as a Label component returns it ({label, confidences, ood}). */
export interface TopLabel {
  label: string;
  confidences: Record<string, number>;
}

/** A label, or null when the answer was an error. */
export type Answer = TopLabel | null;

/**
 * The first Label in a response value (`{data: [{label, confidences}]}`, an SSE payload, …), or undefined.
 *
 * @example
 * topLabel({ data: [{ label: "Boot", confidences: [{ label: "Boot", confidence: 0.9 }] }] }) // → { label: "Boot", confidences: { Boot: 0.9 } }
 */
export function topLabel(value: unknown, depth = 0): TopLabel | undefined {
  if (depth > 6 || value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = topLabel(item, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.label === "string") {
    const confidences: Record<string, number> = {};
    if (Array.isArray(v.confidences))
      for (const c of v.confidences as { label?: unknown; confidence?: unknown }[])
        if (typeof c?.label === "string" && typeof c.confidence === "number") confidences[c.label] = c.confidence;
    return { label: v.label, confidences };
  }
  return topLabel(v.data ?? v.output, depth + 1);
}

/** One server-sent event. */
export interface SseFrame {
  event?: string;
  data: string;
}

/** A frame longer than this is not a stream this reads: parsing stops (the bytes still flow). */
const MAX_FRAME = 4 << 20;

/**
 * Server-sent event frames from chunks as they arrive.
 *
 * @example
 * const parser = new SseParser();
 * parser.push(Buffer.from("event: complete\ndata: [1]\n\nda")); // → [{ event: "complete", data: "[1]" }]
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private broken = false;

  /** The frames this chunk completes. */
  push(chunk: Uint8Array): SseFrame[] {
    if (this.broken) return [];
    this.buffer += this.decoder.decode(chunk, { stream: true }).replace(/\r/g, "");
    const frames: SseFrame[] = [];
    for (let end = this.buffer.indexOf("\n\n"); end >= 0; end = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      frames.push({ event, data: data.join("\n") });
    }
    if (this.buffer.length > MAX_FRAME) {
      this.broken = true;
      this.buffer = "";
    }
    return frames;
  }
}

/** The frames of a whole stream (a Node response, a web ReadableStream: anything async-iterable). */
export async function* sseFrames(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseFrame> {
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.push(chunk);
}

/** How a call ended, read from one frame of its result stream. */
export interface Completion {
  /** The queue's event_id (undefined on a curl `/call` stream, which carries one call). */
  eventId?: string;
  ok: boolean;
  answer: Answer;
}

/**
 * A queue/data frame's `process_completed` (a failed call has `success: false`), else undefined.
 *
 * @example
 * queueCompletion({ data: '{"msg":"process_completed","event_id":"e1","success":false,"output":{"error":"boom"}}' }) // → { eventId: "e1", ok: false, answer: null }
 */
export function queueCompletion(frame: SseFrame): Completion | undefined {
  const m = parseObject(frame.data) as { msg?: string; event_id?: unknown; success?: boolean; output?: unknown } | undefined;
  if (m?.msg !== "process_completed" || typeof m.event_id !== "string") return undefined;
  const ok = m.success !== false;
  return { eventId: m.event_id, ok, answer: ok ? (topLabel(m.output) ?? null) : null };
}

/** A curl `/call` result frame that ends the call (`event: complete` or `event: error`), else undefined. */
export function callCompletion(frame: SseFrame): Completion | undefined {
  if (frame.event === "complete") return { ok: true, answer: topLabel(parseObject(frame.data)) ?? null };
  if (frame.event === "error") return { ok: false, answer: null };
  return undefined;
}

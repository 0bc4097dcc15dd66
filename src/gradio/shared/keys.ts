/**
 * Shared mode's key names, under `QUEUE_PREFIX` (default `gradio:`):
 *
 * | key | type | what | lifetime |
 * |---|---|---|---|
 * | `jobs` | Stream, group `workers` | one entry per queued call: event id, session, inputs, fn_index, whether a session was given, the public URL | deleted when answered |
 * | `sess:<session>` | Stream | the session's messages (estimation … close_stream), read by whichever replica holds its SSE | session TTL (10 min), renewed on each message |
 * | `pending:<session>` | Set | events joined and not answered | session TTL |
 * | `cursor:<session>` | String | last message delivered to the session's stream | session TTL |
 * | `event:<id>` | String | the event's session (for cancel) | session TTL |
 * | `done:<id>` | String | the event is answered: a second answer (re-delivered job) is dropped | session TTL |
 * | `state:<session>` | Hash | the session's State values: component id → JSON | session TTL, renewed on each save |
 * | `file:<sha256>/<name>` | String (bytes) | an upload, for the replicas that did not take it | `QUEUE_UPLOAD_TTL_MS` (1 h) |
 * | `flags` | Stream, group `csv` | flags, written to the CSV by one replica | kept (last 100 000) |
 * | `flag-writer` | String | the elected flag writer | 10 s, renewed |
 * | `flag-reply:<id>` | String | a flag's row, for the replica that took it | 60 s |
 */

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
  state(hash: string): string;
  file(rel: string): string;
  flags: string;
  flagGroup: string;
  flagWriter: string;
  flagReply(id: string): string;
}

/**
 * The key names under prefix `p`.
 *
 * @example
 * keysFor("gradio:").sess("abc") // → "gradio:sess:abc"
 */
export const keysFor = (p: string): Keys => ({
  group: "workers",
  jobs: `${p}jobs`,
  sessPrefix: `${p}sess:`,
  sess: (h) => `${p}sess:${h}`,
  pending: (h) => `${p}pending:${h}`,
  cursor: (h) => `${p}cursor:${h}`,
  event: (id) => `${p}event:${id}`,
  done: (id) => `${p}done:${id}`,
  state: (h) => `${p}state:${h}`,
  file: (rel) => `${p}file:${rel}`,
  flags: `${p}flags`,
  flagGroup: "csv",
  flagWriter: `${p}flag-writer`,
  flagReply: (id) => `${p}flag-reply:${id}`,
});

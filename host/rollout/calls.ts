/**
 * The Gradio calls the host tells apart in a proxied request, by method and path: the proxy
 * routes a queue session and a curl `/call` result to the process that holds them, and a
 * rollout counts, mirrors and reads these (`tap.ts`).
 */

/** A prediction (`/api/…`, `/run/…`), a curl call and its result stream, a queue join and its stream. */
export type CallKind = "predict" | "call" | "join" | "call-result" | "queue-data";

const PREDICT = /^(\/gradio_api)?\/(api|run)\/[^/]+\/?$/;
const CALL = /^(\/gradio_api)?\/call\/(v2\/)?[^/]+\/?$/;
const CALL_RESULT = /^(\/gradio_api)?\/call\/(v2\/)?[^/]+\/([^/]+)\/?$/;

/**
 * @param path the app's path, e.g. /gradio_api/queue/join
 * @example
 * callKind("GET", "/gradio_api/call/predict/abc") // → "call-result"
 */
export function callKind(method: string, path: string): CallKind | undefined {
  if (method === "POST") {
    if (path.endsWith("/gradio_api/queue/join")) return "join";
    if (PREDICT.test(path)) return "predict";
    if (CALL.test(path)) return "call";
  } else if (method === "GET") {
    if (path.endsWith("/gradio_api/queue/data")) return "queue-data";
    if (CALL_RESULT.test(path)) return "call-result";
  }
  return undefined;
}

/** The event_id in a curl `/call` result path (`/call/predict/<event_id>`), if it is one. */
export const resultEvent = (path: string): string | undefined => path.match(CALL_RESULT)?.[3];

/** Remembers `key` → `address`, keeping the map bounded (oldest out first). */
export function pin(map: Map<string, string>, key: string, address: string): void {
  map.set(key, address);
  if (map.size > 10_000) map.delete(map.keys().next().value!);
}

/** A JSON object from text, or undefined (the app itself answers a malformed body). */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

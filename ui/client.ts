/**
 * The page's Gradio client: upload, queue/join, and the queue/data stream — the same protocol
 * @gradio/client speaks, in a few hundred bytes instead of its hundreds of kilobytes.
 */

import type { AppConfig, ErrorPayload, FileData, ServerMessage } from "../src/gradio/protocol.ts";

/** Progress of one call, as the status overlay shows it. */
export type Status = { stage: "queued"; position: number; size: number; eta: number | null } | { stage: "processing"; eta: number | null };

/** A failure whose message came from the server (or says the connection broke). */
export class CallError extends Error {
  constructor(
    message: string,
    readonly connectionLost = false,
  ) {
    super(message);
  }
}

/** The app's public URL, as the server put it in the page. */
export const ROOT: string = (window as unknown as { __SPACE_ROOT__: string }).__SPACE_ROOT__;
/** Where the API routes are: the root plus the config's `api_prefix` (set by {@link setApiPrefix} once /config is read). */
export let API = ROOT;

/**
 * Takes the API prefix from /config (`api_prefix`), as @gradio/client does, rather than assuming "/gradio_api".
 *
 * @example
 * setApiPrefix(config.api_prefix); // API is now `${ROOT}/gradio_api`
 */
export function setApiPrefix(prefix: string): void {
  API = `${ROOT}${prefix}`;
}

/**
 * Whoever answers the page when it is not the Space's server over HTTP: in a static Space
 * (`npm run build:static`, src/browser/), the app itself, running in this page. Its calls fail
 * with an `Error` whose message the page shows.
 *
 * @example
 * useTransport(Promise.resolve({ config: async () => config, upload: async (blob, name) => fileData, predict: async (data) => outputs }));
 */
export interface Transport {
  config(): Promise<AppConfig>;
  upload(file: Blob, name: string): Promise<FileData>;
  predict(data: unknown[], onStatus: (s: Status) => void): Promise<unknown[]>;
}

let local: Promise<Transport> | undefined;

/**
 * Answers the page's calls with `transport` instead of HTTP; set before the page asks for its config.
 *
 * @example
 * useTransport(launched); // a Promise<Transport> the app resolves once its model is loaded
 */
export function useTransport(transport: Promise<Transport>): void {
  local = transport;
}

/** The app's config: from the transport when there is one, else `GET /config`. */
export async function loadConfig(): Promise<AppConfig> {
  if (local) return (await local).config();
  return (await fetch(`${ROOT}/config`)).json();
}

/** The response's JSON; a non-2xx answer becomes a CallError with the server's message. Callers state the shape they expect. */
async function json(response: Response): Promise<unknown> {
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const failure = body as { detail?: string; error?: string }; // FastAPI's `detail`, or this server's ErrorPayload
    throw new CallError(failure.detail ?? failure.error ?? `HTTP ${response.status}`);
  }
  return body;
}

/** POSTs JSON; a network failure becomes a CallError with connectionLost. */
export async function post(path: string, body: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${API}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new CallError("Connection to the Space was lost.", true);
  }
  return json(response);
}

/** Uploads one file; returns FileData for it. */
export async function upload(file: Blob, name: string): Promise<FileData> {
  if (local) return (await local).upload(file, name);
  const form = new FormData();
  form.append("files", file, name);
  let response: Response;
  try {
    response = await fetch(`${API}/upload`, { method: "POST", body: form });
  } catch {
    throw new CallError("Connection to the Space was lost.", true);
  }
  const [path] = (await json(response)) as string[];
  return { path: path!, orig_name: name, meta: { _type: "gradio.FileData" } };
}

/**
 * Queues a call and follows it on its own SSE stream until `process_completed`.
 * Resolves with the outputs' wire values; rejects with the server's message.
 */
export async function predict(data: unknown[], onStatus: (s: Status) => void): Promise<unknown[]> {
  if (local) {
    const transport = await local;
    return transport.predict(data, onStatus).catch((err: Error) => Promise.reject(new CallError(err.message)));
  }
  const session = Math.random().toString(36).slice(2);
  const { event_id } = (await post("/queue/join", { data, fn_index: 0, session_hash: session })) as { event_id: string };
  return new Promise((resolve, reject) => {
    const source = new EventSource(`${API}/queue/data?session_hash=${session}`);
    source.onmessage = (event) => {
      const m = JSON.parse(event.data) as ServerMessage;
      if (m.msg === "estimation" && m.event_id === event_id)
        onStatus({ stage: "queued", position: m.rank + 1, size: m.queue_size, eta: m.rank_eta });
      else if (m.msg === "process_starts") onStatus({ stage: "processing", eta: m.eta });
      else if (m.msg === "process_completed") {
        source.close();
        if (m.success) resolve((m.output as { data: unknown[] }).data);
        else reject(new CallError((m.output as ErrorPayload).error ?? "Something went wrong in the Space (its log has the details)."));
      } else if (m.msg === "unexpected_error") {
        source.close();
        reject(new CallError(m.message));
      } else if (m.msg === "close_stream") source.close();
    };
    source.onerror = () => {
      source.close(); // EventSource would reconnect for ever; the page recovers its own way
      reject(new CallError("Connection to the Space was lost.", true));
    };
  });
}

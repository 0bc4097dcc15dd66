/**
 * The page's Gradio client: upload, queue/join, and the queue/data stream — the same protocol
 * @gradio/client speaks, in a few hundred bytes instead of its hundreds of kilobytes.
 */

import type { AppConfig, ErrorPayload, FileData, ProgressUnit, ServerMessage } from "../src/gradio/protocol.ts";

/** Progress of one call, as the status overlay shows it. */
export type Status = { stage: "queued"; position: number; size: number; eta: number | null } | { stage: "processing"; eta: number | null };

/** A failure whose message came from the server (or says the connection broke). */
export class CallError extends Error {
  constructor(
    message: string,
    readonly connectionLost = false,
    /** The server's error payload (title, duration, visible), when it sent one. */
    readonly payload?: ErrorPayload,
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
 * with an `Error` whose message the page shows. It answers the Interface's one endpoint.
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

/** What a call reports while it runs, besides its result. */
export interface CallHandlers {
  status?(status: Status): void;
  /** `gr.Progress` updates: one bar per tracker. */
  progress?(units: ProgressUnit[]): void;
  /** `gr.Info` / `gr.Warning` (and `log` of other levels). */
  log?(message: LogMessage): void;
  /** A generator's intermediate outputs (each `yield`), already merged with earlier ones. */
  generating?(data: unknown[]): void;
  /** The event joined the queue: `cancel` stops it (Gradio's Stop button, a dependency's `cancels`). */
  joined?(cancel: () => Promise<void>): void;
}

/** A `log` message from the stream. */
export type LogMessage = Extract<ServerMessage, { msg: "log" }>;

type Listener = (m: ServerMessage) => void;

/**
 * One browser session, as Gradio's page has: one `session_hash` per page load (so the server's
 * State is this page's), and one `queue/data` stream carrying every event of the session, open
 * while any is pending (sse_v3, as @gradio/client's open_stream).
 *
 * @example
 * const session = new Session();
 * const outputs = await session.submit(2, ["Ada"], { triggerId: 5 }, { status: show });
 */
export class Session {
  readonly hash = Math.random().toString(36).slice(2);
  private source: EventSource | undefined;
  private readonly listeners = new Map<string, { listener: Listener; lost: () => void }>();
  /** Messages for an event whose join has not answered yet. */
  private readonly early = new Map<string, ServerMessage[]>();
  /** Events this page cancelled: their late messages are dropped. */
  private readonly cancelled = new Set<string>();

  /**
   * Joins the queue for endpoint `fnIndex` and resolves with the outputs' wire values (null when
   * the event was cancelled before it yielded anything); rejects with the server's message.
   */
  async submit(
    fnIndex: number,
    data: unknown[],
    { triggerId = null, eventData = null }: { triggerId?: number | null; eventData?: unknown } = {},
    handlers: CallHandlers = {},
  ): Promise<unknown[] | null> {
    const body = { data, fn_index: fnIndex, session_hash: this.hash, trigger_id: triggerId, event_data: eventData };
    const { event_id } = (await post("/queue/join", body)) as { event_id: string };
    return new Promise((resolve, reject) => {
      /** The outputs as the generator's yields built them so far (each process_generating is a diff against the last). */
      let generated: unknown[] | undefined;
      const finish = (values: unknown[] | null) => {
        this.listeners.delete(event_id);
        resolve(values);
      };
      const listener: Listener = (m) => {
        if (m.msg === "estimation") handlers.status?.({ stage: "queued", position: m.rank + 1, size: m.queue_size, eta: m.rank_eta });
        else if (m.msg === "process_starts") handlers.status?.({ stage: "processing", eta: m.eta });
        else if (m.msg === "progress") handlers.progress?.(m.progress_data);
        else if (m.msg === "log") handlers.log?.(m);
        else if (m.msg === "process_generating") {
          const out = (m.output as { data?: unknown[] }).data ?? [];
          // As @gradio/client's apply_diff_stream: the first yield is whole, later ones are diffs.
          generated = generated ? out.map((diff, i) => applyDiff(generated![i] ?? null, diff)) : out;
          handlers.generating?.(generated);
        } else if (m.msg === "process_completed") {
          if (m.success) {
            // Whole values (as @gradio/client reads them); a cancelled event completes with an empty
            // list: the outputs keep what the generator last yielded.
            const out = (m.output as { data?: unknown[] }).data;
            finish(out?.length ? out : (generated ?? null));
          } else {
            this.listeners.delete(event_id);
            reject(
              new CallError(
                (m.output as ErrorPayload).error ?? "Something went wrong in the Space (its log has the details).",
                false,
                m.output as ErrorPayload,
              ),
            );
          }
        } else if (m.msg === "unexpected_error") {
          this.listeners.delete(event_id);
          reject(new CallError(m.message));
        }
      };
      const lost = () => reject(new CallError("Connection to the Space was lost.", true));
      this.listeners.set(event_id, { listener, lost });
      for (const m of this.early.get(event_id) ?? []) listener(m);
      this.early.delete(event_id);
      handlers.joined?.(async () => {
        if (!this.listeners.has(event_id)) return;
        // Gradio's page: POST /cancel {event_id, session_hash, fn_index}; the server ends the event
        // with an empty process_completed. Should that not come, the page stops waiting anyway.
        this.cancelled.add(event_id);
        await post("/cancel", { event_id, session_hash: this.hash, fn_index: fnIndex }).catch(() => {});
        if (this.listeners.has(event_id)) finish(generated ?? null);
      });
      this.open();
    });
  }

  private open(): void {
    if (this.source) return;
    const source = new EventSource(`${API}/queue/data?session_hash=${encodeURIComponent(this.hash)}`);
    this.source = source;
    source.onmessage = (event) => {
      const m = JSON.parse(event.data) as ServerMessage;
      if (m.msg === "close_stream") {
        this.close();
        // An event joined after the server decided to close: its messages wait for a new stream.
        if (this.listeners.size) this.open();
        return;
      }
      if (!m.event_id) return; // heartbeat
      const listener = this.listeners.get(m.event_id)?.listener;
      if (listener) listener(m);
      else if (this.cancelled.has(m.event_id)) {
        if (m.msg === "process_completed") this.cancelled.delete(m.event_id);
      } else this.early.set(m.event_id, [...(this.early.get(m.event_id) ?? []), m]);
    };
    source.onerror = () => {
      this.close(); // EventSource would reconnect for ever; the page recovers its own way
      const pending = [...this.listeners.values()];
      this.listeners.clear();
      for (const { lost } of pending) lost();
    };
  }

  private close(): void {
    this.source?.close();
    this.source = undefined;
  }
}

/**
 * Applies one output's diff from a generator's `process_generating` (gradio utils.diff: a list of
 * `[action, path, value]`), as @gradio/client's apply_diff does, on a copy (widgets may hold the
 * previous value). A value that is not a diff replaces the previous one.
 */
export function applyDiff(previous: unknown, diff: unknown): unknown {
  const isDiff =
    Array.isArray(diff) && diff.every((d) => Array.isArray(d) && d.length === 3 && ["replace", "append", "add", "delete"].includes(d[0]));
  if (!isDiff) return diff;
  let result = structuredClone(previous);
  for (const [action, path, value] of diff as [string, (string | number)[], unknown][]) {
    if (path.length === 0) {
      result = action === "append" ? `${result as string}${value as string}` : value;
      continue;
    }
    let parent = result as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const key = path.at(-1)!;
    if (action === "replace") parent[key] = value;
    else if (action === "append") parent[key] = `${parent[key] as string}${value as string}`;
    else if (action === "add") {
      if (Array.isArray(parent)) parent.splice(Number(key), 0, value);
      else parent[key] = value;
    } else if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  }
  return result;
}

/** The page's session: one per page load. */
export const session = new Session();

/**
 * Runs the Interface's endpoint (fn_index 0) in the page's session; resolves with the outputs' wire values.
 *
 * @example
 * const [label] = await predict([imageFileData], showStatus);
 */
export async function predict(data: unknown[], onStatus: (s: Status) => void, handlers: CallHandlers = {}): Promise<unknown[] | null> {
  if (local) {
    const transport = await local;
    return transport.predict(data, onStatus).catch((err: Error) => Promise.reject(new CallError(err.message)));
  }
  return session.submit(0, data, {}, { ...handlers, status: onStatus });
}

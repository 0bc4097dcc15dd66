/**
 * The wire messages, defined once (mirrors gradio's data_classes.py and @gradio/client's
 * types). Field names stay snake_case exactly as clients send them. The page (ui/) imports its
 * wire types from here too.
 */
import type { ErrorPayload } from "../errors.ts";
import type { LogMessage, ProgressMessage } from "../blocks/messages.ts";

export type { ProgressUnit } from "../blocks/messages.ts";

/** Route paths (mirrors @gradio/client src/constants.ts). */
export const API_PREFIX = "/gradio_api";

// Component wire values are defined beside their components (components/ must not import
// gradio/); they are re-exported here so a client has one module of wire types.
export type { FileData } from "../components/file-data.ts";
export type { LabelData } from "../components/label.ts";

/** Their 200 response: Gradio 3's shape plus the keys Gradio 4–6 add. */
export interface PredictResponse {
  data: unknown[];
  is_generating: false;
  duration: number;
  average_duration: number;
  render_config: null;
  /** The State outputs the call set (the page keeps nothing of them: State stays on the server). */
  changed_state_ids: number[];
}

/** Builds a {@link PredictResponse}. */
export const predictResponse = (
  data: unknown[],
  duration: number,
  averageDuration: number,
  changedState: number[] = [],
): PredictResponse => ({
  data,
  is_generating: false,
  duration,
  average_duration: averageDuration,
  render_config: null,
  changed_state_ids: changedState,
});

// Defined beside errorPayload(), which builds it (errors.ts is shared by every part).
export type { ErrorPayload };

/** One component in `GET /config` (gradio blocks.py get_config_file). */
export interface ComponentConfig {
  id: number;
  type: string;
  /** Gradio's props, plus `max_upload_side` for an Image (the page shrinks larger pictures). */
  props: { label?: string; max_upload_side?: number; [prop: string]: unknown };
  skip_api: boolean;
  key: null;
  api_info?: Record<string, unknown>;
  api_info_as_input?: Record<string, unknown>;
  api_info_as_output?: Record<string, unknown>;
}

/** One event handler in `GET /config` (gradio BlockFunction.get_config); an Interface has one, `dependencies[0]` (fn_index 0). */
export interface DependencyConfig {
  id: number;
  /** `[componentId, event]`; `[null, "then"|"success"|"failure"]` for a chained one, `[rootId, "load"]` for Blocks.load. */
  targets: [number | null, string][];
  inputs: number[];
  outputs: number[];
  api_name: string;
  api_visibility: "public" | "undocumented" | "private";
  queue: boolean;
  show_progress: "full" | "minimal" | "hidden";
  trigger_after: number | null;
  trigger_only_on_success: boolean;
  trigger_only_on_failure: boolean;
  trigger_mode: "once" | "multiple" | "always_last";
  backend_fn: boolean;
  [field: string]: unknown;
}

/** The layout tree in `GET /config`: the root is the Blocks (id 0); layouts have children. */
export interface LayoutNode {
  id: number;
  children?: LayoutNode[];
}

/**
 * `GET /config` (Gradio 6's shape), plus what the page needs beyond it: `examples`,
 * `example_outputs` and `flagging_mode` (clients ignore unknown keys).
 *
 * @example
 * const config: AppConfig = await (await fetch(`${root}/config`)).json();
 * const api = `${config.root}${config.api_prefix}`; // "https://h/gradio_api"
 */
export interface AppConfig {
  version: string;
  api_prefix: string;
  app_id: number;
  title: string;
  /** HTML, rendered on the server from the Interface's Markdown and safe to show. */
  description: string;
  /** HTML, as `description`. */
  article: string;
  components: ComponentConfig[];
  dependencies: DependencyConfig[];
  protocol: "sse_v3";
  root: string;
  /** One row per example, one wire value per input (FileData with a `url` for files). */
  examples: unknown[][];
  /** The outputs of each example once computed, else null. */
  example_outputs: (unknown[] | null)[];
  flagging_mode: "manual" | "never";
  [field: string]: unknown;
}

/** A parameter (or return value) of an endpoint in `GET /gradio_api/info`. */
export interface ApiParameter {
  label: string;
  /** Parameters only: the key of the curl API v2 body. */
  parameter_name?: string;
  parameter_has_default?: boolean;
  parameter_default?: unknown;
  type: Record<string, unknown>;
  python_type: { type: string; description: string };
  component: string;
  example_input?: unknown;
}

/**
 * `GET /gradio_api/info` (gradio get_api_info).
 *
 * @example
 * const info: ApiInfo = await (await fetch(`${api}/info`)).json();
 * info.named_endpoints["/predict"]!.parameters[0]!.component // → "Image"
 */
export interface ApiInfo {
  named_endpoints: Record<
    string,
    { parameters: ApiParameter[]; returns: ApiParameter[]; api_visibility: "public" | "undocumented"; description: string }
  >;
  unnamed_endpoints: Record<string, never>;
}

/** Body of `POST /gradio_api/queue/join` and of the one-shot routes (gradio PredictBody); unknown fields are ignored. */
export interface JoinBody {
  data: unknown[];
  fn_index?: number | null;
  session_hash?: string | null;
  event_data?: unknown;
  trigger_id?: number | null;
}

/** The `output` of a successful `process_completed` is the one-shot response; it must not contain an `error` key. */
export type CompletedOutput = PredictResponse;

/** The `output` of a `process_generating`: the one-shot response with `is_generating: true`. */
export type GeneratingOutput = Omit<PredictResponse, "is_generating"> & { is_generating: true };

/**
 * One yield of a generator (gradio server_messages.ProcessGeneratingMessage). The queue carries
 * each output's full value; `queue/data` sends the first yield whole and each later one as
 * Gradio's diff of the previous (`[["append", [], " more"]]`, @gradio/client apply_diff), while
 * the curl stream sends full values (gradio's `simple_format`).
 */
export interface GeneratingMessage {
  msg: "process_generating";
  output: GeneratingOutput;
  success: true;
  time_limit: null;
}

/** Builds a {@link GeneratingMessage} (without its event id). */
export const generatingMessage = (
  data: unknown[],
  duration: number,
  averageDuration: number,
  changedState: number[] = [],
): GeneratingMessage => ({
  msg: "process_generating",
  output: { ...predictResponse(data, duration, averageDuration, changedState), is_generating: true },
  success: true,
  time_limit: null,
});

/**
 * What a cancelled event completes with. @gradio/client reads `output.data` of every successful
 * `process_completed` (an empty `output` throws inside it and reaches the caller as "An
 * Unexpected Error Occurred!"), so it gets an empty list: no new values; the page keeps what the
 * generator last yielded.
 *
 * @example
 * queue.emit(cancelledMessage("3f2c…")) // → { msg: "process_completed", output: { data: [], is_generating: false, … }, success: true, … }
 */
export const cancelledMessage = (eventId: string): ServerMessage => ({
  msg: "process_completed",
  event_id: eventId,
  output: predictResponse([], 0, 0),
  success: true,
  title: null,
});

/**
 * Messages on the `queue/data` SSE stream (mirrors gradio server_messages.py). Each one is one
 * `data: <json>` frame; `event_id` is null when a message concerns the whole session.
 */
export type ServerMessage =
  | { msg: "estimation"; event_id: string; rank: number; queue_size: number; rank_eta: number | null }
  | { msg: "process_starts"; event_id: string; eta: number | null }
  | {
      msg: "process_completed";
      event_id: string;
      output: CompletedOutput | ErrorPayload;
      success: boolean;
      title: string | null;
    }
  | (LogMessage & { event_id: string })
  | (ProgressMessage & { event_id: string })
  | (GeneratingMessage & { event_id: string })
  | { msg: "heartbeat"; event_id: null }
  | { msg: "unexpected_error"; event_id: null; message: string; session_not_found: boolean; success: false }
  | { msg: "close_stream"; event_id: null };

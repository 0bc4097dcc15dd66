/**
 * The wire messages, defined once (mirrors gradio's data_classes.py and @gradio/client's
 * types). Field names stay snake_case exactly as clients send them.
 */

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
  changed_state_ids: [];
}

/** Builds a {@link PredictResponse}. */
export const predictResponse = (data: unknown[], duration: number, averageDuration: number): PredictResponse => ({
  data, is_generating: false, duration, average_duration: averageDuration, render_config: null, changed_state_ids: [],
});

/** What a failed call carries (gradio `error_payload`): `error` is null when the message is hidden. */
export interface ErrorPayload {
  error: string | null;
  title?: string;
  duration?: number | null;
  visible?: boolean;
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
      output: CompletedOutput | ErrorPayload | Record<string, never>;
      success: boolean;
      title: string | null;
    }
  | { msg: "heartbeat"; event_id: null }
  | { msg: "unexpected_error"; event_id: null; message: string; session_not_found: boolean; success: false }
  | { msg: "close_stream"; event_id: null };

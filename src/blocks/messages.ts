/**
 * The messages a running event sends before it completes, in Gradio's shapes
 * (gradio/server_messages.py). Types only, so the page can import them.
 */

/** A `log` message (gradio server_messages.LogMessage), without its event id. */
export interface LogMessage {
  msg: "log";
  log: string;
  level: "info" | "warning";
  duration: number | null;
  visible: boolean;
  title: string;
}

/** One unit of a `progress` message (gradio ProgressUnit). */
export interface ProgressUnit {
  index: number | null;
  length: number | null;
  unit: string | null;
  progress: number | null;
  desc: string | null;
}

/** A `progress` message (gradio server_messages.ProgressMessage), without its event id. */
export interface ProgressMessage {
  msg: "progress";
  progress_data: ProgressUnit[];
}

/** What a running event may send before it completes. */
export type EventMessage = LogMessage | ProgressMessage;

/**
 * What an event function tells the user while it runs, as Gradio's `gr.Error`, `gr.Warning`,
 * `gr.Info` and `gr.Progress`: an error ends the event with its message; warnings, infos and
 * progress go to the event's stream as `log` and `progress` messages. The running event is
 * found through AsyncLocalStorage, so `warning()` works from any depth of `fn`, sync or async.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ProgressTracker } from "../components/component.ts";
import { AppError } from "../errors.ts";
import type { EventMessage, ProgressUnit } from "./messages.ts";

export type { EventMessage, LogMessage, ProgressMessage, ProgressUnit } from "./messages.ts";

/** The running event, as `warning()` and the progress tracker find it. */
interface Running {
  emit(message: EventMessage): void;
}

const running = new AsyncLocalStorage<Running>();

/**
 * Runs `fn` as an event whose messages go to `emit` (the queue passes its job's stream).
 *
 * @example
 * await runWithMessages((m) => send({ ...m, event_id }), () => dep.fn(...args));
 */
export function runWithMessages<T>(emit: (message: EventMessage) => void, fn: () => T): T {
  return running.run({ emit }, fn);
}

/**
 * Gradio's `gr.Error`: throw it from an event function and the event ends with this message,
 * shown to the user as a toast (the client rejects with it). Any other exception's message is
 * hidden unless the app sets `showError`.
 *
 * @example
 * if (num2 === 0) throw new GradioError("Cannot divide by zero!");
 */
export class GradioError extends AppError {
  constructor(message: string, options?: { duration?: number | null; visible?: boolean; title?: string }) {
    super(message, options);
    this.name = "GradioError";
  }
}

/** Options of {@link warning} and {@link info} (Gradio's). */
export interface ToastOptions {
  /** Seconds to show it; null until closed (default 10). */
  duration?: number | null;
  visible?: boolean;
  title?: string;
}

function log(level: "info" | "warning", message: string, options: ToastOptions): void {
  const event = running.getStore();
  if (!event) {
    // Outside an event (at start, in a test), there is nobody to tell: the log keeps it.
    console.warn(`${level}: ${message}`);
    return;
  }
  const title = options.title ?? (level === "warning" ? "Warning" : "Info");
  event.emit({
    msg: "log",
    log: message,
    level,
    duration: options.duration === undefined ? 10 : options.duration,
    visible: options.visible ?? true,
    title,
  });
}

/**
 * Gradio's `gr.Warning(message)`: a yellow toast on the page, a `log` message (level
 * "warning") to clients; the event goes on.
 *
 * @example
 * if (text.length > 1000) warning("Long text: only the first 1000 characters are used.");
 */
export function warning(message: string, options: ToastOptions = {}): void {
  log("warning", message, options);
}

/**
 * Gradio's `gr.Info(message)`: a toast on the page, a `log` message (level "info") to clients.
 *
 * @example
 * info("Model loaded from cache.");
 */
export function info(message: string, options: ToastOptions = {}): void {
  log("info", message, options);
}

/**
 * A progress tracker for the running event (gradio `gr.Progress`): what an event with
 * `progress: true` passes to its `fn`. Outside an event it does nothing.
 *
 * @example
 * const progress = createProgress();
 * progress(0.25, { desc: "Loading" });
 * for (const item of progress.tqdm(items, { desc: "Items" })) { … }
 */
export function createProgress(): ProgressTracker {
  const send = (unit: ProgressUnit) => running.getStore()?.emit({ msg: "progress", progress_data: [unit] });
  const tracker = ((progress, options = {}) => {
    const desc = options.desc ?? null;
    if (Array.isArray(progress)) {
      send({ index: progress[0], length: progress[1], unit: options.unit ?? "steps", progress: null, desc });
    } else {
      send({ index: null, length: null, unit: options.unit ?? "steps", progress, desc });
    }
  }) as ProgressTracker;
  tracker.tqdm = function* <T>(iterable: Iterable<T>, options: { desc?: string; unit?: string; total?: number } = {}) {
    const total = options.total ?? (Array.isArray(iterable) ? iterable.length : null);
    let index = 0;
    const unit = options.unit ?? "steps";
    send({ index, length: total, unit, progress: null, desc: options.desc ?? null });
    for (const item of iterable) {
      yield item;
      index++;
      send({ index, length: total, unit, progress: null, desc: options.desc ?? null });
    }
  };
  return tracker;
}

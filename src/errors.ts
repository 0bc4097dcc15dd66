/**
 * Error classes, each with the HTTP status it stands for. `gradio/app.ts` turns them into responses
 * in one place (its `onError`); nothing else chooses a status.
 */

/**
 * An error whose message the user should see, as Gradio's `gr.Error`: throw it from your `fn`
 * and the message reaches the caller verbatim. Any other exception is shown as a generic
 * message unless the Interface sets `showError`.
 *
 * @example
 * if (!image) throw new AppError("Please upload an image of a garment.");
 */
export class AppError extends Error {
  readonly status = 500;
  /** Gradio's toast fields: seconds to show it (null = until closed), whether to show it, its title. */
  readonly duration: number | null;
  readonly visible: boolean;
  readonly title: string;
  constructor(
    message: string,
    { duration = 10, visible = true, title = "Error" }: { duration?: number | null; visible?: boolean; title?: string } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.duration = duration;
    this.visible = visible;
    this.title = title;
  }
}

/** HTTP statuses used for bad requests. */
export type InputStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422;

/**
 * The request itself is wrong (not an image, malformed JSON, too many pixels, wrong number of
 * inputs…). Its message names what was expected and what arrived; it is always shown.
 *
 * @example
 * throw new InputError("Expected 1 input (image), got 2.", 422);
 */
export class InputError extends Error {
  readonly status: InputStatus;
  constructor(message: string, status: InputStatus = 400) {
    super(message);
    this.name = "InputError";
    this.status = status;
  }
}

/** The server cannot take more work now (e.g. the queue is full). */
export class BusyError extends Error {
  readonly status = 503;
  constructor(message: string) {
    super(message);
    this.name = "BusyError";
  }
}

/**
 * What a failed call carries (gradio `error_payload`): `error` is null when the message is hidden.
 *
 * @example
 * const payload: ErrorPayload = errorPayload(new AppError("Bad image"), false); // { error: "Bad image", title: "Error", … }
 */
export interface ErrorPayload {
  error: string | null;
  title?: string;
  duration?: number | null;
  visible?: boolean;
}

/**
 * What a caller is told about a failed call (gradio utils.error_payload): the message of an
 * `AppError` or `InputError` always; any other message only with `showError`, since it may hold
 * internals. `error` is null when hidden, and the key is always present (@gradio/client needs it).
 *
 * @example
 * errorPayload(new AppError("Bad image"), false) // → { error: "Bad image", duration: 10, visible: true, title: "Error" }
 */
export function errorPayload(err: unknown, showError: boolean): ErrorPayload {
  if (err instanceof AppError) return { error: err.message, duration: err.duration, visible: err.visible, title: err.title };
  if (err instanceof InputError || err instanceof BusyError) return { error: err.message, duration: 10, visible: true, title: "Error" };
  return showError ? { error: err instanceof Error ? err.message : String(err), visible: true, title: "Error" } : { error: null };
}

/**
 * Describes a value briefly for an error message, which names what arrived.
 *
 * @example
 * describeValue(3) // → "a number (3)"
 * describeValue({ a: 1, b: 2 }) // → "an object with keys a, b"
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") {
    const keys = Object.keys(value);
    return keys.length ? `an object with keys ${keys.slice(0, 6).join(", ")}` : "an empty object {}";
  }
  return `${typeof value === "number" ? "a number" : `a ${typeof value}`} (${String(value)})`;
}

/** An error as it crosses a thread boundary (structured clone drops the class). */
export interface SerializedError {
  name: string;
  message: string;
  status?: number;
}

/** Flattens an error so it can be posted to or from a worker. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof InputError) return { name: err.name, message: err.message, status: err.status };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

/** Rebuilds the class of an error that crossed a thread boundary. */
export function deserializeError(e: SerializedError): Error {
  if (e.name === "InputError") return new InputError(e.message, (e.status ?? 400) as InputStatus);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/**
 * The one execution core: preprocess → fn → postprocess. Every transport (one-shot REST, the
 * queue, the curl API) calls `runPredict`, so all of them validate and fail the same way.
 */
import type { PreprocessContext } from "./components/component.ts";
import { describeValue, InputError } from "./errors.ts";
import type { Interface } from "./interface.ts";

/** The outcome of one call. */
export interface PredictResult {
  /** One wire value per output component. */
  data: unknown[];
  /** Seconds spent in preprocess → fn → postprocess. */
  duration: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Checks that `data` holds one value per input, so a queue can refuse a wrong shape at join time.
 *
 * @throws {InputError} 422 naming what was expected.
 * @example
 * checkInputs(iface, []) // throws "Expected 1 input (image), got 0."
 */
export function checkInputs(iface: Interface, data: unknown): asserts data is unknown[] {
  const names = iface.inputs.map((c) => c.label ?? c.type).join(", ");
  if (!Array.isArray(data)) {
    throw new InputError(
      `Expected "data" to be a list with ${plural(iface.inputs.length, "value")} (${names}), got ${data === undefined ? "nothing" : typeof data}.`,
      422,
    );
  }
  if (data.length !== iface.inputs.length) {
    throw new InputError(`Expected ${plural(iface.inputs.length, "input")} (${names}), got ${data.length}.`, 422);
  }
}

/**
 * The API's name for each input, in order (gradio's `parameter_name` in /info): the label, or
 * the component type (`image`, or `image_0`, `image_1`… when there are several inputs).
 *
 * @example
 * parameterNames(new Interface({ fn, inputs: [new Image(), new Textbox({ label: "note" })], outputs: "label" })) // → ["image_0", "note"]
 */
export function parameterNames(iface: Interface): string[] {
  return iface.inputs.map((c, i) => c.label ?? (iface.inputs.length === 1 ? c.type : `${c.type}_${i}`));
}

/**
 * The inputs of a call keyed by parameter name (the curl API v2, gradio ≥ 6.13:
 * `{"<parameter_name>": value, …}`), as the list `runPredict` takes.
 *
 * @throws {InputError} 422 for anything but an object with exactly the parameter names.
 * @example
 * inputsFromNamed(iface, { image: { path: "/tmp/gradio-x/ab/cat.png" } }) // → [{ path: "/tmp/gradio-x/ab/cat.png" }]
 */
export function inputsFromNamed(iface: Interface, body: unknown): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new InputError(`Expected a JSON object keyed by parameter name, got ${describeValue(body)}.`, 422);
  const names = parameterNames(iface);
  const extra = Object.keys(body).filter((k) => !names.includes(k));
  const missing = names.filter((n) => !(n in body));
  if (extra.length || missing.length) {
    throw new InputError(
      `Expected the parameters ${names.map((n) => `"${n}"`).join(", ")}; ${missing.length ? `missing ${missing.join(", ")}` : `unknown ${extra.join(", ")}`}.`,
      422,
    );
  }
  return names.map((n) => (body as Record<string, unknown>)[n]);
}

/**
 * Runs the Interface's function on one request's `data` (one wire value per input).
 *
 * @throws {InputError} when `data` has the wrong shape or an input cannot be used.
 * @example
 * await runPredict(iface, ["data:image/png;base64,iVBOR…"], ctx) // → { data: [{ label: "Sneaker", … }], duration: 0.004 }
 */
export async function runPredict(iface: Interface, data: unknown, ctx: PreprocessContext): Promise<PredictResult> {
  const started = performance.now();
  checkInputs(iface, data);
  const args = await Promise.all(iface.inputs.map((c, i) => c.preprocess(data[i], ctx)));
  const result = await iface.fn(...args);
  const values = iface.outputs.length === 1 ? [result] : result;
  if (!Array.isArray(values) || values.length !== iface.outputs.length) {
    throw new Error(
      `fn should return ${plural(iface.outputs.length, "value")} (one per output), returned ${Array.isArray(values) ? values.length : typeof values}.`,
    );
  }
  const output = iface.outputs.map((c, i) => c.postprocess(values[i]));
  return { data: output, duration: (performance.now() - started) / 1000 };
}

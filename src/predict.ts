/**
 * The one execution core: preprocess → fn → postprocess. Every transport (one-shot REST, the
 * queue, the curl API) calls `runPredict`, so all of them validate and fail the same way.
 */
import type { PreprocessContext } from "./components/component.ts";
import { InputError } from "./errors.ts";
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
    throw new InputError(`Expected "data" to be a list with ${plural(iface.inputs.length, "value")} (${names}), got ${data === undefined ? "nothing" : typeof data}.`, 422);
  }
  if (data.length !== iface.inputs.length) {
    throw new InputError(`Expected ${plural(iface.inputs.length, "input")} (${names}), got ${data.length}.`, 422);
  }
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
    throw new Error(`fn should return ${plural(iface.outputs.length, "value")} (one per output), returned ${Array.isArray(values) ? values.length : typeof values}.`);
  }
  const output = iface.outputs.map((c, i) => c.postprocess(values[i]));
  return { data: output, duration: (performance.now() - started) / 1000 };
}

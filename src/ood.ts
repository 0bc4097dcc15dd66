/**
 * How unlike its training data an input was: the out-of-domain score that travels with a
 * prediction. The classifier computes it (from the model's own `ood_distance` output and its
 * calibration, or from the logits when the model has none), attaches it to the confidences it
 * returns, and the Label component puts it in the wire value next to Gradio's keys — so `fn`
 * stays `(image) => model.classify(image)`.
 */

/**
 * One prediction's score: `score` in [0, 1], higher = less like the training data;
 * `out_of_domain` = `score > threshold`.
 *
 * @example
 * const ood: OodScore = { score: 0.992, threshold: 0.95, out_of_domain: true };
 */
export interface OodScore {
  score: number;
  threshold: number;
  out_of_domain: boolean;
}

// A side table rather than a property: the confidences stay a plain {label: probability}
// record (a label may be called anything, "ood" included), and JSON of them is unchanged.
const scores = new WeakMap<object, OodScore>();

/**
 * Attaches `ood` to `value` and returns `value`.
 *
 * @example
 * withOod({ Bag: 0.86, Shirt: 0.1 }, { score: 0.99, threshold: 0.95, out_of_domain: true })
 */
export function withOod<T extends object>(value: T, ood: OodScore): T {
  scores.set(value, ood);
  return value;
}

/**
 * The score attached to a prediction, if any.
 *
 * @example
 * const confidences = await model.classify(image);
 * if (oodOf(confidences)?.out_of_domain) console.warn("a guess");
 */
export function oodOf(value: unknown): OodScore | undefined {
  return typeof value === "object" && value !== null ? scores.get(value) : undefined;
}

/**
 * The arithmetic either side of the model, shared by the server's workers and the browser's
 * classifier (src/browser/classifier.ts), so both turn the same pixels into the same tensor and
 * the same scores into the same confidences.
 */
import { withOod } from "../ood.ts";
import type { ModelInfo } from "./model-info.ts";
import { scoreFromQuantiles, thresholdOf, uncalibratedScore } from "./ood-score.ts";

/**
 * Raw interleaved pixels, `channels` values per pixel, already resized to the model's size.
 *
 * @example
 * const pixels: Pixels = { data: new Uint8Array(28 * 28), channels: 1 };
 */
export interface Pixels {
  data: Uint8Array;
  channels: number;
}

/**
 * Writes `pixels`, normalised with the model's mean and std, into `out` as CHW floats.
 *
 * @example
 * writeTensor({ data: grey28x28, channels: 1 }, info, tensor.subarray(0, 784));
 */
export function writeTensor({ data, channels: have }: Pixels, info: ModelInfo, out: Float32Array): void {
  const [h, w] = info.size;
  const plane = h * w;
  for (let c = 0; c < info.channels; c++) {
    const mean = info.mean[c]!,
      scale = 1 / (255 * info.std[c]!),
      shift = mean / info.std[c]!;
    // A grayscale decode feeding an RGB model repeats its one channel; RGB feeding gray cannot happen (the decoders convert).
    const src = have === 1 ? 0 : c;
    for (let i = 0; i < plane; i++) out[c * plane + i] = data[i * have + src]! * scale - shift;
  }
}

/**
 * Softmax of each row of `classes` scores, in place.
 *
 * @example
 * softmaxRows(Float32Array.of(2, 0, 5, 5), 2) // → [0.88, 0.12, 0.5, 0.5]
 */
export function softmaxRows(scores: Float32Array, classes: number): void {
  for (let row = 0; row < scores.length; row += classes) {
    let max = -Infinity;
    for (let i = row; i < row + classes; i++) max = Math.max(max, scores[i]!);
    let sum = 0;
    for (let i = row; i < row + classes; i++) sum += scores[i] = Math.exp(scores[i]! - max);
    for (let i = row; i < row + classes; i++) scores[i]! /= sum;
  }
}

/**
 * One image's probabilities (in label order) and out-of-domain score → its confidences (`{label: probability}`, with `oodOf()` set).
 *
 * @example
 * confidencesOf(info, probs.subarray(0, 10), 0.31) // → { "T-shirt/top": 0.01, … } with oodOf() = { score: 0.31, threshold: 0.95, out_of_domain: false }
 */
export function confidencesOf(info: ModelInfo, probabilities: ArrayLike<number>, score: number): Record<string, number> {
  const threshold = thresholdOf(info.ood);
  return withOod(Object.fromEntries(info.labels.map((label, j) => [label, probabilities[j]!])), {
    score,
    threshold,
    out_of_domain: score > threshold,
  });
}

/**
 * A batch's raw outputs → each row's out-of-domain score; `scores` (rows of the model's first
 * output) become probabilities in place. `extra` is the model's out-of-domain output, when it has
 * the calibration for one.
 *
 * @example
 * const ood = scoreRows(info, scores, extra); // scores now sum to 1 per row; ood[i] in [0, 1]
 */
export function scoreRows(info: ModelInfo, scores: Float32Array, extra: Float32Array | undefined): Float32Array {
  const k = info.labels.length;
  const ood = new Float32Array(scores.length / k);
  // Scored before the softmax: the uncalibrated score needs the logits themselves.
  for (let row = 0; row < ood.length; row++) {
    ood[row] = extra
      ? scoreFromQuantiles(extra[row]!, info.ood!.quantiles)
      : uncalibratedScore(scores.subarray(row * k, (row + 1) * k), info.output);
  }
  if (info.output === "logits") softmaxRows(scores, k);
  return ood;
}

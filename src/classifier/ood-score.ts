/**
 * Turning a model's raw out-of-domain signal into a score in [0, 1] (training/README.md, "Out-of-
 * domain score"): through the model's calibration when it has one, else from its logits.
 */
import type { OodCalibration } from "./model-info.ts";

/** The threshold for models without a calibration: their scores are not a measured 5 %. */
export const UNCALIBRATED_THRESHOLD = 0.5;

/**
 * The empirical CDF of held-out in-domain raw scores, interpolated between its quantiles.
 *
 * @example
 * scoreFromQuantiles(4.8162, calibration.quantiles) // → 0.95 for model.onnx
 */
export function scoreFromQuantiles(raw: number, q: readonly number[]): number {
  const last = q.length - 1;
  if (!(raw >= q[0]!)) return 0; // NaN counts as in-domain: nothing to warn about
  if (raw >= q[last]!) return 1;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (q[mid]! <= raw) lo = mid;
    else hi = mid;
  }
  const span = q[lo + 1]! - q[lo]!;
  return (lo + (span > 0 ? (raw - q[lo]!) / span : 0)) / last;
}

/**
 * A model without a calibration: the energy −logsumexp(logits), shifted by log K so that
 * uniform logits give 0.5, through a logistic; for a model that outputs probabilities, 1 − max p.
 *
 * @example
 * uncalibratedScore(Float32Array.of(9, -8, -7), "logits") // → ≈ 0.0004 (confident)
 */
export function uncalibratedScore(row: Float32Array, output: "logits" | "probabilities"): number {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  if (output === "probabilities") return 1 - max;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const energy = -(max + Math.log(sum)) + Math.log(row.length);
  return 1 / (1 + Math.exp(-energy));
}

/** The threshold that goes with a model's scores. */
export const thresholdOf = (ood: OodCalibration | undefined): number => ood?.threshold ?? UNCALIBRATED_THRESHOLD;

/**
 * A small WAV (RIFF, 16-bit PCM) writer: what an Audio output turns a `[sampleRate, samples]`
 * pair into, as Gradio's `processing_utils.audio_to_file` does with numpy arrays.
 */

/** Samples: one list per frame for several channels (`[[l, r], …]`), else one number per frame; floats in [-1, 1] or 16-bit integers. */
export type Samples = ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/**
 * Encodes `samples` at `sampleRate` as a 16-bit PCM WAV file. Floating-point samples (any value
 * with a fraction, or typed as a Float32Array/Float64Array) are scaled from [-1, 1]; integers
 * are taken as 16-bit values. Both are clipped.
 *
 * @throws {Error} for a rate that is not a positive whole number, or frames of different widths.
 * @example
 * const tone = Float32Array.from({ length: 8000 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 8000));
 * writeFileSync("tone.wav", encodeWav(8000, tone));
 */
export function encodeWav(sampleRate: number, samples: Samples): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0)
    throw new Error(`The sample rate must be a positive whole number, got ${sampleRate}.`);
  const frames = samples.length;
  const first = frames > 0 ? samples[0] : 0;
  const channels = typeof first === "number" ? 1 : (first as ArrayLike<number>).length;
  const float =
    samples instanceof Float32Array ||
    samples instanceof Float64Array ||
    (typeof first !== "number" && (first instanceof Float32Array || first instanceof Float64Array)) ||
    Array.from({ length: Math.min(frames, 1000) }, (_, i) => samples[i]).some((f) =>
      typeof f === "number" ? !Number.isInteger(f) : Array.from(f as ArrayLike<number>).some((x) => !Number.isInteger(x)),
    );
  const bytes = new Uint8Array(44 + frames * channels * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + frames * channels * 2, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true); // byte rate
  view.setUint16(32, channels * 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, frames * channels * 2, true);
  const clip = (x: number) => Math.max(-32768, Math.min(32767, Math.round(float ? x * 32767 : x)));
  let at = 44;
  for (let i = 0; i < frames; i++) {
    const frame = samples[i]!;
    if (typeof frame === "number") {
      if (channels !== 1) throw new Error(`Frame ${i} has 1 sample; the first had ${channels}.`);
      view.setInt16(at, clip(frame), true);
      at += 2;
    } else {
      if (frame.length !== channels) throw new Error(`Frame ${i} has ${frame.length} samples; the first had ${channels}.`);
      for (let c = 0; c < channels; c++, at += 2) view.setInt16(at, clip(frame[c]!), true);
    }
  }
  return bytes;
}

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

/** What a WAV's `fmt ` chunk says: how to read its samples. */
export interface WavFormat {
  /** 1 for PCM, 3 for float, 0xfffe for WAVE_FORMAT_EXTENSIBLE. */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

/** A WAV file read: its format, the raw `fmt ` chunk body (kept to write it again) and the sample bytes. */
export interface Wav {
  format: WavFormat;
  fmtChunk: Uint8Array;
  data: Uint8Array;
}

/**
 * Reads a RIFF/WAVE file chunk by chunk: finds `fmt ` and `data` wherever they are (a `LIST` or
 * `fact` chunk may come first; headers are not always 44 bytes). A `data` size larger than the
 * file (streaming writers leave 0xFFFFFFFF) is taken to mean "to the end".
 *
 * @throws {Error} for bytes that are not a WAV, or a WAV without `fmt ` or `data`.
 * @example
 * parseWav(encodeWav(8000, new Int16Array(8000))).format // → { audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 }
 */
export function parseWav(bytes: Uint8Array): Wav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || text(0) !== "RIFF" || text(8) !== "WAVE") throw new Error("not a WAV file (no RIFF/WAVE header)");
  let fmtChunk: Uint8Array | undefined;
  let data: Uint8Array | undefined;
  for (let at = 12; at + 8 <= bytes.length && !data; ) {
    const id = text(at);
    const size = view.getUint32(at + 4, true);
    const body = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + size));
    if (id === "fmt ") fmtChunk = body;
    else if (id === "data") data = body;
    at += 8 + size + (size % 2); // chunks are padded to an even length
  }
  if (!fmtChunk || fmtChunk.length < 16) throw new Error("a WAV file without a fmt chunk");
  if (!data) throw new Error("a WAV file without a data chunk");
  const fmt = new DataView(fmtChunk.buffer, fmtChunk.byteOffset, fmtChunk.byteLength);
  const format = {
    audioFormat: fmt.getUint16(0, true),
    channels: fmt.getUint16(2, true),
    sampleRate: fmt.getUint32(4, true),
    bitsPerSample: fmt.getUint16(14, true),
  };
  if (!format.channels || !format.sampleRate || !format.bitsPerSample)
    throw new Error("a WAV file whose fmt chunk gives no channels, sample rate or sample size");
  return { format, fmtChunk, data };
}

/** "16000 Hz, 2 channels, 16-bit" */
export const describeWavFormat = (f: WavFormat): string =>
  `${f.sampleRate} Hz, ${f.channels} channel${f.channels === 1 ? "" : "s"}, ${f.bitsPerSample}-bit${f.audioFormat === 3 ? " float" : ""}`;

const sameFormat = (a: WavFormat, b: WavFormat) =>
  a.audioFormat === b.audioFormat && a.channels === b.channels && a.sampleRate === b.sampleRate && a.bitsPerSample === b.bitsPerSample;

/**
 * Joins WAV files end to end into one (what a streaming Audio output's final value is): the
 * first file's `fmt ` chunk, then every file's samples. Other chunks (`LIST`, `fact`) are dropped.
 *
 * @throws {Error} naming the chunk (1-based) when a file is not a WAV or its format differs from the first's.
 * @example
 * joinWav([encodeWav(8000, a), encodeWav(8000, b)]) // one WAV of a then b
 */
export function joinWav(files: Uint8Array[]): Uint8Array {
  if (files.length === 0) throw new Error("joinWav needs at least one WAV file.");
  const wavs = files.map((file, i) => {
    try {
      return parseWav(file);
    } catch (err) {
      throw new Error(`Chunk ${i + 1} is ${(err as Error).message}.`);
    }
  });
  const first = wavs[0]!;
  wavs.forEach((w, i) => {
    if (!sameFormat(w.format, first.format))
      throw new Error(
        `Chunk ${i + 1} is ${describeWavFormat(w.format)}, but chunk 1 is ${describeWavFormat(first.format)}: streamed WAV chunks must share one format to be joined.`,
      );
  });
  return writeWav(
    first.fmtChunk,
    wavs.map((w) => w.data),
  );
}

/**
 * Writes a WAV of a `fmt ` chunk body (as {@link parseWav} read it) and sample bytes, given in
 * parts that are written one after another: a slice of a file, or several files' samples.
 *
 * @example
 * const { fmtChunk, data } = parseWav(file);
 * writeWav(fmtChunk, [data.subarray(0, 16000)]) // the first 16000 bytes of sound as a WAV of its own
 */
export function writeWav(fmtChunk: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const dataSize = parts.reduce((n, p) => n + p.length, 0);
  const fmtSize = fmtChunk.length + (fmtChunk.length % 2);
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + dataSize + (dataSize % 2));
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, out.length - 8, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, fmtChunk.length, true);
  out.set(fmtChunk, 20);
  let at = 20 + fmtSize;
  ascii(at, "data");
  view.setUint32(at + 4, dataSize, true);
  at += 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

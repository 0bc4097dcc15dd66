/**
 * The Audio component (gradio components/audio.py): a sound file in (upload or microphone) and
 * out (WAV or MP3 from a path or bytes; WAV from a `[sampleRate, samples]` pair).
 */
import { open } from "node:fs/promises";
import { describeValue } from "../errors.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import type { PreprocessContext } from "./component.ts";
import { needSaving, type PathContext, type PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";
import { FILE_DATA_SCHEMA, uploadedPath } from "./media-input.ts";
import { outputFile } from "./output-file.ts";
import { joinMp3 } from "./mp3.ts";
import { encodeWav, joinWav, type Samples } from "./wav.ts";

/**
 * Options of {@link Audio}.
 *
 * @example
 * new Audio({ label: "Voice", sources: ["microphone"] })
 */
export interface AudioOptions extends BaseOptions<string | null> {
  /** Where the page takes sound from (default both). */
  sources?: ("upload" | "microphone")[];
  /** What `fn` gets: the uploaded file's path (default "filepath", the only one here). */
  type?: "filepath";
  /** Play the output as soon as it arrives. */
  autoplay?: boolean;
  loop?: boolean;
  /** The file format the page records in (default "wav"). */
  format?: "wav" | "mp3";
  /**
   * As an output of a generator: each yield is a chunk the page plays after the one before, and
   * the final value is every chunk joined (WAV or MP3 chunks only). On an input it is only passed
   * on to the page (Gradio's microphone streaming input is not built here).
   */
  streaming?: boolean;
}

/** What `fn` may return for an Audio output. */
export type AudioOutput = string | FileData | Uint8Array | [sampleRate: number, samples: Samples];

const sniff = (b: Uint8Array): "wav" | "mp3" | "ogg" | "flac" | undefined => {
  const text = (at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
  if (text(0, 4) === "RIFF" && text(8, 4) === "WAVE") return "wav";
  if (text(0, 3) === "ID3" || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return "mp3";
  if (text(0, 4) === "OggS") return "ogg";
  if (text(0, 4) === "fLaC") return "flac";
  return undefined;
};

/** The first bytes of a file, enough to tell WAV from MP3. */
async function head(path: string): Promise<Uint8Array> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(new Uint8Array(12), 0, 12, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * A sound input or output. As an input `fn` gets the path of the uploaded (or recorded) file.
 * As an output `fn` returns a path or FileData (served as it is), encoded bytes (WAV, MP3, OGG,
 * FLAC, told apart by their header), or Gradio's numpy pair `[sampleRate, samples]` (written as
 * a 16-bit WAV). With `streaming: true` a generator `fn` yields chunks (each WAV or MP3, sent
 * as it comes as its own file) and the call's final value is one file of all the chunks joined,
 * as Gradio's `combine_stream` gives (Gradio sends HLS segments; here each chunk is a file).
 *
 * @example
 * new Interface({ fn: (rate: number) => [rate, Float32Array.from({ length: rate }, (_, i) => Math.sin(i / 10))], inputs: new Slider({ minimum: 8000, maximum: 48000 }), outputs: new Audio() });
 * new Interface({ fn: async function* () { for (const part of parts) yield [8000, part]; }, inputs: [], outputs: new Audio({ streaming: true, autoplay: true }) });
 */
export class Audio extends BaseComponent<string | null, string | null> {
  static override readonly events = [
    "stream",
    "change",
    "clear",
    "play",
    "pause",
    "stop",
    "start_recording",
    "pause_recording",
    "stop_recording",
    "upload",
    "input",
  ] as const;
  readonly type = "audio";
  override readonly isFile = true;
  private readonly extra: Record<string, unknown>;
  private readonly streaming: boolean;

  constructor(options: AudioOptions = {}) {
    super(options);
    if (options.type !== undefined && options.type !== "filepath") {
      throw new Error(`Audio type "${options.type}" is not supported here: use "filepath" (Gradio's "numpy" input needs a decoder).`);
    }
    this.streaming = options.streaming === true;
    if (this.streaming) this.combineStream = (yields, ctx) => this.joinChunks(yields, ctx);
    this.extra = {
      sources: options.sources ?? ["upload", "microphone"],
      type: "filepath",
      streaming: this.streaming,
      autoplay: options.autoplay ?? false,
      loop: options.loop ?? false,
      format: options.format ?? "wav",
      editable: true,
      recording: false,
      waveform_options: {
        waveform_color: null,
        waveform_progress_color: null,
        trim_region_color: null,
        show_recording_waveform: true,
        skip_length: 5,
        sample_rate: 44100,
      },
    };
  }

  async preprocess(payload: unknown, ctx: PreprocessContext): Promise<string | null> {
    if (payload === null || payload === undefined) return null;
    return uploadedPath(payload, ctx, this.displayName);
  }

  async postprocess(value: unknown, ctx?: PostprocessContext): Promise<FileData | null> {
    if (value === null || value === undefined) return null;
    const out = needSaving(ctx, this.displayName) as PostprocessContext & Partial<PathContext>;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "number") {
      return outputFile(encodeWav(value[0], value[1] as Samples), out, this.displayName, "audio.wav");
    }
    if (value instanceof Uint8Array) {
      const kind = sniff(value);
      if (!kind) throw new Error(`${this.displayName} output bytes are not WAV, MP3, OGG or FLAC (checked from the header).`);
      if (this.streaming) this.checkChunk(kind);
      return outputFile(value, out, this.displayName, `audio.${kind}`);
    }
    if (typeof value === "string" || (typeof value === "object" && typeof (value as FileData).path === "string")) {
      const file = await outputFile(value, out, this.displayName);
      if (this.streaming) this.checkChunk(file.url ? "a URL" : sniff(await head(file.path!)));
      return file;
    }
    throw new Error(
      `${this.displayName} output must be a file path, FileData, encoded bytes or [sampleRate, samples]; fn returned ${describeValue(value)}.`,
    );
  }

  /** A streamed chunk must be WAV or MP3: the final value joins them, and joining anything else needs a transcoder. */
  private checkChunk(kind: string | undefined): void {
    if (kind === "wav" || kind === "mp3") return;
    throw new Error(
      `${this.displayName} has streaming: true, so each chunk fn yields must be WAV or MP3 (to be joined into the final value); this one is ${kind ?? "neither (checked from the header)"}.`,
    );
  }

  /** The final value of a stream: every chunk (FileData the yields were sent as) joined into one file. */
  private async joinChunks(yields: unknown[], ctx: PreprocessContext & PostprocessContext): Promise<unknown> {
    const files = yields.filter((y): y is FileData & { path: string } => typeof (y as FileData | null)?.path === "string");
    if (files.length <= 1) return files[0] ?? null;
    const bytes = await Promise.all(files.map((f) => ctx.readFile(f.path)));
    const kinds = bytes.map(sniff);
    const mixed = kinds.findIndex((k) => k !== kinds[0]);
    try {
      if (mixed >= 0) throw new Error(`chunk ${mixed + 1} is ${kinds[mixed] ?? "not audio"}, but chunk 1 is ${kinds[0]}`);
      const joined = kinds[0] === "wav" ? joinWav(bytes) : joinMp3(bytes);
      return await outputFile(joined, ctx, this.displayName, `audio.${kinds[0]}`);
    } catch (err) {
      const reason = (err as Error).message.replace(/^Chunk/, "chunk").replace(/\.$/, "");
      throw new Error(`${this.displayName} cannot join the streamed chunks into its final value: ${reason}.`);
    }
  }

  protected override configValue(): null {
    return null;
  }

  apiInfo(): Record<string, unknown> {
    return FILE_DATA_SCHEMA;
  }

  pythonType() {
    return { type: "filepath", description: "" };
  }

  exampleInput(): unknown {
    return {
      path: "https://github.com/gradio-app/gradio/raw/main/test/test_files/audio_sample.wav",
      meta: { _type: "gradio.FileData" },
    };
  }

  protected override ownProps(): Record<string, unknown> {
    return this.extra;
  }
}

/** The Video component (gradio components/video.py): a video file in (upload or webcam) and out (MP4, WebM… from a path). */
import { describeValue } from "../errors.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import type { PreprocessContext } from "./component.ts";
import { needSaving, type PathContext, type PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";
import { FILE_DATA_SCHEMA, uploadedPath } from "./media-input.ts";
import { outputFile } from "./output-file.ts";

/**
 * Options of {@link Video}.
 *
 * @example
 * new Video({ label: "Clip", sources: ["upload"] })
 */
export interface VideoOptions extends BaseOptions<string | null> {
  sources?: ("upload" | "webcam")[];
  autoplay?: boolean;
  loop?: boolean;
  height?: number | string;
  width?: number | string;
}

/** Gradio's VideoData: the video and optional subtitles. */
export interface VideoData {
  video: FileData;
  subtitles: FileData | null;
}

/**
 * A video input or output. As an input `fn` gets the uploaded file's path; as an output it
 * returns a path (or FileData, or `[video, subtitles]` paths), served as it is: this server does
 * not re-encode (Gradio converts to MP4 with ffmpeg when the browser could not play the file).
 *
 * @example
 * new Interface({ fn: (path: string) => path, inputs: new Video(), outputs: new Video() });
 */
export class Video extends BaseComponent<string | null, string | null> {
  static override readonly events = [
    "change",
    "clear",
    "start_recording",
    "stop_recording",
    "stop",
    "play",
    "pause",
    "end",
    "upload",
    "input",
  ] as const;
  readonly type = "video";
  override readonly isFile = true;
  private readonly extra: Record<string, unknown>;

  constructor(options: VideoOptions = {}) {
    super(options);
    this.extra = {
      sources: options.sources ?? ["upload", "webcam"],
      autoplay: options.autoplay ?? false,
      loop: options.loop ?? false,
      height: options.height,
      width: options.width,
      include_audio: true,
      webcam_options: { mirror: true, constraints: null },
    };
  }

  /** FileData, or Gradio's `{video: FileData, subtitles}` → the uploaded file's path. */
  async preprocess(payload: unknown, ctx: PreprocessContext): Promise<string | null> {
    if (payload === null || payload === undefined) return null;
    const video = typeof payload === "object" && "video" in (payload as object) ? (payload as VideoData).video : payload;
    return uploadedPath(video, ctx, this.displayName);
  }

  async postprocess(value: unknown, ctx?: PostprocessContext): Promise<VideoData | null> {
    if (value === null || value === undefined) return null;
    const out = needSaving(ctx, this.displayName) as PostprocessContext & Partial<PathContext>;
    const [video, subtitles] = Array.isArray(value) ? value : [value, null];
    if (typeof video !== "string" && (typeof video !== "object" || typeof (video as FileData)?.path !== "string")) {
      throw new Error(`${this.displayName} output must be a file path or FileData; fn returned ${describeValue(value)}.`);
    }
    return {
      video: await outputFile(video, out, this.displayName),
      subtitles: subtitles ? await outputFile(subtitles, out, this.displayName) : null,
    };
  }

  protected override configValue(): null {
    return null;
  }

  apiInfo(): Record<string, unknown> {
    return {
      $defs: { FileData: FILE_DATA_SCHEMA },
      properties: {
        video: { $ref: "#/$defs/FileData" },
        subtitles: { anyOf: [{ $ref: "#/$defs/FileData" }, { type: "null" }], default: null },
      },
      required: ["video"],
      title: "VideoData",
      type: "object",
    };
  }

  pythonType() {
    return { type: "Dict(video: filepath, subtitles: filepath | None)", description: "" };
  }

  exampleInput(): unknown {
    return {
      video: {
        path: "https://github.com/gradio-app/gradio/raw/main/demo/video_component/files/world.mp4",
        meta: { _type: "gradio.FileData" },
      },
      subtitles: null,
    };
  }

  protected override ownProps(): Record<string, unknown> {
    return this.extra;
  }
}

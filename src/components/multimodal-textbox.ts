/**
 * The MultimodalTextbox: text with files attached (gradio components/multimodal_textbox.py). On
 * the wire `{text, files: FileData[]}`; `fn` gets `{text, files}` with the uploads' server paths.
 */
import { basename } from "node:path";
import mime from "mime";
import { describeValue, InputError } from "../errors.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import type { PreprocessContext } from "./component.ts";
import { allowedPath, needSaving, type PathContext, type PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";
import { isValidFile } from "./file.ts";
import { FILE_DATA_SCHEMA, nameOf } from "./media-input.ts";
import { outputFile } from "./output-file.ts";

/**
 * What `fn` gets from a MultimodalTextbox (gradio MultimodalValue): the text and the uploaded files' paths.
 *
 * @example
 * const message: MultimodalValue = { text: "What is in this picture?", files: ["/tmp/gradio-x/ab/cat.png"] };
 */
export interface MultimodalValue {
  text: string;
  files: string[];
}

/**
 * What `fn` may return for a MultimodalTextbox (or give as its value): text alone, or text and
 * files (paths or FileData).
 *
 * @example
 * const value: MultimodalInput = { text: "Try this one", files: ["examples/cat.png"] };
 */
export type MultimodalInput = string | { text?: string | null; files?: (string | FileData)[] | null };

/**
 * Options of {@link MultimodalTextbox}.
 *
 * @example
 * new MultimodalTextbox({ fileCount: "multiple", fileTypes: ["image"], placeholder: "Ask about a picture" })
 */
export interface MultimodalTextboxOptions extends BaseOptions<MultimodalInput | null> {
  /** Extensions (".pdf") or kinds ("image", "audio", "video", "text") accepted; "file" or none: any. */
  fileTypes?: string[];
  /** `"single"` (default): one file at a time; `"multiple"` or `"directory"`: several. */
  fileCount?: "single" | "multiple" | "directory";
  /** Where files come from; this server's page offers `"upload"` (the default). */
  sources?: ("upload" | "microphone")[];
  /** Rows shown at least (default 1). */
  lines?: number;
  /** Rows shown at most before it scrolls (default 20). */
  maxLines?: number;
  placeholder?: string;
  autofocus?: boolean;
  autoscroll?: boolean;
  textAlign?: "left" | "right";
  rtl?: boolean;
  /** A submit button inside the box (default true: an icon; a string: its text). */
  submitBtn?: string | boolean;
  /** A stop button inside the box (default false). */
  stopBtn?: string | boolean;
}

const COUNTS = ["single", "multiple", "directory"] as const;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Text and files in one box, as Gradio's multimodal chat input. As an input `fn` gets
 * `{text, files}` (the files' server paths, each checked to be an upload the server allows, of
 * a type in `fileTypes`); as an output it takes a string, or `{text, files}` with paths or FileData.
 *
 * @example
 * const box = new MultimodalTextbox({ fileCount: "multiple", fileTypes: ["image"] });
 * box.submit({ fn: (m: MultimodalValue) => `${m.text} (${m.files.length} files)`, inputs: box, outputs: out });
 */
export class MultimodalTextbox extends BaseComponent<MultimodalValue | null, MultimodalInput | null> {
  static override readonly events = ["change", "input", "select", "submit", "focus", "blur", "stop"] as const;
  readonly type = "multimodaltextbox";
  readonly fileCount: "single" | "multiple" | "directory";
  readonly fileTypes: string[] | undefined;
  readonly lines: number;
  readonly maxLines: number;
  readonly placeholder: string | undefined;
  private readonly extra: Record<string, unknown>;

  constructor(options: MultimodalTextboxOptions = {}) {
    super(options);
    const count = options.fileCount ?? "single";
    if (!COUNTS.includes(count)) {
      throw new Error(`MultimodalTextbox fileCount must be "single", "multiple" or "directory", got ${JSON.stringify(count)}.`);
    }
    if (options.fileTypes !== undefined && !Array.isArray(options.fileTypes)) {
      throw new Error(`MultimodalTextbox fileTypes must be a list, got ${describeValue(options.fileTypes)}.`);
    }
    this.fileCount = count;
    this.fileTypes = options.fileTypes;
    this.lines = options.lines ?? 1;
    // Gradio: max_lines = max(lines, max_lines).
    this.maxLines = Math.max(this.lines, options.maxLines ?? 20);
    this.placeholder = options.placeholder;
    this.extra = {
      sources: options.sources ?? ["upload"],
      autofocus: options.autofocus ?? false,
      autoscroll: options.autoscroll ?? true,
      text_align: options.textAlign,
      rtl: options.rtl ?? false,
      submit_btn: options.submitBtn ?? true,
      stop_btn: options.stopBtn ?? false,
    };
  }

  /** Gradio's class name, for error messages. */
  override get componentName(): string {
    return "MultimodalTextbox";
  }

  private expected(): string {
    const kinds = this.fileTypes?.length ? ` of type ${this.fileTypes.join(", ")}` : "";
    return `{text: string, files: [FileData…]} (files${kinds} uploaded to /gradio_api/upload)`;
  }

  /**
   * `{text, files: FileData[]}` → `{text, files: paths}`; a bare string is text without files.
   * A malformed value, or a file of a type not in `fileTypes`, is refused at once (a thrown
   * 422); a path outside what the server allows is refused when the returned promise settles (403/404).
   */
  preprocess(payload: unknown, ctx: PreprocessContext): MultimodalValue | null | Promise<MultimodalValue> {
    if (payload === null || payload === undefined) return null;
    if (typeof payload === "string") return { text: payload, files: [] };
    if (!isObject(payload)) throw this.invalid(this.expected(), payload);
    const text = payload.text ?? "";
    if (typeof text !== "string") throw this.refuse(`"text" should be a string, got ${describeValue(text)}`);
    const files = payload.files ?? [];
    if (!Array.isArray(files)) throw this.refuse(`"files" should be a list of FileData, got ${describeValue(files)}`);
    if (this.fileCount === "single" && files.length > 1) {
      throw this.refuse(`fileCount is "single": expected at most one file, got ${files.length}`);
    }
    // Shape and type are checked at once (a thrown 422); whether the server allows each path resolves later.
    const paths = files.map((f, i) => {
      const path = (f as FileData | null)?.path;
      if (!isObject(f) || typeof path !== "string" || path === "") {
        throw this.refuse(
          `file ${i + 1} should be FileData with a "path" (upload the file to /gradio_api/upload first), got ${describeValue(f)}`,
        );
      }
      const name = nameOf(f, path);
      if (this.fileTypes?.length && !isValidFile(name, this.fileTypes)) {
        throw this.refuse(`expected files of type ${this.fileTypes.join(", ")}, got ${JSON.stringify(name)}`);
      }
      return path;
    });
    if (paths.length === 0) return { text, files: [] };
    // The server's refusal (403/404) keeps its status and gains the component's name.
    const allowed = (path: string, i: number) =>
      allowedPath(ctx, path).catch((err: unknown) => {
        throw err instanceof InputError ? new InputError(`${this.displayName} file ${i + 1}: ${err.message}`, err.status) : err;
      });
    return Promise.all(paths.map(allowed)).then((files) => ({ text, files }));
  }

  /** A string, or `{text, files}` with paths or FileData → the wire value; files not yet served are copied into the output cache. */
  async postprocess(value: unknown, ctx?: PostprocessContext): Promise<{ text: string; files: FileData[] } | null> {
    if (value === null || value === undefined) return null;
    if (typeof value === "string") return { text: value, files: [] };
    if (!isObject(value)) {
      throw new Error(`${this.displayName} output must be a string or {text, files}; fn returned ${describeValue(value)}.`);
    }
    const text = value.text ?? "";
    if (typeof text !== "string")
      throw new Error(`${this.displayName} output's "text" must be a string; fn returned ${describeValue(text)}.`);
    const files = value.files ?? [];
    if (!Array.isArray(files)) throw new Error(`${this.displayName} output's "files" must be a list; fn returned ${describeValue(files)}.`);
    if (files.length === 0) return { text, files: [] };
    const out = needSaving(ctx, this.displayName) as PostprocessContext & Partial<PathContext>;
    return { text, files: await Promise.all(files.map((f) => outputFile(f, out, this.displayName))) };
  }

  /** The initial text goes in /config; initial files need the server to serve them, so they are left out. */
  protected override configValue(): { text: string; files: FileData[] } | null {
    const v = this.value;
    if (v === null || v === undefined) return null;
    return { text: typeof v === "string" ? v : (v.text ?? ""), files: [] };
  }

  /** An example `{text, files: paths}` (or a string) → the wire value, files as FileData with their URLs. */
  override asExample(value: unknown, fileUrl: (path: string) => string): unknown {
    if (typeof value === "string" || !isObject(value)) return { text: typeof value === "string" ? value : "", files: [] };
    const files = Array.isArray(value.files) ? value.files : [];
    return {
      text: typeof value.text === "string" ? value.text : "",
      files: files.map((f) => {
        const path = typeof f === "string" ? f : String((f as FileData).path);
        return { path, url: fileUrl(path), orig_name: basename(path), mime_type: mime.getType(path), meta: { _type: "gradio.FileData" } };
      }),
    };
  }

  /** Gradio's MultimodalData schema. */
  apiInfo(): Record<string, unknown> {
    return {
      $defs: { FileData: FILE_DATA_SCHEMA },
      properties: {
        text: { title: "Text", type: "string" },
        files: { items: { $ref: "#/$defs/FileData" }, title: "Files", type: "array" },
      },
      required: ["text"],
      title: "MultimodalData",
      type: "object",
    };
  }

  pythonType() {
    return { type: "Dict(text: str, files: List[filepath])", description: "" };
  }

  exampleInput(): unknown {
    const url = "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png";
    return { text: "Describe this image", files: [{ path: url, url, orig_name: "bus.png", meta: { _type: "gradio.FileData" } }] };
  }

  protected override ownProps(): Record<string, unknown> {
    return {
      file_types: this.fileTypes,
      file_count: this.fileCount,
      lines: this.lines,
      max_lines: this.maxLines,
      placeholder: this.placeholder,
      ...this.extra,
    };
  }
}

/** The File component: one or several files in or out (gradio components/file.py). */
import { readFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import mime from "mime";
import { describeValue } from "../errors.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import type { FlagContext, PreprocessContext } from "./component.ts";
import { allowedPath, needSaving, type PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";
import { FILE_DATA_SCHEMA } from "./media-input.ts";

/**
 * Options of {@link File}.
 *
 * @example
 * new File({ fileCount: "multiple", fileTypes: [".pdf", "image"], label: "Documents" })
 */
export interface FileOptions extends BaseOptions<string | string[] | null> {
  /** `"single"` (default): one file; `"multiple"` or `"directory"`: a list. */
  fileCount?: "single" | "multiple" | "directory";
  /** Extensions (".pdf") or kinds ("image", "audio", "video", "text") accepted; "file" or none: any. */
  fileTypes?: string[];
  /** What `fn` gets per file: its `"filepath"` (default) or its bytes (`"binary"`, a Uint8Array). */
  type?: "filepath" | "binary";
  height?: number | string;
  /** Let the user reorder the files of a multiple upload. */
  allowReordering?: boolean;
}

const EXAMPLE_URL = "https://github.com/gradio-app/gradio/raw/main/test/test_files/sample_file.pdf";

/**
 * Whether `name` is one of `fileTypes` (gradio client utils is_valid_file): an extension matches
 * the name's, a kind ("image") matches the MIME type's first part, "file" matches anything.
 *
 * @example
 * isValidFile("cat.PNG", [".png"]) // → true
 * isValidFile("notes.txt", ["image"]) // → false
 */
export function isValidFile(name: string, fileTypes: readonly string[]): boolean {
  const mimeType = mime.getType(name);
  const ext = extname(name).slice(1).toLowerCase();
  return fileTypes.some((t) =>
    t === "file" ? true : t.startsWith(".") ? t.slice(1).toLowerCase() === ext : !!mimeType && mimeType.startsWith(`${t}/`),
  );
}

/**
 * File input or output. As an input, `fn` gets the uploaded file's path (or bytes with
 * `type: "binary"`), or a list with `fileCount: "multiple"`; a file of a type not in `fileTypes`,
 * several files for a single File, or a path outside the uploads is refused with a 4xx. As an
 * output, `fn` returns a path (or a list of them); each is copied into the output cache and sent
 * as FileData.
 *
 * @example
 * new File({ fileCount: "multiple", fileTypes: [".csv"] })
 */
export class File extends BaseComponent<string | Uint8Array | (string | Uint8Array)[] | null, string | string[] | null> {
  static override readonly events = ["change", "select", "clear", "upload", "delete", "download"] as const;
  readonly type = "file";
  override readonly isFile = true;
  readonly fileCount: "single" | "multiple" | "directory";
  readonly fileTypes: string[] | undefined;
  readonly returns: "filepath" | "binary";
  private readonly extra: Record<string, unknown>;

  constructor(options: FileOptions = {}) {
    super(options);
    const count = options.fileCount ?? "single";
    if (!["single", "multiple", "directory"].includes(count)) {
      throw new Error(`File fileCount must be "single", "multiple" or "directory", got ${JSON.stringify(count)}.`);
    }
    const type = options.type ?? "filepath";
    if (type !== "filepath" && type !== "binary") throw new Error(`File type must be "filepath" or "binary", got ${JSON.stringify(type)}.`);
    this.fileCount = count;
    this.fileTypes = options.fileTypes;
    this.returns = type;
    this.extra = { height: options.height, allow_reordering: options.allowReordering ?? false };
  }

  private get multiple(): boolean {
    return this.fileCount !== "single";
  }

  private expected(): string {
    const kinds = this.fileTypes?.length ? ` of type ${this.fileTypes.join(", ")}` : "";
    return this.multiple
      ? `a list of files${kinds} (FileData from /gradio_api/upload)`
      : `one file${kinds} (FileData from /gradio_api/upload)`;
  }

  async preprocess(payload: unknown, ctx: PreprocessContext): Promise<string | Uint8Array | (string | Uint8Array)[] | null> {
    if (payload === null || payload === undefined) return null;
    if (!this.multiple) {
      if (Array.isArray(payload)) {
        if (payload.length !== 1) throw this.refuse(`expected ${this.expected()}; fileCount is "single", got ${describeValue(payload)}`);
        return this.one(payload[0], ctx);
      }
      return this.one(payload, ctx);
    }
    const list = Array.isArray(payload) ? payload : [payload];
    return Promise.all(list.map((p) => this.one(p, ctx)));
  }

  private async one(item: unknown, ctx: PreprocessContext): Promise<string | Uint8Array> {
    const path = (item as FileData | null)?.path;
    if (typeof item !== "object" || item === null || typeof path !== "string" || path === "") throw this.invalid(this.expected(), item);
    const name = (item as FileData).orig_name ?? basename(path);
    if (this.fileTypes?.length && !isValidFile(name, this.fileTypes)) {
      throw this.refuse(`expected a file of type ${this.fileTypes.join(", ")}, got ${JSON.stringify(name)}`);
    }
    return this.returns === "binary" ? ctx.readFile(path) : allowedPath(ctx, path);
  }

  /** A path (or FileData naming one), or a list of them → FileData of copies in the output cache. */
  async postprocess(value: unknown, ctx?: PostprocessContext): Promise<FileData | FileData[] | null> {
    if (value === null || value === undefined) return null;
    const out = needSaving(ctx, this.displayName);
    if (Array.isArray(value)) return Promise.all(value.map((v) => this.save(v, out)));
    return this.save(value, out);
  }

  private async save(value: unknown, out: PostprocessContext): Promise<FileData> {
    const path = typeof value === "string" ? value : (value as FileData | null)?.path;
    if (typeof path !== "string") {
      throw new Error(`${this.displayName} output must be a file path, FileData or a list of them; fn returned ${describeValue(value)}.`);
    }
    const name = (typeof value === "object" && (value as FileData).orig_name) || basename(path);
    const bytes = await readFile(path);
    const saved = await out.saveFile(bytes, name);
    return { path: saved, orig_name: name, size: bytes.length, mime_type: mime.getType(name), meta: { _type: "gradio.FileData" } };
  }

  /** An initial value needs the server to store it, so /config starts empty; the server may set it with `postprocess`. */
  protected override configValue(): null {
    return null;
  }

  /** An example path (or list of paths) → FileData with the URL the page shows it from. */
  override asExample(value: unknown, fileUrl: (path: string) => string): FileData | FileData[] {
    const one = (p: unknown): FileData => {
      const path = resolve(String(p));
      return { path, url: fileUrl(path), orig_name: basename(path), meta: { _type: "gradio.FileData" } };
    };
    return Array.isArray(value) ? value.map(one) : one(value);
  }

  /** FileData (or a list) → the path of a copy in the flagging folder (a JSON list of them for several). */
  override async flag(value: unknown, ctx: FlagContext): Promise<string> {
    if (Array.isArray(value)) {
      const paths = value.map((v) => (v as FileData | null)?.path).filter((p): p is string => typeof p === "string");
      return JSON.stringify(await Promise.all(paths.map((p) => ctx.saveFile(p))));
    }
    const path = (value as FileData | null | undefined)?.path;
    return typeof path === "string" ? ctx.saveFile(path) : super.flag(value, ctx);
  }

  /** A flagged copy's relative path (or a JSON list of them) → FileData naming the copies. */
  override readFromFlag(cell: string, dir: string): unknown {
    const one = (rel: string): FileData => ({ path: join(dir, rel), orig_name: basename(rel), meta: { _type: "gradio.FileData" } });
    if (cell === "" || cell === "null") return null;
    if (cell.startsWith("[")) return (JSON.parse(cell) as string[]).map(one);
    return one(cell);
  }

  apiInfo(): Record<string, unknown> {
    if (!this.multiple) return FILE_DATA_SCHEMA;
    return { items: { $ref: "#/$defs/FileData" }, title: "ListFiles", type: "array", $defs: { FileData: FILE_DATA_SCHEMA } };
  }

  pythonType() {
    return { type: this.multiple ? "list[filepath]" : "filepath", description: "" };
  }

  exampleInput(): unknown {
    const one = { path: EXAMPLE_URL, meta: { _type: "gradio.FileData" }, orig_name: "sample_file.pdf", url: EXAMPLE_URL };
    return this.multiple ? [one] : one;
  }

  protected override ownProps(): Record<string, unknown> {
    return { file_count: this.fileCount, file_types: this.fileTypes, type: this.returns, ...this.extra };
  }
}

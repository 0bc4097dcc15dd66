/**
 * The Image component: as an input, every way a client sends a picture, turned into validated
 * bytes; as an output, what `fn` returns written to the output cache and sent as FileData.
 */
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { describeValue, InputError } from "../errors.ts";
import { DEFAULT_MAX_PIXELS, type ImageFile, type ImageFormat, readImageHeader } from "../image-file.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import type { FlagContext, PreprocessContext } from "./component.ts";
import { needSaving, type PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";

/**
 * Options of {@link Image}.
 *
 * @example
 * new Image({ label: "photo", maxPixels: 20e6, maxUploadSide: 512 })
 */
export interface ImageOptions extends BaseOptions<ImageOutput | null> {
  /** Images above this many pixels are refused before decoding (default 50 MP). */
  maxPixels?: number;
  /** The web UI shrinks larger pictures to this long side before uploading (default 1024 px; 0 = never). */
  maxUploadSide?: number;
  /**
   * The format a sharp image `fn` returns is encoded in (default "webp", as Gradio 5+). Encoded
   * bytes and files are kept in their own format.
   */
  format?: "webp" | "png" | "jpeg" | "gif" | "avif" | "tiff";
  /** Where the page takes pictures from (default all three). */
  sources?: ("upload" | "webcam" | "clipboard")[];
  height?: number | string;
  width?: number | string;
}

/** The part of a sharp instance an Image output uses (duck-typed, so this module does not load sharp). */
interface SharpLike {
  toFormat(format: string): SharpLike;
  toBuffer(): Promise<Buffer>;
}

/**
 * What `fn` may return for an Image output: encoded image bytes (a Buffer or Uint8Array), a sharp
 * instance (encoded in the Image's `format`), the path of an image file, FileData naming one,
 * or the {@link ImageFile} an Image input gave it.
 *
 * @example
 * const out: ImageOutput = sharp(img.bytes).flip(); // → a webp in the output cache
 */
export type ImageOutput = Uint8Array | SharpLike | string | FileData | ImageFile;

const isSharp = (v: unknown): v is SharpLike =>
  typeof v === "object" && v !== null && typeof (v as SharpLike).toBuffer === "function" && typeof (v as SharpLike).toFormat === "function";

const EXTENSIONS: Record<ImageFormat, string> = {
  jpeg: "jpg",
  png: "png",
  webp: "webp",
  gif: "gif",
  avif: "avif",
  bmp: "bmp",
  tiff: "tiff",
};

const FAILED_UPLOAD =
  "No image arrived: the upload failed or no image was provided. Send the image as a data URL (data:image/png;base64,…) or as FileData from /gradio_api/upload.";

function decodeBase64(text: string): Uint8Array {
  // Lenient as Gradio 3 (`b64decode(x.rsplit(",", 1)[-1])`): the MIME part is ignored, so
  // "data:image/octet-stream;base64,…" works too; Buffer.from skips whitespace.
  return Buffer.from(text.slice(text.lastIndexOf(",") + 1), "base64");
}

/**
 * An image input or output. As an input, `fn` receives an {@link ImageFile}: the encoded bytes,
 * checked to be a JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF within the pixel limit; pass it to
 * `classifier.classify()`, which decodes it off the main thread. As an output, `fn` returns an
 * {@link ImageOutput}; it is written to the server's output cache and sent as FileData, which the
 * page and clients fetch from `/gradio_api/file=`.
 *
 * Accepts a data URL string (Gradio 3 pages such as fast.ai's tinypets), FileData with a `path`
 * from /gradio_api/upload, an http(s) URL as `path`/`url` or a bare string (downloaded, public
 * addresses only), a `url` holding a data URL, and Gradio 3's `{name, data}`.
 *
 * @example
 * new Interface({ fn: (img: ImageFile) => model.classify(img), inputs: new Image(), outputs: new Label() });
 */
export class Image extends BaseComponent<ImageFile, ImageOutput | null> {
  static override readonly events = ["clear", "change", "stream", "select", "upload", "input"] as const;
  readonly type = "image";
  override readonly isFile = true;
  readonly maxPixels: number;
  readonly maxUploadSide: number;
  readonly format: string;
  private readonly extra: Record<string, unknown>;

  constructor(options: ImageOptions = {}) {
    super(options);
    this.maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    this.maxUploadSide = options.maxUploadSide ?? 1024;
    this.format = options.format ?? "webp";
    this.extra = { sources: options.sources ?? ["upload", "webcam", "clipboard"], height: options.height, width: options.width };
  }

  async preprocess(payload: unknown, ctx: PreprocessContext): Promise<ImageFile> {
    const { bytes, name } = await this.fetchBytes(payload, ctx);
    return { bytes, header: readImageHeader(bytes, this.maxPixels), name };
  }

  private async fetchBytes(payload: unknown, ctx: PreprocessContext): Promise<{ bytes: Uint8Array; name?: string }> {
    if (payload === null || payload === undefined) throw new InputError(FAILED_UPLOAD, 422);
    if (typeof payload === "string") {
      if (/^https?:\/\//i.test(payload)) return { bytes: await ctx.fetchUrl(payload) };
      return { bytes: this.fromString(payload) };
    }
    if (typeof payload !== "object" || Array.isArray(payload)) {
      throw new InputError(`Expected an image (a data URL string or FileData), got ${describeValue(payload)}.`, 422);
    }
    const p = payload as Record<string, unknown>;
    const name = typeof p.orig_name === "string" ? p.orig_name : typeof p.name === "string" ? p.name : undefined;
    // What @gradio/client sends when its upload failed: a Blob serialised as {} or a Buffer as {type, data}.
    if (Object.keys(p).length === 0 || (p.type === "Buffer" && Array.isArray(p.data))) throw new InputError(FAILED_UPLOAD, 422);
    if (typeof p.data === "string") return { bytes: this.fromString(p.data), name }; // Gradio 3 file dict
    if (typeof p.path === "string" && p.path !== "" && !/^https?:\/\//i.test(p.path)) {
      return { bytes: await ctx.readFile(p.path), name };
    }
    if (typeof p.url === "string" && p.url.startsWith("data:")) return { bytes: decodeBase64(p.url), name };
    const url = typeof p.path === "string" && p.path ? p.path : p.url;
    if (typeof url === "string" && /^https?:\/\//i.test(url)) return { bytes: await ctx.fetchUrl(url), name }; // handle_file(url), curl
    throw new InputError(`Expected FileData with a "path" or a data-URL "url", got ${describeValue(payload)}.`, 422);
  }

  private fromString(text: string): Uint8Array {
    if (text.startsWith("data:")) {
      if (!text.includes(",")) throw new InputError(`The data URL has no comma before its data: ${describeValue(text)}.`, 422);
      return decodeBase64(text);
    }
    if (text.length > 0 && /^[A-Za-z0-9+/=\s_-]+$/.test(text)) return decodeBase64(text); // bare base64
    throw new InputError(`Expected the image as a data URL (data:image/png;base64,…) or FileData, got ${describeValue(text)}.`, 422);
  }

  /** An example path → FileData with the URL the page shows it from. */
  override asExample(value: unknown, fileUrl: (path: string) => string): FileData {
    const path = resolve(String(value));
    return { path, url: fileUrl(path), orig_name: basename(path), meta: { _type: "gradio.FileData" } };
  }

  /** FileData → the path of a copy in the flagging folder (what arrives otherwise, e.g. a data URL, is kept as it is). */
  override async flag(value: unknown, ctx: FlagContext): Promise<string> {
    const path = (value as { path?: unknown } | null | undefined)?.path;
    return typeof path === "string" ? ctx.saveFile(path) : super.flag(value, ctx);
  }

  /** A flagged copy's relative path → FileData naming the copy. */
  override readFromFlag(cell: string, dir: string): unknown {
    if (cell.startsWith("{") || cell.startsWith("data:") || cell === "null") return super.readFromFlag(cell, dir);
    const path = join(dir, cell);
    return { path, orig_name: basename(path), meta: { _type: "gradio.FileData" } } satisfies FileData;
  }

  /**
   * What `fn` returned → FileData of a file in the output cache (`ctx.saveFile`). Bytes must be
   * an image (checked from the header); a sharp instance is encoded in `format`.
   */
  async postprocess(value: unknown, ctx?: PostprocessContext): Promise<FileData | null> {
    if (value === null || value === undefined) return null;
    const out = needSaving(ctx, this.displayName);
    let bytes: Uint8Array;
    let name: string | undefined;
    if (isSharp(value)) bytes = await value.toFormat(this.format).toBuffer();
    else if (value instanceof Uint8Array) bytes = value;
    else if (typeof value === "string") [bytes, name] = [await readFile(value), basename(value)];
    else if (typeof value === "object" && (value as ImageFile).bytes instanceof Uint8Array) {
      [bytes, name] = [(value as ImageFile).bytes, (value as ImageFile).name];
    } else if (typeof value === "object" && typeof (value as FileData).path === "string") {
      const path = (value as FileData).path as string;
      [bytes, name] = [await readFile(path), (value as FileData).orig_name ?? basename(path)];
    } else {
      throw new Error(
        `${this.displayName} output must be image bytes, a sharp image, a file path or FileData; fn returned ${describeValue(value)}.`,
      );
    }
    let format: ImageFormat;
    try {
      format = readImageHeader(bytes, Number.POSITIVE_INFINITY).format;
    } catch (err) {
      // fn's mistake, not the caller's: a plain error (500), not the InputError the header check throws.
      throw new Error(`${this.displayName} output is not an image file: ${(err as Error).message}`);
    }
    const stem =
      (name ?? "image")
        .replace(/\.[^.]*$/, "")
        .replace(/[^\w.-]+/g, "_")
        .slice(0, 100) || "image";
    const file = `${stem}.${EXTENSIONS[format]}`;
    const path = await out.saveFile(bytes, file);
    return { path, orig_name: file, size: bytes.length, mime_type: `image/${format}`, meta: { _type: "gradio.FileData" } };
  }

  /** An initial value needs the server to store it, so /config starts empty; the server may set it with `postprocess`. */
  protected override configValue(): null {
    return null;
  }

  apiInfo(): Record<string, unknown> {
    const opt = (type: string, description: string, title: string) => ({
      anyOf: [{ type }, { type: "null" }],
      default: null,
      description,
      title,
    });
    return {
      properties: {
        path: opt("string", "Path to a local file", "Path"),
        url: opt("string", "Publicly available url or base64 encoded image", "Url"),
        size: opt("integer", "Size of image in bytes", "Size"),
        orig_name: opt("string", "Original filename", "Orig Name"),
        mime_type: opt("string", "mime type of image", "Mime Type"),
        is_stream: { default: false, description: "Can always be set to False", title: "Is Stream", type: "boolean" },
        meta: { additionalProperties: true, default: { _type: "gradio.FileData" }, title: "Meta", type: "object" },
      },
      title: "ImageData",
      type: "object",
      additional_description: "A local filepath or publicly available URL.",
    };
  }

  pythonType() {
    return { type: "filepath", description: "A local filepath or publicly available URL." };
  }

  exampleInput(): unknown {
    return {
      path: "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png",
      meta: { _type: "gradio.FileData" },
      orig_name: "bus.png",
      url: "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png",
    };
  }

  protected override ownProps(): Record<string, unknown> {
    return {
      image_mode: "RGB",
      type: "filepath",
      streaming: false,
      format: this.format,
      webcam_options: { mirror: true },
      max_upload_side: this.maxUploadSide,
      ...this.extra,
    };
  }
}

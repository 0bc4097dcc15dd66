/** The Image input: every way a client sends a picture, turned into validated bytes. */
import { describeValue, InputError } from "../errors.ts";
import { DEFAULT_MAX_PIXELS, readImageHeader, type ImageFile } from "../image-file.ts";
import { basename, join, resolve } from "node:path";
import { Component, type ComponentOptions, type FlagContext, type PreprocessContext } from "./component.ts";
import type { FileData } from "./file-data.ts";

/**
 * Options of {@link Image}.
 *
 * @example
 * new Image({ label: "photo", maxPixels: 20e6, maxUploadSide: 512 })
 */
export interface ImageOptions extends ComponentOptions {
  /** Images above this many pixels are refused before decoding (default 50 MP). */
  maxPixels?: number;
  /** The web UI shrinks larger pictures to this long side before uploading (default 1024 px; 0 = never). */
  maxUploadSide?: number;
}

const FAILED_UPLOAD =
  "No image arrived: the upload failed or no image was provided. Send the image as a data URL (data:image/png;base64,…) or as FileData from /gradio_api/upload.";

function decodeBase64(text: string): Uint8Array {
  // Lenient as Gradio 3 (`b64decode(x.rsplit(",", 1)[-1])`): the MIME part is ignored, so
  // "data:image/octet-stream;base64,…" works too; Buffer.from skips whitespace.
  return Buffer.from(text.slice(text.lastIndexOf(",") + 1), "base64");
}

/**
 * An image input. `fn` receives an {@link ImageFile}: the encoded bytes, checked to be a
 * JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF within the pixel limit; pass it to
 * `classifier.classify()`, which decodes it off the main thread.
 *
 * Accepts a data URL string (Gradio 3 pages such as fast.ai's tinypets), FileData with a `path`
 * from /gradio_api/upload, an http(s) URL as `path`/`url` or a bare string (downloaded, public
 * addresses only), a `url` holding a data URL, and Gradio 3's `{name, data}`.
 *
 * @example
 * new Interface({ fn: (img: ImageFile) => model.classify(img), inputs: new Image(), outputs: new Label() });
 */
export class Image extends Component<ImageFile> {
  readonly type = "image";
  override readonly isFile = true;
  override readonly inputOnly = true;
  readonly maxPixels: number;
  readonly maxUploadSide: number;

  constructor(options: ImageOptions = {}) {
    super(options);
    this.maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    this.maxUploadSide = options.maxUploadSide ?? 1024;
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

  postprocess(): never {
    throw new Error("Image is an input component here; use it in `inputs`.");
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

  props(): Record<string, unknown> {
    return {
      image_mode: "RGB",
      sources: ["upload", "webcam", "clipboard"],
      type: "filepath",
      streaming: false,
      format: "webp",
      webcam_options: { mirror: true },
      max_upload_side: this.maxUploadSide,
    };
  }
}

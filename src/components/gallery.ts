/** The Gallery component (gradio components/gallery.py): a grid of pictures with captions. */
import { describeValue } from "../errors.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import type { PreprocessContext } from "./component.ts";
import { needSaving, type PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";
import { Image, type ImageOutput } from "./image.ts";
import { FILE_DATA_SCHEMA, uploadedPath } from "./media-input.ts";

/**
 * Options of {@link Gallery}.
 *
 * @example
 * new Gallery({ label: "Generated images", columns: 3, objectFit: "contain", height: "auto" })
 */
export interface GalleryOptions extends BaseOptions<null> {
  columns?: number;
  rows?: number;
  height?: number | string;
  /** How pictures fill their cell: "contain", "cover", "fill", "none", "scale-down". */
  objectFit?: "contain" | "cover" | "fill" | "none" | "scale-down";
  allowPreview?: boolean;
  /** Open on the first picture. */
  preview?: boolean;
  selectedIndex?: number;
  /** The format pictures `fn` makes (bytes, sharp) are encoded in (default "webp"). */
  format?: "webp" | "png" | "jpeg";
}

/** One picture of a Gallery on the wire (gradio GalleryImage). */
export interface GalleryImage {
  image: FileData;
  caption: string | null;
}

/** What `fn` may return per picture: a picture (anything an Image output takes), or `[picture, caption]`. */
export type GalleryItem = ImageOutput | [ImageOutput, string | null];

/**
 * A grid of pictures, each with an optional caption. As an output `fn` returns a list of
 * pictures — paths, FileData, encoded bytes or sharp images — or `[picture, caption]` pairs;
 * as an input `fn` gets `[path, caption]` pairs of the uploaded pictures.
 *
 * @example
 * new Interface({ fn: () => [["examples/bag.png", "A bag"], "examples/dress.png"], inputs: [], outputs: new Gallery({ columns: 2 }) });
 */
export class Gallery extends BaseComponent<[string, string | null][], null> {
  static override readonly events = ["select", "upload", "change", "delete", "preview_close", "preview_open"] as const;
  readonly type = "gallery";
  override readonly isFile = true;
  readonly format: "webp" | "png" | "jpeg";
  private encoder: Image | undefined;
  private readonly extra: Record<string, unknown>;

  constructor(options: GalleryOptions = {}) {
    super(options);
    this.format = options.format ?? "webp";
    this.extra = {
      columns: options.columns ?? 2,
      rows: options.rows,
      height: options.height,
      object_fit: options.objectFit,
      allow_preview: options.allowPreview ?? true,
      preview: options.preview,
      selected_index: options.selectedIndex,
      type: "filepath",
      format: this.format,
      file_types: ["image", "video"],
      interactive: options.interactive,
    };
  }

  async preprocess(payload: unknown, ctx: PreprocessContext): Promise<[string, string | null][]> {
    if (payload === null || payload === undefined) return [];
    if (!Array.isArray(payload)) throw this.invalid("a list of {image: FileData, caption}", payload);
    return Promise.all(
      payload.map(async (item) => {
        const file = (item as { image?: unknown; video?: unknown } | null)?.image ?? (item as { video?: unknown } | null)?.video;
        const path = await uploadedPath(file, ctx, this.displayName);
        const caption = (item as { caption?: unknown }).caption;
        return [path, typeof caption === "string" ? caption : null] as [string, string | null];
      }),
    );
  }

  async postprocess(value: unknown, ctx?: PostprocessContext): Promise<GalleryImage[]> {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value))
      throw new Error(`${this.displayName} output must be a list of pictures; fn returned ${describeValue(value)}.`);
    const out = needSaving(ctx, this.displayName);
    // Created here, not in the constructor: a component made while a Blocks callback runs would be placed in the page.
    this.encoder ??= new Image({ format: this.format, label: this.label });
    return Promise.all(
      value.map(async (item) => {
        const pair = Array.isArray(item) && item.length === 2 && (typeof item[1] === "string" || item[1] === null);
        const [picture, caption] = pair ? (item as [unknown, string | null]) : [item, null];
        const image = await this.encoder!.postprocess(picture, out);
        if (!image) throw new Error(`${this.displayName} output has an empty picture.`);
        return { image, caption };
      }),
    );
  }

  protected override configValue(): null {
    return null;
  }

  apiInfo(): Record<string, unknown> {
    return {
      $defs: { FileData: FILE_DATA_SCHEMA },
      items: {
        properties: {
          image: { $ref: "#/$defs/FileData" },
          caption: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Caption" },
        },
        required: ["image"],
        title: "GalleryImage",
        type: "object",
      },
      title: "GalleryData",
      type: "array",
    };
  }

  pythonType() {
    return { type: "List[Dict(image: filepath, caption: str | None)]", description: "" };
  }

  exampleInput(): unknown {
    return [
      {
        image: {
          path: "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png",
          meta: { _type: "gradio.FileData" },
        },
        caption: null,
      },
    ];
  }

  protected override ownProps(): Record<string, unknown> {
    return this.extra;
  }
}

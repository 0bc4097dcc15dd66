/**
 * Reads an image's format and dimensions from its first bytes, without decoding it, so that a
 * text file, a HEIC photo or a 20,000×20,000 PNG is refused before any pixel is allocated.
 */
import { imageSize } from "image-size";
import { InputError } from "./errors.ts";

/**
 * Formats the decoders accept (sharp decodes all but BMP; jimp decodes BMP).
 *
 * @example
 * const format: ImageFormat = readImageHeader(bytes).format; // "png"
 */
export type ImageFormat = "jpeg" | "png" | "webp" | "gif" | "avif" | "bmp" | "tiff";

/**
 * What the header says.
 *
 * @example
 * readImageHeader(bytes) // → { format: "png", width: 28, height: 28 }
 */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** The default pixel limit: 50 MP, above any phone camera's 48 MP mode. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

const FORMATS: Record<string, ImageFormat> = {
  jpg: "jpeg",
  png: "png",
  webp: "webp",
  gif: "gif",
  avif: "avif",
  bmp: "bmp",
  tiff: "tiff",
};

const ACCEPTED = "JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF";

/** Says in a few words what non-image bytes look like, for the error message. */
function describe(bytes: Uint8Array): string {
  const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 64));
  if (/^\s*<(\?xml[^>]*>\s*)?<?svg/i.test(head)) return "an SVG drawing, which is not supported";
  if (/^\x00\x00\x00.ftyp(heic|heix|hevc|mif1|msf1)/.test(head)) {
    return "a HEIC/HEIF photo, which is not supported: convert it to JPEG (on an iPhone, Settings → Camera → Formats → Most Compatible)";
  }
  if (head.startsWith("%PDF")) return "a PDF document";
  // Text: no control characters other than whitespace in the first bytes.
  if (!/[\x00-\x08\x0e-\x1f]/.test(head) && !head.includes("\ufffd")) {
    const preview = head.replace(/\s+/g, " ").trim().slice(0, 24);
    return `text starting ${JSON.stringify(preview)}`;
  }
  const hex = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `${bytes.length} bytes of unknown data starting ${hex}`;
}

/**
 * Sniffs format and size by magic bytes (never by file name or MIME type: clients send
 * `application/octet-stream` and the name `blob`) and enforces the pixel limit.
 *
 * @throws {InputError} 400 for empty or non-image data, 413 for too many pixels.
 * @example
 * readImageHeader(pngBytes) // → { format: "png", width: 28, height: 28 }
 */
export function readImageHeader(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): ImageHeader {
  if (bytes.length === 0) throw new InputError("The image is empty (0 bytes).");
  let size: ReturnType<typeof imageSize> | undefined;
  try {
    size = imageSize(bytes);
  } catch {
    size = undefined;
  }
  const format = size?.type ? FORMATS[size.type] : undefined;
  if (size?.type && !format) {
    // An image, but of a kind the decoders do not read (ICO, PSD, SVG, HEIC, JPEG XL…).
    const hint = /^hei[cf]$/.test(size.type) ? " (on an iPhone: Settings → Camera → Formats → Most Compatible)" : "";
    throw new InputError(`Unsupported image format: ${size.type.toUpperCase()}. Send ${ACCEPTED}${hint}.`, 415);
  }
  if (!size || !format) {
    throw new InputError(`Not an image: expected ${ACCEPTED} data, got ${describe(bytes)}.`);
  }
  const { width, height } = size;
  if (!width || !height)
    throw new InputError(`The ${format.toUpperCase()} image has no size in its header (${width}×${height}); the file is probably damaged.`);
  if (width * height > maxPixels) {
    const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;
    throw new InputError(
      `The image is ${width}×${height} pixels (${mp(width * height)}); the limit is ${mp(maxPixels)}. Resize it before uploading.`,
      413,
    );
  }
  return { format, width, height };
}

/**
 * An image that passed {@link readImageHeader}: its bytes, what the header says, and its name if any.
 *
 * @example
 * const file: ImageFile = await new Image().preprocess(dataUrl, ctx); // { bytes, header: { format: "png", width: 28, height: 28 } }
 */
export interface ImageFile {
  bytes: Uint8Array;
  header: ImageHeader;
  name?: string;
}

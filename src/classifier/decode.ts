/**
 * Decodes an image and writes it, resized and normalised, into a slot of the model's input
 * tensor. Runs in classifier workers only: jimp decodes synchronously (1.3 s for a 12 MP JPEG)
 * and even sharp's bookkeeping is better kept off the server's event loop.
 */
import sharp from "sharp";
import { InputError } from "../errors.ts";
import type { ImageHeader } from "../image-file.ts";
import type { ModelInfo } from "./model-info.ts";
import { type Pixels, writeTensor } from "./tensor.ts";
import { decodeSmall } from "./small-image.ts";
import { wasmDecoder } from "./wasm-codecs.ts";

/** Which library decodes: sharp (libvips, fast, default) or jimp (pure JavaScript; WebP and AVIF through wasm). */
export type DecodeBackend = "sharp" | "jimp";

async function decodeWithSharp(bytes: Uint8Array, info: ModelInfo, maxPixels: number): Promise<Pixels> {
  const [height, width] = info.size;
  const fit = info.resize === "squish" ? "fill" : info.resize === "crop" ? "cover" : "contain";
  // failOn "warning" (sharp's default) turns a truncated JPEG or PNG into an error, not grey pixels.
  let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: "warning" })
    .rotate() // apply EXIF orientation, as Gradio does with PIL's exif_transpose
    .resize(width, height, { fit, background: { r: 0, g: 0, b: 0 } });
  pipeline = info.channels === 1 ? pipeline.greyscale() : pipeline.toColourspace("srgb");
  const { data, info: out } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, channels: out.channels };
}

async function decodeWithJimp(bytes: Uint8Array, header: ImageHeader, info: ModelInfo): Promise<Pixels> {
  const [h, w] = info.size;
  const { Jimp } = await import("jimp"); // loaded on first use: most deployments never need it
  // biome-ignore lint/suspicious/noImplicitAnyLet: jimp's constructor and fromBuffer() return instance types that TypeScript cannot unify; each branch types its own.
  let image;
  if (header.format === "webp" || header.format === "avif") {
    const own = new Uint8Array(bytes).buffer; // a copy: the decoder takes an ArrayBuffer of its own (jimp has no WebP or AVIF decoder)
    const { data, width, height } = await (await wasmDecoder(header.format))(own);
    image = new Jimp({ data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height });
  } else {
    image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)); // applies EXIF orientation
  }
  if (info.resize === "squish") image.resize({ w, h });
  else if (info.resize === "crop") image.cover({ w, h });
  else image.contain({ w, h });
  const rgba = image.bitmap.data;
  const n = w * h;
  const data = new Uint8Array(n * info.channels);
  for (let i = 0; i < n; i++) {
    const r = rgba[i * 4]!,
      g = rgba[i * 4 + 1]!,
      b = rgba[i * 4 + 2]!;
    const a = rgba[i * 4 + 3]! / 255; // contain() pads with transparent pixels: show them black, as sharp does
    if (info.channels === 1)
      data[i] = Math.round((0.299 * r + 0.587 * g + 0.114 * b) * a); // ITU-R 601, as PIL's "L"
    else {
      data[i * 3] = r * a;
      data[i * 3 + 1] = g * a;
      data[i * 3 + 2] = b * a;
    }
  }
  return { data, channels: info.channels };
}

/**
 * Decodes `bytes` and writes the normalised CHW pixels into `out` (length channels × H × W).
 * BMP always goes through jimp, because sharp's libvips has no BMP loader.
 *
 * @throws {InputError} when the data cannot be decoded (truncated, corrupt).
 * @example
 * const tensor = new Float32Array(1 * 28 * 28);
 * await imageToTensor(pngBytes, header, info, "sharp", 50e6, tensor);
 */
export async function imageToTensor(
  bytes: Uint8Array,
  header: ImageHeader,
  info: ModelInfo,
  backend: DecodeBackend,
  maxPixels: number,
  out: Float32Array,
): Promise<void> {
  let pixels: Pixels;
  try {
    pixels =
      backend === "jimp" || header.format === "bmp"
        ? await decodeWithJimp(bytes, header, info)
        : ((await decodeSmall(bytes, header, info)) ?? (await decodeWithSharp(bytes, info, maxPixels)));
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new InputError(
      `Could not decode the ${header.format.toUpperCase()} image (${header.width}×${header.height}, ${bytes.length} bytes): ${reason}. The file may be truncated or damaged.`,
    );
  }
  writeTensor(pixels, info, out);
}

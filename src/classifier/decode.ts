/**
 * Decodes an image and writes it, resized and normalised, into a slot of the model's input
 * tensor. Runs in classifier workers only: jimp decodes synchronously (1.3 s for a 12 MP JPEG)
 * and even sharp's bookkeeping is better kept off the server's event loop.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { crc32, inflateSync } from "node:zlib";
import sharp from "sharp";
import { InputError } from "../errors.ts";
import type { ImageHeader } from "../image-file.ts";
import type { ModelInfo } from "./model-info.ts";
import { type Pixels, writeTensor } from "./tensor.ts";

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

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * A PNG already at the model's size, decoded here without sharp: sharp's fixed cost per call
 * (~0.7 ms: a libvips pipeline, a threadpool hop) is 20× the work of inflating and unfiltering
 * 28×28 pixels. Only the cases where sharp's pipeline is the identity: 8-bit grey, grey+alpha,
 * RGB or RGBA, not interlaced, no colour profile or EXIF, and a grey image or a 3-channel
 * model (RGB → grey is libvips' colourimetry: left to sharp). `undefined` = not this fast path.
 * Chunk CRCs are checked, as libpng does, so damaged files fail as they do with sharp.
 *
 * @throws {Error} when the file is truncated or damaged.
 */
export function decodeSmallPng(bytes: Uint8Array, info: ModelInfo): Pixels | undefined {
  const [height, width] = info.size;
  if (bytes.length < 8 + 25 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || view.getUint32(12) !== 0x49484452) return undefined; // IHDR first
  const [w, h, depth, colour, , , interlace] = [
    view.getUint32(16),
    view.getUint32(20),
    bytes[24]!,
    bytes[25]!,
    bytes[26],
    bytes[27],
    bytes[28]!,
  ];
  const have = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (w !== width || h !== height || depth !== 8 || interlace !== 0 || !have) return undefined;
  const grey = colour === 0 || colour === 4;
  if (!grey && info.channels !== 3) return undefined;
  const idat: Uint8Array[] = [];
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) throw new Error("PNG truncated: no IEND chunk");
    const length = view.getUint32(at),
      type = view.getUint32(at + 4);
    const end = at + 12 + length;
    if (end > bytes.length) throw new Error("PNG truncated inside a chunk");
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) throw new Error("PNG chunk CRC mismatch");
    if (type === 0x49444154)
      idat.push(bytes.subarray(at + 8, at + 8 + length)); // IDAT
    else if (type === 0x49454e44)
      break; // IEND
    else if (type === 0x69434350 || type === 0x65584966) return undefined; // iCCP, eXIf: sharp converts/rotates
    at = end;
  }
  const stride = w * have;
  const raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  if (raw.length !== h * (stride + 1)) throw new Error(`PNG image data is ${raw.length} bytes, expected ${h * (stride + 1)}`);
  const px = new Uint8Array(h * stride);
  for (let y = 0; y < h; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1,
      row = y * stride,
      up = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= have ? px[row + x - have]! : 0,
        b = y > 0 ? px[up + x]! : 0,
        c = x >= have && y > 0 ? px[up + x - have]! : 0;
      const v = raw[src + x]!;
      if (filter === 0) px[row + x] = v;
      else if (filter === 1) px[row + x] = v + a;
      else if (filter === 2) px[row + x] = v + b;
      else if (filter === 3) px[row + x] = v + ((a + b) >> 1);
      else if (filter === 4) {
        const p = a + b - c,
          pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        px[row + x] = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      } else throw new Error(`PNG row ${y} has an unknown filter type ${filter}`);
    }
  }
  // removeAlpha(): the colour channels as they are (sharp does not flatten either).
  const keep = grey ? 1 : 3;
  if (keep === have) return { data: px, channels: keep };
  const data = new Uint8Array(w * h * keep);
  for (let i = 0, n = w * h; i < n; i++) for (let k = 0; k < keep; k++) data[i * keep + k] = px[i * have + k]!;
  return { data, channels: keep };
}

type Wasm = "webp" | "avif";
type WasmDecode = (bytes: ArrayBuffer) => Promise<{ data: Uint8ClampedArray; width: number; height: number }>;
const wasmDecoders = new Map<Wasm, Promise<WasmDecode>>();

// jimp has no WebP or AVIF decoder; @jsquash's wasm builds of libwebp and libavif do. Their
// emscripten loader fetches the .wasm by URL, which Node's fetch cannot do for file: URLs, so
// they get the compiled module instead. Loaded on first use only.
function wasmDecoder(format: Wasm): Promise<WasmDecode> {
  let decoder = wasmDecoders.get(format);
  if (!decoder) {
    decoder = (async () => {
      const codec = format === "webp" ? await import("@jsquash/webp/decode.js") : await import("@jsquash/avif/decode.js");
      const file = format === "webp" ? "@jsquash/webp/codec/dec/webp_dec.wasm" : "@jsquash/avif/codec/dec/avif_dec.wasm";
      await codec.init(await WebAssembly.compile(await readFile(fileURLToPath(import.meta.resolve(file)))));
      return async (bytes: ArrayBuffer) => {
        const image = await codec.default(bytes);
        if (!image) throw new Error(`${format.toUpperCase()} decoding failed`);
        return image;
      };
    })();
    wasmDecoders.set(format, decoder);
  }
  return decoder;
}

async function decodeWithJimp(bytes: Uint8Array, header: ImageHeader, info: ModelInfo): Promise<Pixels> {
  const [h, w] = info.size;
  const { Jimp } = await import("jimp"); // loaded on first use: most deployments never need it
  // biome-ignore lint/suspicious/noImplicitAnyLet: jimp's constructor and fromBuffer() return instance types that TypeScript cannot unify; each branch types its own.
  let image;
  if (header.format === "webp" || header.format === "avif") {
    const own = bytes.slice().buffer; // the decoder takes an ArrayBuffer of its own
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
        : (header.format === "png" && decodeSmallPng(bytes, info)) || (await decodeWithSharp(bytes, info, maxPixels));
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new InputError(
      `Could not decode the ${header.format.toUpperCase()} image (${header.width}×${header.height}, ${bytes.length} bytes): ${reason}. The file may be truncated or damaged.`,
    );
  }
  writeTensor(pixels, info, out);
}

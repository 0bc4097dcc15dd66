/**
 * Pictures already at the model's input size, decoded without sharp: sharp's fixed cost per call
 * (~0.75 ms: a libvips pipeline, a hop to its thread pool) is 10–50× the work of decoding a
 * 28×28 picture. PNG of every colour type and bit depth (./png.ts), baseline and progressive JPEG
 * (MozJPEG in wasm) and WebP (libwebp in wasm); RGB → grey as libvips does it (./grey.ts).
 *
 * Only where sharp's pipeline is then the identity: no EXIF (sharp rotates by it), no ICC profile
 * (sharp converts from it), no CMYK, nothing animated; anything else is `undefined`, left to sharp.
 * The pixels are sharp's, byte for byte (RGB → grey: all but 118 of the 16.7 M colours, which
 * are 1 apart); test/classifier/decode-small.test.ts checks every fixture kind against sharp.
 */
import type { ImageHeader } from "../image-file.ts";
import { grey16Table, greyFromRgb } from "./grey.ts";
import type { ModelInfo } from "./model-info.ts";
import { decodePng } from "./png.ts";
import type { Pixels } from "./tensor.ts";
import { wasmDecoder } from "./wasm-codecs.ts";

const ascii = (bytes: Uint8Array, at: number, text: string) => [...text].every((ch, i) => bytes[at + i] === ch.charCodeAt(0));

/**
 * What a JPEG needs for its decode to be sharp's: 8-bit, baseline/extended/progressive Huffman,
 * grey or YCbCr at 4:4:4, 4:2:2 or 4:2:0 (what cameras, browsers and encoders write), ending in
 * EOI (a truncated file is sharp's to refuse); no EXIF, ICC profile or Adobe marker.
 * `undefined` otherwise.
 */
function plainJpeg(bytes: Uint8Array): { grey: boolean } | undefined {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[n - 2] !== 0xff || bytes[n - 1] !== 0xd9) return undefined;
  let grey: boolean | undefined;
  let at = 2;
  while (at + 4 <= n) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    const s = at + 4; // the segment's data
    if (length < 2 || at + 2 + length > n) return undefined;
    if (marker === 0xda) return grey === undefined ? undefined : { grey }; // SOS: the header is all read
    if (marker === 0xe1 && ascii(bytes, s, "Exif\0")) return undefined;
    if (marker === 0xe2 && ascii(bytes, s, "ICC_PROFILE\0")) return undefined;
    if (marker === 0xee && ascii(bytes, s, "Adobe")) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // SOF: only Huffman baseline (C0), extended (C1) and progressive (C2), 8-bit.
      if (marker > 0xc2 || bytes[s] !== 8) return undefined;
      const components = bytes[s + 5];
      const sampling = (i: number) => bytes[s + 7 + 3 * i]!;
      if (components === 1) grey = true;
      else if (components === 3) {
        // Component ids R, G, B mean RGB, not YCbCr, to libjpeg: rare, left to sharp.
        if (bytes[s + 6] === 0x52 && bytes[s + 9] === 0x47 && bytes[s + 12] === 0x42) return undefined;
        if (![0x11, 0x21, 0x22].includes(sampling(0)) || sampling(1) !== 0x11 || sampling(2) !== 0x11) return undefined;
        grey = false;
      } else return undefined;
    }
    at += 2 + length;
  }
  return undefined;
}

/** A WebP that is one still picture without ICC profile or EXIF (VP8X flags), and whole. */
function plainWebp(bytes: Uint8Array): boolean {
  if (bytes.length < 30 || !ascii(bytes, 0, "RIFF") || !ascii(bytes, 8, "WEBP")) return false;
  const riff = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  if (riff + 8 > bytes.length) return false;
  if (ascii(bytes, 12, "VP8 ") || ascii(bytes, 12, "VP8L")) return true;
  return ascii(bytes, 12, "VP8X") && (bytes[20]! & (0x20 | 0x08 | 0x02)) === 0; // ICC, EXIF, animation
}

/** Interleaved samples → one channel, or the first three. */
function pick(data: Uint8Array | Uint8ClampedArray, have: number, keep: 1 | 3): Uint8Array {
  if (have === keep && data instanceof Uint8Array) return data;
  const pixels = data.length / have;
  const out = new Uint8Array(pixels * keep);
  for (let i = 0; i < pixels; i++) for (let k = 0; k < keep; k++) out[i * keep + k] = data[i * have + k]!;
  return out;
}

/**
 * The picture's pixels as sharp's pipeline would give them (resize to the same size, then grey
 * or sRGB, alpha removed), when the picture is at the model's size and of a kind above;
 * `undefined` leaves it to sharp.
 *
 * @throws {Error} when the file is damaged (a PNG chunk's CRC, a wasm decoder's error).
 * @example
 * const pixels = await decodeSmall(bytes, readImageHeader(bytes), model.info); // → { data: Uint8Array(784), channels: 1 } | undefined
 */
export async function decodeSmall(bytes: Uint8Array, header: ImageHeader, info: ModelInfo): Promise<Pixels | undefined> {
  const [height, width] = info.size;
  if (header.width !== width || header.height !== height) return undefined;
  let source: { data: Uint8Array | Uint8ClampedArray; channels: number; grey: boolean; wide?: Uint16Array };
  if (header.format === "png") {
    const png = decodePng(bytes, width * height);
    if (!png || png.width !== width || png.height !== height) return undefined;
    source = { ...png, grey: png.channels <= 2 };
  } else if (header.format === "jpeg" || header.format === "webp") {
    const jpeg = header.format === "jpeg" ? plainJpeg(bytes) : undefined;
    if (header.format === "jpeg" ? !jpeg : !plainWebp(bytes)) return undefined;
    // The decoder takes an ArrayBuffer of its own. A file it refuses (or warns about) is sharp's to judge.
    const rgba = await (await wasmDecoder(header.format))(new Uint8Array(bytes).buffer).catch(() => undefined);
    if (rgba?.width !== width || rgba.height !== height) return undefined;
    // libvips reads a grey JPEG as one band; a WebP is always sRGB to it.
    source = { data: rgba.data, channels: 4, grey: jpeg?.grey ?? false };
  } else return undefined;

  if (info.channels !== 1) return { data: pick(source.data, source.channels, source.grey ? 1 : 3), channels: source.grey ? 1 : 3 };
  if (!source.grey) {
    // 16-bit colour → grey goes through libvips' 16-bit colourimetry: sharp's.
    if (source.wide) return undefined;
    return { data: greyFromRgb(source.data, source.channels as 3 | 4), channels: 1 };
  }
  if (!source.wide) return { data: pick(source.data, source.channels, 1), channels: 1 };
  const table = await grey16Table();
  const wide = source.wide;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = table[wide[i * source.channels]!]!;
  return { data: out, channels: 1 };
}

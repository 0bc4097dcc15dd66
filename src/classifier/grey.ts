/**
 * Colour → grey as sharp's `.greyscale()` does it (libvips' colourimetry), for the decoders that
 * skip sharp: sRGB is linearised, Y = 0.2126 R + 0.7152 G + 0.0722 B (Rec. 709), and Y is
 * encoded back through libvips' 256-entry table with linear interpolation. Over all 16.7 M
 * 8-bit colours this gives sharp's byte for all but 118, which are 1 apart (float rounding at
 * a .5; test/classifier/decode-small.test.ts checks every colour).
 */
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";

const toLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const toSrgb = (y: number) => (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);
/** libvips keeps linear values as floats (C's `float`: every step below is rounded to one). */
const f32 = Math.fround;
const LINEAR = Float32Array.from({ length: 256 }, (_, i) => toLinear(i / 255));
const [R, G, B] = [f32(0.2126), f32(0.7152), f32(0.0722)];
/** Linear Y × 255 → sRGB byte, at whole steps (one more entry for the interpolation's top). */
const ENCODE = Int32Array.from({ length: 257 }, (_, i) => Math.round(255 * toSrgb(Math.min(1, i / 255))));

/**
 * Grey bytes from interleaved 8-bit colour (`channels` 3 or 4; a 4th, alpha, is ignored as
 * sharp's `removeAlpha()` does).
 *
 * @example
 * greyFromRgb(new Uint8Array([255, 0, 0]), 3) // → Uint8Array [127]
 */
export function greyFromRgb(data: Uint8Array | Uint8ClampedArray, channels: 3 | 4): Uint8Array {
  const n = data.length / channels;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const y = f32(f32(f32(R * LINEAR[data[o]!]!) + f32(G * LINEAR[data[o + 1]!]!)) + f32(B * LINEAR[data[o + 2]!]!));
    const yf = Math.min(255, Math.max(0, f32(y * 255)));
    const k = Math.trunc(yf);
    out[i] = Math.trunc(f32(ENCODE[k]! + f32(f32(ENCODE[k + 1]! - ENCODE[k]!) * f32(yf - k))) + 0.5);
  }
  return out;
}

let grey16: Promise<Uint8Array> | undefined;

const chunk = (type: string, data: Uint8Array) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};

/**
 * sharp's grey byte for each 16-bit grey value: libvips takes 16-bit grey through its
 * colourimetry too, in a way no short formula reproduces, so the table is sharp's own answer for
 * all 65,536 values, asked once on first use (a 256×256 16-bit PNG, a few ms).
 *
 * @example
 * const table = await grey16Table(); table[65535] // → 255
 */
export function grey16Table(): Promise<Uint8Array> {
  grey16 ??= (async () => {
    const rows = Buffer.alloc(256 * (1 + 512)); // filter byte 0, then 256 big-endian samples per row
    for (let v = 0; v < 65536; v++) rows.writeUInt16BE(v, (v >> 8) * 513 + 1 + 2 * (v & 255));
    const ihdr = Buffer.from([0, 0, 1, 0, 0, 0, 1, 0, 16, 0, 0, 0, 0]); // 256 × 256, 16-bit grey
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(rows)),
      chunk("IEND", new Uint8Array(0)),
    ]);
    return new Uint8Array(await sharp(png).greyscale().removeAlpha().raw().toBuffer());
  })();
  return grey16;
}

/**
 * A PNG decoder for small pictures, in the worker: every colour type and bit depth the PNG spec
 * allows (grey 1–16 bits, RGB, palette 1–8 bits, grey+alpha, RGBA; Adam7 interlaced or not),
 * to 8-bit samples as libvips reads them. For pictures at the model's size only: there, inflating
 * and unfiltering a few hundred bytes takes ~15 µs, where sharp's fixed cost per call (a libvips
 * pipeline, a hop to its thread pool) is ~0.75 ms. Chunk CRCs are checked, as libpng does, so a
 * damaged file fails as it does with sharp.
 */
import { crc32, inflateSync } from "node:zlib";

/** 8-bit samples, `channels` per pixel, as libvips would hand them over before any conversion. */
export interface PngPixels {
  width: number;
  height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (a palette gives 3, or 4 with tRNS, as libvips). */
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
  /** 16-bit samples (a 16-bit file), kept whole: how they become 8 bits depends on the pipeline. */
  wide?: Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHUNK = { IHDR: 0x49484452, PLTE: 0x504c5445, IDAT: 0x49444154, IEND: 0x49454e44, tRNS: 0x74524e53 };
/** iCCP, eXIf: sharp converts from the profile and rotates by the orientation, so those files are its. */
const SHARP_ONLY = new Set([0x69434350, 0x65584966]);
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7: each pass's first column and row, and its steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** True when `bytes` starts with the PNG signature. */
export const isPng = (bytes: Uint8Array): boolean => bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);

/** Reverses the row filters of one (pass) image in place: `raw` is rows of 1 filter byte + `stride` bytes. */
function unfilter(raw: Uint8Array, rows: number, stride: number, bpp: number, out: Uint8Array): void {
  for (let y = 0; y < rows; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1,
      row = y * stride,
      up = row - stride;
    if (filter > 4) throw new Error(`PNG row ${y} has an unknown filter type ${filter}`);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0,
        b = y > 0 ? out[up + x]! : 0,
        c = x >= bpp && y > 0 ? out[up + x - bpp]! : 0;
      const v = raw[src + x]!;
      if (filter === 0) out[row + x] = v;
      else if (filter === 1) out[row + x] = v + a;
      else if (filter === 2) out[row + x] = v + b;
      else if (filter === 3) out[row + x] = v + ((a + b) >> 1);
      else {
        const p = a + b - c,
          pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        out[row + x] = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    }
  }
}

/**
 * Decodes a PNG to 8-bit samples. Sub-byte grey is scaled to 0–255 (×255/(2^depth − 1)), a
 * palette is looked up (its tRNS becoming a 4th channel); 16-bit samples are kept in `wide` too
 * (`data` has their high byte). `maxPixels` bounds the work.
 * `undefined` when the file is one sharp must handle: an ICC profile or EXIF (sharp converts and
 * rotates), a palette index past the palette, or more pixels than `maxPixels`.
 *
 * @throws {Error} when the file is truncated, damaged or not a valid PNG.
 * @example
 * const px = decodePng(bytes, 28 * 28); // → { width: 28, height: 28, channels: 1, data: Uint8Array(784) }
 */
export function decodePng(bytes: Uint8Array, maxPixels: number): PngPixels | undefined {
  if (!isPng(bytes) || bytes.length < 8 + 25) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || view.getUint32(12) !== CHUNK.IHDR) throw new Error("PNG has no IHDR chunk first");
  const width = view.getUint32(16),
    height = view.getUint32(20),
    depth = bytes[24]!,
    colour = bytes[25]!,
    interlace = bytes[28]!;
  const samples = SAMPLES[colour];
  if (!samples || !DEPTHS[colour]!.includes(depth) || bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1)
    throw new Error(`PNG header is invalid (colour type ${colour}, bit depth ${depth}, interlace ${interlace})`);
  if (width === 0 || height === 0 || width * height > maxPixels) return undefined;
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) throw new Error("PNG truncated: no IEND chunk");
    const length = view.getUint32(at),
      type = view.getUint32(at + 4);
    const end = at + 12 + length;
    if (end > bytes.length) throw new Error("PNG truncated inside a chunk");
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) throw new Error("PNG chunk CRC mismatch");
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === CHUNK.IDAT) idat.push(data);
    else if (type === CHUNK.IEND) break;
    else if (type === CHUNK.PLTE) palette = data;
    else if (type === CHUNK.tRNS) trns = data;
    else if (SHARP_ONLY.has(type)) return undefined;
    at = end;
  }
  if (colour === 3 && (!palette || palette.length % 3 !== 0 || palette.length === 0)) throw new Error("PNG palette is missing or invalid");
  if (idat.length === 0) throw new Error("PNG has no image data");

  // Unfiltered bytes, pass by pass, then scattered to a packed image of `depth`-bit samples.
  const bitsPerPixel = samples * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const passes = interlace
    ? ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil((width - x0) / dx), h: Math.ceil((height - y0) / dy) }))
    : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  const expected = passes.reduce((n, p) => n + (p.w && p.h ? p.h * (rowBytes(p.w) + 1) : 0), 0);
  const raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  if (raw.length !== expected) throw new Error(`PNG image data is ${raw.length} bytes, expected ${expected}`);

  // One sample (at `depth` bits) of a packed row.
  const sampleAt = (row: Uint8Array, offset: number, i: number): number => {
    if (depth === 8) return row[offset + i]!;
    if (depth === 16) return (row[offset + 2 * i]! << 8) | row[offset + 2 * i + 1]!;
    const bit = i * depth;
    return (row[offset + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const hasAlpha = colour === 4 || colour === 6 || (colour === 3 && trns !== undefined);
  const channels = (colour === 0 ? 1 : colour === 4 ? 2 : colour === 3 ? (hasAlpha ? 4 : 3) : samples) as PngPixels["channels"];
  const data = new Uint8Array(width * height * channels);
  const wide = depth === 16 ? new Uint16Array(width * height * channels) : undefined;
  const scale = depth < 8 && colour === 0 ? 255 / ((1 << depth) - 1) : 1;
  if (depth === 8 && colour !== 3 && !interlace) {
    // The common case: the unfiltered rows are the samples.
    unfilter(raw, height, width * samples, bpp, data);
    return { width, height, channels, data };
  }
  let offset = 0;
  for (const p of passes) {
    if (!p.w || !p.h) continue;
    const stride = rowBytes(p.w);
    const pass = new Uint8Array(p.h * stride);
    unfilter(raw.subarray(offset, offset + p.h * (stride + 1)), p.h, stride, bpp, pass);
    offset += p.h * (stride + 1);
    for (let py = 0; py < p.h; py++) {
      const y = p.y0 + py * p.dy;
      for (let px = 0; px < p.w; px++) {
        const o = (y * width + p.x0 + px * p.dx) * channels;
        if (colour === 3) {
          const index = sampleAt(pass, py * stride, px);
          if (3 * index + 2 >= palette!.length) return undefined; // libvips' own rule for this: let sharp apply it
          data[o] = palette![3 * index]!;
          data[o + 1] = palette![3 * index + 1]!;
          data[o + 2] = palette![3 * index + 2]!;
          if (hasAlpha) data[o + 3] = index < trns!.length ? trns![index]! : 255;
        } else {
          for (let k = 0; k < samples; k++) {
            const v = sampleAt(pass, py * stride, px * samples + k);
            if (wide) {
              wide[o + k] = v;
              data[o + k] = v >> 8;
            } else data[o + k] = Math.round(v * scale);
          }
        }
      }
    }
  }
  return { width, height, channels, data, ...(wide && { wide }) };
}

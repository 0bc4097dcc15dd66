/**
 * Resizing as the server's sharp does (libvips `vips_resize`: a box shrink by the integer part
 * that leaves at least ×2 to go, then a Lanczos-3 reduce, vertical before horizontal), in plain
 * TypeScript, so the browser feeds the model the pixels the server would. A canvas's
 * `drawImage` resamples its own way: on the 224→28 examples it moved pixels by up to 33 levels,
 * enough to change the confidences in the second decimal. test/static/resize.test.ts holds
 * this file to sharp's output.
 */

/** Interleaved 8-bit pixels: `bands` values per pixel, row by row. */
export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  bands: number;
}

/** How an image is fitted to the model's input (the model's `resize` metadata, sharp's `fit`). */
export type Fit = "squish" | "crop" | "pad";

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** libvips' Lanczos kernel of order `a`. */
function lanczos(x: number, a: number): number {
  if (x === 0) return 1;
  if (x <= -a || x >= a) return 0;
  const px = Math.PI * x;
  return (a * Math.sin(px) * Math.sin(px / a)) / (px * px);
}

/** A box average over `factor` rows (or columns), rounded as libvips' integer shrink rounds. */
function shrink(img: Raster, factor: number, vertical: boolean): Raster {
  const { width, height, bands, data } = img;
  const ow = vertical ? width : Math.ceil(width / factor);
  const oh = vertical ? Math.ceil(height / factor) : height;
  const out = new Uint8Array(ow * oh * bands);
  const half = factor >> 1;
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++)
      for (let b = 0; b < bands; b++) {
        let sum = 0;
        for (let i = 0; i < factor; i++) {
          const sx = vertical ? x : Math.min(x * factor + i, width - 1);
          const sy = vertical ? Math.min(y * factor + i, height - 1) : y;
          sum += data[(sy * width + sx) * bands + b]!;
        }
        out[(y * ow + x) * bands + b] = Math.floor((sum + half) / factor);
      }
  return { data: out, width: ow, height: oh, bands };
}

/** Round half to even, as C's rint(). */
const rint = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * A Lanczos-3 reduce along one axis to `size` samples, as libvips' reducev/reduceh: an odd mask
 * of 2·rint(3·factor) + 1 taps centred on each output's position, the origin moved inside the
 * input by half the pixels the rounding drops, edge pixels repeated. Weights stay in floating
 * point (libvips rounds them to 12 bits), so a pixel may differ from sharp's by one level.
 */
function reduce(img: Raster, size: number, vertical: boolean): Raster {
  const { width, height, bands, data } = img;
  const len = vertical ? height : width;
  const factor = len / size;
  const points = 2 * rint(3 * factor) + 1;
  const half = points >> 1;
  const offset = (1 + (size * factor - len)) / 2 - 1;
  const ow = vertical ? width : size;
  const oh = vertical ? size : height;
  const across = vertical ? width : height;
  const out = new Uint8Array(ow * oh * bands);
  const weights = new Float64Array(points);
  for (let o = 0; o < size; o++) {
    // libvips' position, in the input's own coordinates (its code counts from the rows it adds on top).
    const centre = (o + 0.5) * factor - 1 - offset;
    const at = Math.trunc(centre);
    let total = 0;
    for (let i = 0; i < points; i++) total += weights[i] = lanczos((i - half - (centre - at)) / factor, 3);
    for (let a = 0; a < across; a++)
      for (let b = 0; b < bands; b++) {
        let sum = 0;
        for (let i = 0; i < points; i++) {
          const p = Math.min(Math.max(at - half + i, 0), len - 1);
          sum += weights[i]! * data[(vertical ? p * width + a : a * width + p) * bands + b]!;
        }
        out[(vertical ? o * ow + a : a * ow + o) * bands + b] = clamp8(sum / total);
      }
  }
  return { data: out, width: ow, height: oh, bands };
}

/**
 * `vips_resize` to exactly `width` × `height` (each axis scaled on its own).
 *
 * @example
 * resizeTo({ data, width: 224, height: 224, bands: 1 }, 28, 28).data.length // → 784
 */
export function resizeTo(img: Raster, width: number, height: number): Raster {
  let out = img;
  // Vertical first, as vips_reduce; on each axis the box shrink by the integer part leaves at
  // least ×2 for the Lanczos reduce (libvips' default "gap" of 2).
  const vshrink = Math.max(1, Math.floor(img.height / height / 2));
  if (vshrink > 1) out = shrink(out, vshrink, true);
  if (out.height > height) out = reduce(out, height, true);
  const hshrink = Math.max(1, Math.floor(img.width / width / 2));
  if (hshrink > 1) out = shrink(out, hshrink, false);
  if (out.width > width) out = reduce(out, width, false);
  if (out.width < width || out.height < height) out = nearestUp(out, width, height);
  return out;
}

/** Upsizing, which libvips does by repeating pixels (nearest neighbour). */
function nearestUp(img: Raster, width: number, height: number): Raster {
  const out = new Uint8Array(width * height * img.bands);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const sy = Math.min(img.height - 1, Math.floor((y * img.height) / height));
      const sx = Math.min(img.width - 1, Math.floor((x * img.width) / width));
      for (let b = 0; b < img.bands; b++) out[(y * width + x) * img.bands + b] = img.data[(sy * img.width + sx) * img.bands + b]!;
    }
  return { data: out, width, height, bands: img.bands };
}

/**
 * Fits an image to the model's `[height, width]` as sharp's `fit` does: "squish" stretches,
 * "crop" covers then keeps the centre, "pad" fits inside then pads with black.
 *
 * @example
 * fitTo(photo, [28, 28], "crop") // → a 28 × 28 Raster
 */
export function fitTo(img: Raster, [height, width]: [number, number], fit: Fit): Raster {
  if (img.width === width && img.height === height) return img;
  if (fit === "squish") return resizeTo(img, width, height);
  const scale = fit === "crop" ? Math.max(width / img.width, height / img.height) : Math.min(width / img.width, height / img.height);
  const rw = Math.max(1, Math.round(img.width * scale));
  const rh = Math.max(1, Math.round(img.height * scale));
  const resized = rw === img.width && rh === img.height ? img : resizeTo(img, rw, rh);
  const out = new Uint8Array(width * height * img.bands);
  // sharp's centre gravity: crop offsets round up, padding offsets round down.
  const left = fit === "crop" ? (rw - width + 1) >> 1 : -((width - rw) >> 1);
  const top = fit === "crop" ? (rh - height + 1) >> 1 : -((height - rh) >> 1);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const sx = x + left,
        sy = y + top;
      if (sx < 0 || sy < 0 || sx >= rw || sy >= rh) continue; // padding stays black
      for (let b = 0; b < img.bands; b++) out[(y * width + x) * img.bands + b] = resized.data[(sy * rw + sx) * img.bands + b]!;
    }
  return { data: out, width, height, bands: img.bands };
}

const toLinear = (v: number) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const LINEAR = Float64Array.from({ length: 256 }, (_, v) => toLinear(v));

/**
 * RGBA → the bands a model of `channels` channels takes, as sharp's `greyscale()` (libvips'
 * sRGB → B_W: luminance in linear light, back to sRGB) or `toColourspace("srgb")`; alpha dropped
 * as `removeAlpha()` does. A grey picture (R = G = B) stays exactly itself.
 *
 * @example
 * bandsOf(rgba, 16, 16, 1).bands // → 1
 */
export function bandsOf(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 1 | 3): Raster {
  const n = width * height;
  const data = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const r = rgba[i * 4]!,
      g = rgba[i * 4 + 1]!,
      b = rgba[i * 4 + 2]!;
    if (channels === 3) {
      data[i * 3] = r;
      data[i * 3 + 1] = g;
      data[i * 3 + 2] = b;
    } else if (r === g && g === b) data[i] = r;
    else {
      const y = 0.2126 * LINEAR[r]! + 0.7152 * LINEAR[g]! + 0.0722 * LINEAR[b]!;
      data[i] = clamp8(255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055));
    }
  }
  return { data, width, height, bands: channels };
}

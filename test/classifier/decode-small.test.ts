/**
 * The worker's own decoders for pictures already at the model's size (src/classifier/small-image.ts):
 * sharp's pixels for every PNG colour type and bit depth, JPEG and WebP, or no fast path at all.
 * Fixtures: test/fixtures/formats (made by its make.py), the Fashion-MNIST test images, and
 * PNGs sharp writes here.
 */
import { readdirSync, readFileSync } from "node:fs";
import sharp from "sharp";
import { expect, test } from "vitest";
import { imageToTensor } from "../../src/classifier/decode.ts";
import { greyFromRgb } from "../../src/classifier/grey.ts";
import { decodePng } from "../../src/classifier/png.ts";
import { decodeSmall } from "../../src/classifier/small-image.ts";
import { readImageHeader } from "../../src/image-file.ts";
import type { ModelInfo } from "../../src/classifier/model-info.ts";

const FORMATS = "test/fixtures/formats";

const model = (channels: 1 | 3, size = 28): ModelInfo =>
  ({
    size: [size, size],
    channels,
    mean: Array(channels).fill(0.286),
    std: Array(channels).fill(0.353),
    resize: "contain",
    labels: [],
    output: "probabilities",
  }) as unknown as ModelInfo;

/** What decodeWithSharp does (decode.ts), for the reference. */
async function viaSharp(bytes: Uint8Array, info: ModelInfo) {
  const [h, w] = info.size;
  let p = sharp(bytes, { failOn: "warning" })
    .rotate()
    .resize(w, h, { fit: "contain", background: { r: 0, g: 0, b: 0 } });
  p = info.channels === 1 ? p.greyscale() : p.toColourspace("srgb");
  const { data, info: out } = await p.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), channels: out.channels };
}

/** A grey decode for an RGB model is one channel that imageToTensor repeats: compare as sharp's three. */
const asChannels = (px: { data: Uint8Array; channels: number }, channels: number) =>
  px.channels === channels ? Array.from(px.data) : Array.from(px.data).flatMap((v) => Array(channels).fill(v));

const fast = (bytes: Uint8Array, info: ModelInfo) => decodeSmall(bytes, readImageHeader(bytes), info);

/** Fixtures that must be left to sharp, and why. */
const LEFT_TO_SHARP: Record<string, string> = {
  "grey8-exif.png": "EXIF orientation",
  "rgb8-iccp.png": "an ICC profile",
  "jpeg-exif-rotated.jpg": "EXIF orientation",
  "jpeg-icc.jpg": "an ICC profile",
  "jpeg-cmyk.jpg": "CMYK (Adobe marker)",
  "webp-exif-rotated.webp": "EXIF orientation",
};

test("every fixture kind (PNG colour types × bit depths × interlace, JPEG, WebP): sharp's pixels, for grey and RGB models", async () => {
  const files = readdirSync(FORMATS).filter((f) => /\.(png|jpg|webp)$/.test(f));
  expect(files.length).toBeGreaterThan(40);
  let colourToGreyOff = 0;
  for (const f of files) {
    const bytes = readFileSync(`${FORMATS}/${f}`);
    for (const info of [model(1), model(3)]) {
      const got = await fast(bytes, info);
      const sixteenColourToGrey = /^rgba?16/.test(f) && info.channels === 1;
      if (LEFT_TO_SHARP[f] || sixteenColourToGrey) {
        expect(got, `${f}: ${LEFT_TO_SHARP[f] ?? "16-bit colour → grey"} is sharp's`).toBeUndefined();
        continue;
      }
      expect(got, `${f}, model of ${info.channels} channels`).toBeDefined();
      const ref = await viaSharp(bytes, info);
      const mine = asChannels(got!, ref.channels);
      const off = mine.filter((v, i) => v !== ref.data[i]);
      // Colour → grey may be 1 apart on a few colours (grey.ts); everything else is exact.
      if (info.channels === 1 && got!.channels === 1 && off.length) {
        expect(Math.max(...mine.map((v, i) => Math.abs(v - ref.data[i]!))), f).toBe(1);
        colourToGreyOff += off.length;
      } else expect(mine, `${f}, model of ${info.channels} channels`).toEqual(Array.from(ref.data));
    }
  }
  expect(colourToGreyOff).toBeLessThan(5);
});

test("RGB → grey: sharp's byte for every one of the 16.7 M colours but 118, and those 1 apart", async () => {
  const rgb = new Uint8Array(3 << 24);
  for (let i = 0; i < 1 << 24; i++) {
    rgb[3 * i] = i >> 16;
    rgb[3 * i + 1] = (i >> 8) & 255;
    rgb[3 * i + 2] = i & 255;
  }
  const ref = await sharp(rgb, { raw: { width: 4096, height: 4096, channels: 3 } })
    .greyscale()
    .raw()
    .toBuffer();
  const mine = greyFromRgb(rgb, 3);
  let off = 0;
  for (let i = 0; i < 1 << 24; i++) {
    const d = Math.abs(mine[i]! - ref[i]!);
    if (d > 1) throw new Error(`colour ${i.toString(16)}: ${mine[i]} vs sharp's ${ref[i]}`);
    off += d;
  }
  expect(off).toBeLessThanOrEqual(118);
});

test("Fashion-MNIST test images: the same tensor as sharp, exactly", async () => {
  const info = model(1);
  const files = readdirSync("test/fixtures/fashion-mnist").filter((f) => f.endsWith(".png"));
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const bytes = readFileSync(`test/fixtures/fashion-mnist/${f}`);
    const ref = await viaSharp(bytes, info);
    expect(await fast(bytes, info), f).toEqual(ref);
    const tensor = new Float32Array(28 * 28);
    await imageToTensor(bytes, readImageHeader(bytes), info, "sharp", 50e6, tensor);
    for (let i = 0; i < tensor.length; i++) expect(tensor[i]).toBeCloseTo((ref.data[i]! / 255 - 0.286) / 0.353, 5);
  }
});

const noise = (channels: 1 | 2 | 3 | 4, size = 28) => {
  const image = sharp(Buffer.from(Array.from({ length: size * size * channels }, (_, i) => (i * 7919 + (i >> 3) * 104729) % 256)), {
    raw: { width: size, height: size, channels },
  });
  return channels <= 2 ? image.toColourspace("b-w") : image; // else sharp writes 1–2 raw channels as RGB(A)
};

test("PNGs as sharp writes them (adaptive filters, every compression level, palette, interlaced, 16-bit): sharp's pixels", async () => {
  for (const channels of [1, 2, 3, 4] as const) {
    for (const options of [
      { adaptiveFiltering: false, compressionLevel: 0 },
      { adaptiveFiltering: true, compressionLevel: 6 },
      { adaptiveFiltering: true, compressionLevel: 9, progressive: true },
      { palette: true, colours: 16 },
    ]) {
      const bytes = await noise(channels).png(options).toBuffer();
      for (const info of [model(1), model(3)]) {
        const got = await fast(bytes, info);
        expect(got, `${channels} channels, ${JSON.stringify(options)}`).toBeDefined();
        const ref = await viaSharp(bytes, info);
        const mine = asChannels(got!, ref.channels);
        expect(Math.max(...mine.map((v, i) => Math.abs(v - ref.data[i]!)))).toBeLessThanOrEqual(
          info.channels === 1 && channels >= 3 ? 1 : 0,
        );
      }
    }
  }
  const grey16 = await noise(1).toColourspace("grey16").png().toBuffer();
  expect(await fast(grey16, model(1))).toEqual(await viaSharp(grey16, model(1)));
});

test("other sizes and formats are left to sharp", async () => {
  const info = model(1);
  expect(await fast(await noise(1, 30).png().toBuffer(), info)).toBeUndefined();
  expect(await fast(await noise(3, 30).jpeg().toBuffer(), info)).toBeUndefined();
  expect(await fast(await noise(3).gif().toBuffer(), info)).toBeUndefined();
  expect(
    await fast(
      await noise(3)
        .webp({ loop: 0, delay: [10] })
        .toBuffer(),
      info,
    ),
  ).toBeDefined(); // one frame: not animated
});

test("a damaged or truncated file fails, as with sharp; a truncated JPEG is left to sharp, which refuses it", async () => {
  const info = model(1);
  const good = await noise(1).png().toBuffer();
  expect(() => decodePng(good.subarray(0, good.length - 20), 784)).toThrow(/truncated/);
  const flipped = Buffer.from(good);
  flipped[60]! ^= 0xff;
  expect(() => decodePng(flipped, 784)).toThrow(/CRC/);
  await expect(imageToTensor(flipped, readImageHeader(flipped), info, "sharp", 50e6, new Float32Array(784))).rejects.toThrow(
    /^Could not decode the PNG image/,
  );
  const jpeg = readFileSync(`${FORMATS}/jpeg-420.jpg`);
  const cut = jpeg.subarray(0, jpeg.length - 100);
  expect(await fast(cut, info)).toBeUndefined();
  await expect(imageToTensor(cut, readImageHeader(cut), info, "sharp", 50e6, new Float32Array(784))).rejects.toThrow(
    /^Could not decode the JPEG image/,
  );
  // Damaged inside, whole outside: libjpeg only warns ("Corrupt JPEG data"), which fails the wasm
  // decode too; sharp then refuses it (failOn "warning").
  const corrupt = Buffer.from(jpeg);
  corrupt.fill(0xff, jpeg.length - 80, jpeg.length - 40);
  expect(await fast(corrupt, info)).toBeUndefined();
  await expect(imageToTensor(corrupt, readImageHeader(corrupt), info, "sharp", 50e6, new Float32Array(784))).rejects.toThrow(
    /^Could not decode the JPEG image/,
  );
  const webp = readFileSync(`${FORMATS}/webp-lossy.webp`);
  const short = webp.subarray(0, webp.length - 30);
  expect(await fast(short, info)).toBeUndefined();
  await expect(imageToTensor(short, readImageHeader(short), info, "sharp", 50e6, new Float32Array(784))).rejects.toThrow(
    /^Could not decode the WEBP image/,
  );
  // An error (not a warning) ends in libjpeg's exit(): that instance is dropped, the next starts afresh.
  const bogus = Buffer.from(jpeg);
  const dht = bogus.indexOf(Buffer.from([0xff, 0xc4]));
  bogus.fill(0xee, dht + 5, dht + 21); // the Huffman table's code counts: more codes than there can be
  expect(await fast(bogus, info)).toBeUndefined();
  await expect(imageToTensor(bogus, readImageHeader(bogus), info, "sharp", 50e6, new Float32Array(784))).rejects.toThrow(
    /^Could not decode the JPEG image/,
  );
  // And the decoders still work after refusing.
  expect(await fast(jpeg, info)).toEqual(await viaSharp(jpeg, info));
});

/** The worker's own PNG decoder for images already at the model's size: the same pixels as sharp, or no fast path. */
import { readdirSync, readFileSync } from "node:fs";
import sharp from "sharp";
import { expect, test } from "vitest";
import { decodeSmallPng, imageToTensor } from "../../src/classifier/decode.ts";
import { readImageHeader } from "../../src/image-file.ts";
import type { ModelInfo } from "../../src/classifier/model-info.ts";

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

const noise = (channels: 1 | 2 | 3 | 4, size = 28) => {
  const image = sharp(Buffer.from(Array.from({ length: size * size * channels }, (_, i) => (i * 7919 + (i >> 3) * 104729) % 256)), {
    raw: { width: size, height: size, channels },
  });
  return channels <= 2 ? image.toColourspace("b-w") : image; // else sharp writes 1–2 raw channels as RGB(A)
};

test("Fashion-MNIST test images: the same tensor as sharp, exactly", async () => {
  const info = model(1);
  const files = readdirSync("test/fixtures/fashion-mnist").filter((f) => f.endsWith(".png"));
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const bytes = readFileSync(`test/fixtures/fashion-mnist/${f}`);
    const fast = decodeSmallPng(bytes, info);
    expect(fast, f).toBeDefined();
    expect(fast).toEqual(await viaSharp(bytes, info));
    const tensor = new Float32Array(28 * 28);
    await imageToTensor(bytes, readImageHeader(bytes), info, "sharp", 50e6, tensor);
    const ref = await viaSharp(bytes, info);
    for (let i = 0; i < tensor.length; i++) expect(tensor[i]).toBeCloseTo((ref.data[i]! / 255 - 0.286) / 0.353, 5);
  }
});

test("grey, grey+alpha, RGB and RGBA, every PNG filter: the same pixels as sharp", async () => {
  for (const channels of [1, 2, 3, 4] as const) {
    for (const adaptiveFiltering of [false, true]) {
      for (const compressionLevel of [0, 6, 9]) {
        const bytes = await noise(channels).png({ adaptiveFiltering, compressionLevel, palette: false }).toBuffer();
        for (const info of [model(1), model(3)]) {
          const fast = decodeSmallPng(bytes, info);
          if (channels >= 3 && info.channels === 1) {
            expect(fast).toBeUndefined(); // RGB → grey is left to libvips
            continue;
          }
          expect(fast, `${channels} channels, model ${info.channels}`).toBeDefined();
          const ref = await viaSharp(bytes, info);
          // A grey image for an RGB model: sharp gives 3 equal channels, imageToTensor repeats the one.
          if (ref.channels === 3 && fast!.channels === 1)
            expect(Array.from(fast!.data).flatMap((v) => [v, v, v])).toEqual(Array.from(ref.data));
          else expect(fast).toEqual(ref);
        }
      }
    }
  }
});

test("anything else is left to sharp: other sizes, 16-bit, palette, interlaced, other formats", async () => {
  const info = model(1);
  expect(decodeSmallPng(await noise(1, 30).png().toBuffer(), info)).toBeUndefined();
  expect(decodeSmallPng(await noise(1).png({ palette: true }).toBuffer(), info)).toBeUndefined();
  expect(decodeSmallPng(await noise(1).png({ progressive: true }).toBuffer(), info)).toBeUndefined();
  expect(decodeSmallPng(await noise(1).toColourspace("grey16").png().toBuffer(), info)).toBeUndefined();
  expect(decodeSmallPng(await noise(1).jpeg().toBuffer(), info)).toBeUndefined();
});

test("a damaged or truncated PNG fails, as with sharp", async () => {
  const info = model(1);
  const good = await noise(1).png().toBuffer();
  expect(() => decodeSmallPng(good.subarray(0, good.length - 20), info)).toThrow(/truncated/);
  const flipped = Buffer.from(good);
  flipped[60]! ^= 0xff;
  expect(() => decodeSmallPng(flipped, info)).toThrow(/CRC/);
  await expect(imageToTensor(flipped, readImageHeader(flipped), info, "sharp", 50e6, new Float32Array(784))).rejects.toThrow(
    /^Could not decode the PNG image/,
  );
});

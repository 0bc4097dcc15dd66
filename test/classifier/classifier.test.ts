/** The classifier against the real model, in real worker threads, with both decoders. */
import { Jimp } from "jimp";
import { monitorEventLoopDelay } from "node:perf_hooks";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { imageToTensor } from "../../src/classifier/decode.ts";
import { readImageHeader } from "../../src/image-file.ts";
import { loadClassifier, type Classifier, type Confidences } from "../../src/index.ts";
import type { ModelInfo } from "../../src/classifier/model-info.ts";
import { fashionImages, fixture, root } from "../helpers.ts";

const top = (p: Confidences) => Object.entries(p).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
const images = fashionImages();
const rgb = (r: number, g: number, b: number, width = 300, height = 200) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

describe.each(["sharp", "jimp"] as const)("model.onnx with the %s decoder", (backend) => {
  let model: Classifier;
  beforeAll(async () => {
    model = await loadClassifier(`${root}/model.onnx`, { backend, workers: 2, threads: 1 });
  });
  afterAll(() => model.close());

  test("reads labels and preprocessing from the model's metadata", () => {
    expect(model.info).toEqual({
      labels: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
      size: [28, 28],
      channels: 1,
      mean: [0.286],
      std: [0.353],
      resize: "squish",
      output: "logits",
      ood: { method: "mahalanobis", output: "ood_distance", quantiles: expect.any(Array), threshold: 0.95 },
      driftReference: {
        n: 5000,
        classes: expect.any(Array),
        confidenceBins: expect.any(Array),
        confidence: expect.any(Array),
        oodRate: 0.05,
      },
      domain: "light garments on black, 28×28",
    });
  });

  test("≥ 90 % accuracy on 200 test images, probabilities summing to 1", async () => {
    const results = await Promise.all(images.map((img) => model.classify(img.bytes)));
    const correct = results.filter((p, i) => top(p) === images[i]!.label).length;
    expect(correct / images.length).toBeGreaterThanOrEqual(0.9);
    for (const p of results) expect(Object.values(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  test("every accepted format decodes to the same answer", async () => {
    const sneaker = images.find((i) => i.label === "Sneaker")!.bytes;
    const big = sharp(sneaker).resize(112, 112, { kernel: "nearest" });
    const jimp = await Jimp.fromBuffer(await big.clone().png().toBuffer());
    const encoded = {
      jpeg: await big.clone().jpeg({ quality: 95 }).toBuffer(),
      png: await big.clone().png().toBuffer(),
      webp: await big.clone().webp({ lossless: true }).toBuffer(),
      gif: await big.clone().gif().toBuffer(),
      avif: await big.clone().avif({ lossless: true }).toBuffer(),
      tiff: await big.clone().tiff().toBuffer(),
      bmp: await jimp.getBuffer("image/bmp"),
    };
    for (const [format, bytes] of Object.entries(encoded)) {
      expect(readImageHeader(bytes).format, format).toBe(format);
      expect(top(await model.classify(bytes)), format).toBe("Sneaker");
    }
  });

  test("a truncated file fails alone; the rest of its batch succeeds", async () => {
    const jpeg = await sharp(images[0]!.bytes).resize(200, 200).jpeg().toBuffer();
    const [good, bad] = await Promise.allSettled([model.classify(images[1]!.bytes), model.classify(jpeg.subarray(0, jpeg.length / 2))]);
    expect(good.status).toBe("fulfilled");
    expect(bad.status).toBe("rejected");
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ name: "InputError", status: 400 });
    expect((bad as PromiseRejectedResult).reason.message).toMatch(
      /^Could not decode the JPEG image \(200×200, \d+ bytes\): .+\. The file may be truncated or damaged\.$/,
    );
  });
});

test("both decoders give the same labels on the test images", async () => {
  const [a, b] = await Promise.all([
    loadClassifier(`${root}/model.onnx`, { backend: "sharp", workers: 1 }),
    loadClassifier(`${root}/model.onnx`, { backend: "jimp", workers: 1 }),
  ]);
  try {
    const la = await Promise.all(images.map((i) => a.classify(i.bytes).then(top)));
    const lb = await Promise.all(images.map((i) => b.classify(i.bytes).then(top)));
    expect(lb).toEqual(la);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

describe.each(["sharp", "jimp"] as const)("a swapped-in RGB 224×224 model with three labels (%s)", (backend) => {
  test("colour channels, ImageNet normalisation and centre crop are applied as the metadata says", async () => {
    const model = await loadClassifier(fixture("rgb-tiny.onnx"), { backend, workers: 1 });
    try {
      expect(model.info).toMatchObject({ labels: ["red", "green", "blue"], size: [224, 224], channels: 3, resize: "crop" });
      // Near-certain answers: a BGR swap would turn red into blue, an NHWC mix-up would give ~1/3 each.
      expect((await model.classify(await rgb(255, 0, 0))).red).toBeGreaterThan(0.99);
      expect((await model.classify(await rgb(0, 255, 0))).green).toBeGreaterThan(0.99);
      expect((await model.classify(await rgb(0, 0, 255))).blue).toBeGreaterThan(0.99);
      // A grayscale image feeds all three channels.
      const gray = await sharp({ create: { width: 50, height: 50, channels: 3, background: "white" } })
        .greyscale()
        .png()
        .toBuffer();
      expect(Object.keys(await model.classify(gray))).toEqual(["red", "green", "blue"]);
      // Red | green | blue stripes, 600×200: "crop" keeps the green middle only.
      const stripes = await sharp({ create: { width: 600, height: 200, channels: 3, background: "red" } })
        .composite([
          { input: await rgb(0, 255, 0, 200, 200), left: 200, top: 0 },
          { input: await rgb(0, 0, 255, 200, 200), left: 400, top: 0 },
        ])
        .png()
        .toBuffer();
      const p = await model.classify(stripes);
      expect(top(p)).toBe("green");
      expect(p.green).toBeGreaterThan(0.99);
    } finally {
      await model.close();
    }
  });

  test("a model that outputs probabilities is not softmaxed twice", async () => {
    const [logits, probs] = await Promise.all([
      loadClassifier(fixture("rgb-tiny.onnx"), { backend, workers: 1 }),
      loadClassifier(fixture("rgb-tiny-probs.onnx"), { backend, workers: 1 }),
    ]);
    try {
      const red = await rgb(255, 0, 0);
      const [a, b] = await Promise.all([logits.classify(red), probs.classify(red)]);
      for (const label of ["red", "green", "blue"]) expect(b[label]).toBeCloseTo(a[label]!, 5);
      expect(b.red).toBeGreaterThan(0.99);
    } finally {
      await Promise.all([logits.close(), probs.close()]);
    }
  });
});

describe.each(["sharp", "jimp"] as const)("EXIF orientation (%s)", (backend) => {
  test("is applied before resizing", async () => {
    // Stored 20×10, red left half, blue right; EXIF 6 says "rotate 90° clockwise to view": red on top.
    const stored = await sharp({ create: { width: 20, height: 10, channels: 3, background: "red" } })
      .composite([{ input: await rgb(0, 0, 255, 10, 10), left: 10, top: 0 }])
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const info: ModelInfo = {
      labels: ["x"],
      size: [20, 10],
      channels: 3,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: "squish",
      output: "logits",
    };
    const out = new Float32Array(3 * 20 * 10);
    await imageToTensor(stored, readImageHeader(stored), info, backend, 50e6, out);
    const at = (c: number, y: number, x: number) => out[c * 200 + y * 10 + x]!;
    expect(at(0, 1, 5)).toBeGreaterThan(0.9); // top: red
    expect(at(2, 1, 5)).toBeLessThan(0.1);
    expect(at(0, 18, 5)).toBeLessThan(0.1); // bottom: blue
    expect(at(2, 18, 5)).toBeGreaterThan(0.9);
  });
});

test("an unusable model is refused with a message that says how to fix it", async () => {
  await expect(loadClassifier(`${root}/package.json`)).rejects.toThrow(/^Could not load .*package\.json: /);
  await expect(loadClassifier(fixture("no-metadata.onnx"))).rejects.toThrow(
    /The model has no "labels" metadata .* Add it with: python3 training\/add_metadata\.py/,
  );
});

test("inference and decoding stay off the main thread: event-loop delay stays low during 16 classifications", async () => {
  // slow.onnx does ~1 GFLOP per image (~30 ms), and jimp decodes and resizes an 800×600 JPEG
  // synchronously (~100 ms): on the main thread either would stall the loop for that long.
  const model = await loadClassifier(fixture("slow.onnx"), { backend: "jimp", workers: 2, threads: 1, maxBatchSize: 4 });
  try {
    const photo = await sharp({
      create: { width: 800, height: 600, channels: 3, background: "red", noise: { type: "gaussian", mean: 128, sigma: 40 } },
    })
      .jpeg()
      .toBuffer();
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    await Promise.all(Array.from({ length: 16 }, () => model.classify(photo)));
    const elapsed = performance.now() - started;
    delay.disable();
    expect(elapsed).toBeGreaterThan(300); // enough work that blocking would show
    expect(delay.percentile(99) / 1e6).toBeLessThan(40);
  } finally {
    await model.close();
  }
});

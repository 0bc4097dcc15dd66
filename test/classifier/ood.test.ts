/**
 * The out-of-domain score: its mapping from the model's raw distance (checked against the
 * Python reference), its rate on in-domain test images, the `ood` key on every path a caller
 * can take (one-shot, curl, the queue through the official @gradio/client), and the fallback
 * for a model without statistics.
 */
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { scoreFromQuantiles, uncalibratedScore } from "../../src/classifier/ood-score.ts";
import {
  Image,
  Interface,
  Label,
  launch,
  loadClassifier,
  oodOf,
  type Classifier,
  type ImageFile,
  type OodScore,
  type Server,
} from "../../src/index.ts";
import { dataUrl, fashionImages, fixture, noisePng, root } from "../helpers.ts";

describe("the score's mapping", () => {
  test("the empirical CDF of the calibration quantiles, as training/ood.py computes it", () => {
    const q = [0, 1, 2, 4, 8];
    expect([-1, 0, 0.5, 3, 8, 100].map((raw) => scoreFromQuantiles(raw, q))).toEqual([0, 0, 0.125, 0.625, 1, 1]);
    expect(scoreFromQuantiles(Number.NaN, q)).toBe(0);
    expect(scoreFromQuantiles(1.5, [0, 1, 1, 2])).toBeCloseTo((2 + 0.5) / 3); // from the last quantile ≤ raw, as ood.score_from_quantiles does
  });
  test("without a calibration: uniform logits are 0.5, a confident one near 0; 1 − max p for probabilities", () => {
    expect(uncalibratedScore(Float32Array.of(0, 0, 0), "logits")).toBeCloseTo(0.5);
    expect(uncalibratedScore(Float32Array.of(9, -8, -7), "logits")).toBeLessThan(0.001);
    expect(uncalibratedScore(Float32Array.of(0.7, 0.2, 0.1), "probabilities")).toBeCloseTo(0.3);
  });
});

describe("scores from model.onnx and from a model without statistics", () => {
  let model: Classifier;
  let plain: Classifier;
  beforeAll(async () => {
    [model, plain] = await Promise.all([loadClassifier(`${root}/model.onnx`), loadClassifier(fixture("rgb-tiny.onnx"))]);
  });
  afterAll(() => Promise.all([model.close(), plain.close()]));

  test("model.onnx carries its calibration; test image 0 scores what Python computed (0.121); few in-domain images are warned", async () => {
    expect(model.info.ood).toMatchObject({ method: "mahalanobis", output: "ood_distance", threshold: 0.95 });
    expect(model.info.ood!.quantiles).toHaveLength(101);
    expect(model.info.driftReference).toMatchObject({ n: 5000, oodRate: 0.05 });
    const images = fashionImages();
    const scores = await Promise.all(images.map(async ({ bytes }) => oodOf(await model.classify(bytes))!));
    expect(scores[0]!.score).toBeCloseTo(0.121, 2);
    const warned = scores.filter((s) => s.out_of_domain).length;
    expect(warned / images.length).toBeLessThanOrEqual(0.05); // about 5 % by calibration (1 % here)
    for (const seed of [1, 2, 3, 4, 5])
      expect(oodOf(await model.classify(noisePng(28, 28, seed)))!.out_of_domain, `noise ${seed}`).toBe(true);
    // A photo-like picture: a colour gradient, then inverted garments (in-domain but shifted).
    const gradient = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#3b82f6" } })
      .composite([{ input: Buffer.from('<svg width="64" height="64"><circle cx="32" cy="32" r="20" fill="#fde047"/></svg>') }])
      .png()
      .toBuffer();
    expect(oodOf(await model.classify(gradient))!.out_of_domain).toBe(true);
    const inverted = await Promise.all(
      images
        .slice(0, 40)
        .map(async ({ bytes }) => oodOf(await model.classify(await sharp(bytes).negate({ alpha: false }).png().toBuffer()))!.out_of_domain),
    );
    expect(inverted.filter(Boolean).length).toBeGreaterThanOrEqual(36);
  });

  test("a model without statistics gets the uncalibrated energy score with its own threshold", async () => {
    expect(plain.info.ood).toBeUndefined();
    const colour = (background: string) =>
      sharp({ create: { width: 32, height: 32, channels: 3, background } })
        .png()
        .toBuffer();
    const red = oodOf(await plain.classify(await colour("#ff0000")))!;
    expect(red).toEqual({ score: expect.any(Number), threshold: 0.5, out_of_domain: false });
    expect(red.score).toBeLessThan(0.01);
    // Mid-grey gives the three classes almost the same logit: as unsure as the model gets.
    expect(oodOf(await plain.classify(await colour("#777777")))!.score).toBeGreaterThan(red.score * 100);
  });
});

describe("the ood key on every path", () => {
  let model: Classifier;
  let server: Server;
  const sneaker = readFileSync(`${root}/examples/sneaker.png`);
  const noise = noisePng(28, 28, 3);
  const isScore = (ood: unknown, flagged: boolean) =>
    expect(ood).toEqual({ score: expect.any(Number), threshold: 0.95, out_of_domain: flagged } satisfies Record<keyof OodScore, unknown>);
  beforeAll(async () => {
    model = await loadClassifier(`${root}/model.onnx`);
    const iface = new Interface({
      fn: (img: ImageFile) => model.classify(img),
      inputs: new Image(),
      outputs: new Label({ numTopClasses: 3 }),
    });
    server = await launch(iface, { port: 0, host: "127.0.0.1", quiet: true });
  });
  afterAll(async () => {
    await server.close();
    await model.close();
  });

  test("/api/predict and the curl flow (/call)", async () => {
    for (const [bytes, flagged] of [
      [sneaker, false],
      [noise, true],
    ] as const) {
      const oneShot = await (
        await fetch(`${server.url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl(bytes)] }) })
      ).json();
      expect(oneShot.data[0].label).toBeDefined();
      isScore(oneShot.data[0].ood, flagged);
      const { event_id } = await (
        await fetch(`${server.url}/gradio_api/call/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ data: [dataUrl(bytes)] }),
        })
      ).json();
      const stream = await (await fetch(`${server.url}/gradio_api/call/predict/${event_id}`)).text();
      const data = JSON.parse(stream.match(/event: complete\ndata: (.*)\n/)![1]!);
      isScore(data[0].ood, flagged);
    }
  });

  test("the queue, through the official @gradio/client, which passes it through", async () => {
    const { Client } = await import("@gradio/client");
    const client = await Client.connect(`${server.url}/`);
    try {
      const good = await client.predict("/predict", [sneaker]);
      expect((good.data as [{ label: string }])[0].label).toBe("Sneaker");
      isScore((good.data as [{ ood: unknown }])[0].ood, false);
      const odd = await client.predict("/predict", [new Blob([new Uint8Array(noise)], { type: "image/png" })]);
      isScore((odd.data as [{ ood: unknown }])[0].ood, true);
      const api = await client.view_api();
      expect(JSON.stringify(api)).toContain("out_of_domain");
    } finally {
      client.close();
    }
  });
});

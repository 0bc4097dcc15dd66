import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseModelInfo, readMetadataProps } from "../../src/classifier/model-info.ts";
import { fixture } from "../helpers.ts";

describe("readMetadataProps", () => {
  test("reads metadata_props from an ONNX file without decoding the graph", () => {
    expect(readMetadataProps(readFileSync(fixture("slow.onnx")))).toEqual({
      labels: '["red", "green", "blue"]',
      image_size: "[224, 224]",
      channels: "3",
      mean: "[0.485, 0.456, 0.406]",
      std: "[0.229, 0.224, 0.225]",
      resize: "crop",
      output: "logits",
    });
    expect(readMetadataProps(readFileSync(fixture("no-metadata.onnx")))).toEqual({});
  });
  test("refuses bytes that are not protobuf", () => {
    expect(() => readMetadataProps(new TextEncoder().encode('{"name": "not a model"}'))).toThrow(/protobuf|past the end|varint/);
  });
});

describe("parseModelInfo", () => {
  const ok = {
    labels: '["a","b"]',
    image_size: "[64, 32]",
    channels: "1",
    mean: "[0.5]",
    std: "[0.25]",
    resize: "pad",
    output: "probabilities",
  };
  test("parses every key", () => {
    expect(parseModelInfo(ok, 2)).toEqual({
      labels: ["a", "b"],
      size: [64, 32],
      channels: 1,
      mean: [0.5],
      std: [0.25],
      resize: "pad",
      output: "probabilities",
    });
  });
  test("defaults: RGB, ImageNet statistics, centre crop, logits", () => {
    expect(parseModelInfo({ labels: '["a"]', image_size: "[224,224]" })).toEqual({
      labels: ["a"],
      size: [224, 224],
      channels: 3,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      resize: "crop",
      output: "logits",
    });
  });
  test.each([
    [
      { ...ok, labels: undefined },
      'The model has no "labels" metadata (a JSON list of class names, e.g. ["cat","dog"]). Add it with: python3 training/add_metadata.py model.onnx --labels a,b,c --size 224 --channels 3 (see training/README.md).',
    ],
    [
      { ...ok, labels: "a,b" },
      'The model\'s "labels" metadata is not JSON: expected a JSON list of class names, e.g. ["cat","dog"], got "a,b".',
    ],
    [{ ...ok, image_size: "[0, 3]" }, 'The model\'s "image_size" metadata should be [height, width], e.g. [224, 224], got [0, 3].'],
    [{ ...ok, channels: "4" }, 'The model\'s "channels" metadata should be 1 (grayscale) or 3 (RGB), got 4.'],
    [{ ...ok, mean: "[0.5, 0.5]" }, 'The model\'s "mean" metadata should be a JSON list of 1 number(s), got [0.5, 0.5].'],
    [{ ...ok, std: "[0]" }, 'The model\'s "std" metadata must not contain 0, got [0].'],
    [{ ...ok, resize: "stretch" }, 'The model\'s "resize" metadata should be "squish", "crop" or "pad", got "stretch".'],
    [
      { ...ok, ood: '{"output": "ood_distance", "quantiles": [3, 1], "threshold": 0.95}' },
      'The model\'s "ood" metadata should be {"output": "<graph output>", "quantiles": [ascending numbers], "threshold": 0.95}, got {"output": "ood_distance", "quantiles": [3, 1], "threshold": 0.95}.',
    ],
    [
      { ...ok, drift_reference: '{"n": 10, "classes": [1], "confidence_bins": [0, 1], "confidence": [1]}' },
      'The model\'s "drift_reference" metadata should be {"n": N, "classes": [2 shares]',
    ],
  ])("%j → a message that says what to fix", (props, message) => {
    expect(() => parseModelInfo(props as Record<string, string>, 2)).toThrow(message);
  });
  test("the optional out-of-domain calibration, drift reference and domain", () => {
    const info = parseModelInfo(
      {
        ...ok,
        ood: '{"method": "mahalanobis", "output": "d", "quantiles": [0, 1, 2], "threshold": 0.9}',
        drift_reference: '{"n": 4, "classes": [0.5, 0.5], "confidence_bins": [0, 0.5, 1], "confidence": [0.25, 0.75], "ood_rate": 0.1}',
        domain: "bears",
      },
      2,
    );
    expect(info).toMatchObject({
      ood: { method: "mahalanobis", output: "d", quantiles: [0, 1, 2], threshold: 0.9 },
      driftReference: { n: 4, classes: [0.5, 0.5], confidenceBins: [0, 0.5, 1], confidence: [0.25, 0.75], oodRate: 0.1 },
      domain: "bears",
    });
  });
  test("labels must match the number of scores the graph outputs", () => {
    expect(() => parseModelInfo(ok, 10)).toThrow('The model outputs 10 scores but its "labels" metadata lists 2 names.');
  });
});

/**
 * What a model says about itself: the `metadata_props` of an ONNX file, parsed into the facts
 * preprocessing needs. The runtime never guesses these: a model without them gets a message
 * that tells the user how to add them (training/add_metadata.py).
 */

/** How an image is fitted to the model's input size (fastai's ResizeMethod names). */
export type ResizeMethod = "squish" | "crop" | "pad";

/**
 * Everything the classifier needs to turn an image into the model's input tensor, and back.
 *
 * @example
 * (await loadClassifier("model.onnx")).info // → { labels: ["T-shirt/top", …], size: [28, 28], channels: 1, … }
 */
export interface ModelInfo {
  labels: string[];
  /** [height, width] of the input tensor. */
  size: [number, number];
  /** 1 = grayscale, 3 = RGB. */
  channels: 1 | 3;
  /** Per channel, applied after scaling pixels to [0, 1]: (x - mean) / std. */
  mean: number[];
  std: number[];
  resize: ResizeMethod;
  /** "logits" gets a softmax; "probabilities" is used as is. */
  output: "logits" | "probabilities";
  /** How to score out-of-domain inputs, when the model was fitted for it (training/README.md). */
  ood?: OodCalibration;
  /** What held-out in-domain traffic looked like, for drift monitoring. */
  driftReference?: DriftReference;
  /** A few words on what the model was trained on, e.g. "light garments on black, 28×28". */
  domain?: string;
}

/**
 * The `ood` metadata: the graph output holding the raw score, and the empirical CDF of
 * held-out in-domain raw scores (quantiles) that maps it to [0, 1].
 *
 * @example
 * { method: "mahalanobis", output: "ood_distance", quantiles: [-4.02, …, 31.5], threshold: 0.95 }
 */
export interface OodCalibration {
  method: string;
  output: string;
  quantiles: number[];
  threshold: number;
}

/**
 * The `drift_reference` metadata: on `n` held-out in-domain images, the share predicted as each
 * label, the histogram of top-1 confidence over `confidenceBins`, and the out-of-domain rate.
 *
 * @example
 * { n: 5000, classes: [0.102, …], confidenceBins: [0, 0.1, …, 1], confidence: [0, …, 0.783], oodRate: 0.05 }
 */
export interface DriftReference {
  n: number;
  classes: number[];
  confidenceBins: number[];
  confidence: number[];
  oodRate: number;
}

/**
 * Reads `metadata_props` (ModelProto field 14) from an ONNX file's bytes without decoding the
 * graph. onnxruntime-node does not expose them, and a full protobuf decode of the weights costs
 * more than this walk over the top-level fields (~3 ms for a 2 MB model).
 *
 * @example
 * readMetadataProps(await readFile("model.onnx")) // → { labels: '["cat","dog"]', … }
 */
export function readMetadataProps(bytes: Uint8Array): Record<string, string> {
  const props: Record<string, string> = {};
  const decoder = new TextDecoder();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new Error("truncated varint");
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  const fields = (end: number, visit: (field: number, start: number, len: number) => void) => {
    while (pos < end) {
      const key = varint();
      const field = Math.floor(key / 8);
      switch (key & 7) {
        case 0:
          varint();
          break;
        case 1:
          pos += 8;
          break;
        case 5:
          pos += 4;
          break;
        case 2: {
          const len = varint();
          const start = pos;
          pos += len;
          if (pos > end) throw new Error("field runs past the end of the file");
          visit(field, start, len);
          break;
        }
        default:
          throw new Error(`unknown protobuf wire type ${key & 7}`);
      }
    }
  };
  fields(bytes.length, (field, start, len) => {
    if (field !== 14) return;
    const after = pos;
    pos = start;
    let key = "";
    let value = "";
    fields(start + len, (f, s, l) => {
      if (f === 1) key = decoder.decode(bytes.subarray(s, s + l));
      if (f === 2) value = decoder.decode(bytes.subarray(s, s + l));
    });
    props[key] = value;
    pos = after;
  });
  return props;
}

const HOW_TO_FIX =
  "Add it with: python3 training/add_metadata.py model.onnx --labels a,b,c --size 224 --channels 3 (see training/README.md).";

function json<T>(props: Record<string, string>, key: string, check: (v: unknown) => v is T, expected: string): T {
  const raw = props[key];
  if (raw === undefined) throw new Error(`The model has no "${key}" metadata (${expected}). ${HOW_TO_FIX}`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`The model's "${key}" metadata is not JSON: expected ${expected}, got ${JSON.stringify(raw)}.`);
  }
  if (!check(value)) throw new Error(`The model's "${key}" metadata should be ${expected}, got ${raw}.`);
  return value;
}

const isNumbers =
  (n: number) =>
  (v: unknown): v is number[] =>
    Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" && Number.isFinite(x));

/**
 * Turns `metadata_props` into a validated {@link ModelInfo}; `outputSize` (the number of classes
 * the graph produces) is checked against the labels when known.
 *
 * @example
 * parseModelInfo({ labels: '["cat","dog"]', image_size: "[224,224]", channels: "3" })
 * // → { labels: ["cat","dog"], size: [224,224], channels: 3, mean: [0.485,…], std: [0.229,…], resize: "crop", output: "logits" }
 */
export function parseModelInfo(props: Record<string, string>, outputSize?: number): ModelInfo {
  const labels = json(
    props,
    "labels",
    (v): v is string[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"),
    'a JSON list of class names, e.g. ["cat","dog"]',
  );
  if (outputSize !== undefined && outputSize > 0 && outputSize !== labels.length) {
    throw new Error(`The model outputs ${outputSize} scores but its "labels" metadata lists ${labels.length} names.`);
  }
  const size = json(
    props,
    "image_size",
    (v): v is [number, number] => isNumbers(2)(v) && v.every((x) => Number.isInteger(x) && x > 0),
    "[height, width], e.g. [224, 224]",
  );
  const channels = Number(props.channels ?? "3");
  if (channels !== 1 && channels !== 3)
    throw new Error(`The model's "channels" metadata should be 1 (grayscale) or 3 (RGB), got ${props.channels}.`);
  // ImageNet statistics: what fastai and torchvision models are trained with unless told otherwise.
  const defaults = channels === 3 ? { mean: "[0.485,0.456,0.406]", std: "[0.229,0.224,0.225]" } : { mean: "[0.5]", std: "[0.5]" };
  const withDefaults = { ...defaults, ...props };
  const mean = json(withDefaults, "mean", isNumbers(channels), `a JSON list of ${channels} number(s)`);
  const std = json(withDefaults, "std", isNumbers(channels), `a JSON list of ${channels} number(s)`);
  if (std.some((s) => s === 0)) throw new Error(`The model's "std" metadata must not contain 0, got ${JSON.stringify(std)}.`);
  const resize = props.resize ?? "crop";
  if (resize !== "squish" && resize !== "crop" && resize !== "pad") {
    throw new Error(`The model's "resize" metadata should be "squish", "crop" or "pad", got ${JSON.stringify(resize)}.`);
  }
  const output = props.output ?? "logits";
  if (output !== "logits" && output !== "probabilities") {
    throw new Error(`The model's "output" metadata should be "logits" or "probabilities", got ${JSON.stringify(output)}.`);
  }
  const info: ModelInfo = { labels, size, channels, mean, std, resize, output };
  if (props.ood !== undefined) {
    const ood = json(
      props,
      "ood",
      (v): v is OodCalibration => {
        const o = v as Partial<OodCalibration> | null;
        return (
          typeof o?.output === "string" &&
          typeof o.threshold === "number" &&
          Array.isArray(o.quantiles) &&
          o.quantiles.length >= 2 &&
          o.quantiles.every((q, i) => typeof q === "number" && (i === 0 || q >= o.quantiles![i - 1]!))
        );
      },
      '{"output": "<graph output>", "quantiles": [ascending numbers], "threshold": 0.95}',
    );
    info.ood = { method: String(ood.method ?? "unknown"), output: ood.output, quantiles: ood.quantiles, threshold: ood.threshold };
  }
  if (props.drift_reference !== undefined) {
    type Raw = { n: number; classes: number[]; confidence_bins: number[]; confidence: number[]; ood_rate?: number };
    const ref = json(
      props,
      "drift_reference",
      (v): v is Raw => {
        const r = v as Partial<Raw> | null;
        return (
          typeof r?.n === "number" &&
          isNumbers(labels.length)(r.classes) &&
          Array.isArray(r.confidence_bins) &&
          isNumbers(r.confidence_bins.length - 1)(r.confidence)
        );
      },
      `{"n": N, "classes": [${labels.length} shares], "confidence_bins": [edges], "confidence": [shares per bin], "ood_rate": r}`,
    );
    info.driftReference = {
      n: ref.n,
      classes: ref.classes,
      confidenceBins: ref.confidence_bins,
      confidence: ref.confidence,
      oodRate: ref.ood_rate ?? 0.05,
    };
  }
  if (props.domain) info.domain = props.domain;
  return info;
}

/** The Label output: a top class and its confidences (gradio components/label.py). */
import type { DriftReference } from "../classifier/model-info.ts";
import { oodOf, type OodScore } from "../ood.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * Label component value (gradio LabelData), as it travels on the wire.
 *
 * @example
 * const value: LabelData = { label: "Bag", confidences: [{ label: "Bag", confidence: 0.97 }] };
 */
export interface LabelData {
  label?: string | number;
  confidences?: { label: string | number; confidence: number }[] | null;
  /** How unlike the training data the input was (this project's one key beyond Gradio's). */
  ood?: OodScore;
}

/**
 * Options of {@link Label}.
 *
 * @example
 * new Label({ label: "prediction", numTopClasses: 3 })
 */
export interface LabelOptions extends BaseOptions<unknown> {
  /** Show only the N most confident classes (default: all). */
  numTopClasses?: number;
  /**
   * The model whose predictions this Label shows (`model.info`): its labels and drift reference
   * let the monitor compare live traffic with what the model was made for, and its `domain` is
   * named by the page's out-of-domain warning.
   */
  model?: LabelModel;
  /** The bars' colour (CSS). */
  color?: string;
  /** Show the top class as a heading (default true). */
  showHeading?: boolean;
}

/** What a Label uses of a model's metadata (a classifier's `info` has it all). */
export interface LabelModel {
  labels: string[];
  domain?: string;
  driftReference?: DriftReference;
}

const finite = (n: number) => (Number.isFinite(n) ? n : null);
const isOodScore = (v: unknown): v is OodScore =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as OodScore).score === "number" &&
  typeof (v as OodScore).threshold === "number" &&
  typeof (v as OodScore).out_of_domain === "boolean";

/**
 * A label output. `fn` returns `{label: confidence}` (an object or a Map), a plain string or
 * number, or a {@link LabelData}; the wire value is sorted by confidence, descending, ties in
 * insertion order, then cut to `numTopClasses`.
 *
 * @example
 * new Label({ numTopClasses: 3 }).postprocess({ cat: 0.2, dog: 0.8 })
 * // → { label: "dog", confidences: [{ label: "dog", confidence: 0.8 }, { label: "cat", confidence: 0.2 }] }
 */
export class Label extends BaseComponent<LabelData, unknown> {
  static override readonly events = ["change", "select"] as const;
  readonly type = "label";
  readonly color: string | undefined;
  readonly showHeading: boolean;
  readonly numTopClasses: number | undefined;
  readonly model: LabelModel | undefined;

  constructor(options: LabelOptions = {}) {
    super(options);
    const n = options.numTopClasses;
    if (n !== undefined && !(Number.isInteger(n) && n >= 1)) {
      throw new Error(`Label numTopClasses must be a whole number ≥ 1, got ${n}.`);
    }
    this.numTopClasses = n;
    this.model = options.model;
    this.color = options.color;
    this.showHeading = options.showHeading ?? true;
  }

  postprocess(value: unknown): LabelData | Record<string, never> {
    const data = this.toLabelData(value);
    // The classifier attaches the score to its confidences; a fn may also return LabelData with one.
    const ood = oodOf(value) ?? (isOodScore((value as LabelData | null)?.ood) ? (value as LabelData).ood : undefined);
    return ood && "label" in data ? { ...data, ood } : data;
  }

  private toLabelData(value: unknown): LabelData | Record<string, never> {
    if (value === null || value === undefined) return {};
    if (typeof value === "string" || typeof value === "number") return { label: value, confidences: null };
    let entries: [string | number, number][];
    if (value instanceof Map) entries = [...value.entries()];
    else if (typeof value === "object" && Array.isArray((value as LabelData).confidences)) {
      entries = (value as LabelData).confidences!.map((c) => [c.label, c.confidence]);
    } else if (typeof value === "object") entries = Object.entries(value as Record<string, number>);
    else throw new Error(`Label expects {label: confidence}, a string or a number; fn returned a ${typeof value}.`);
    if (entries.length === 0) return {};
    for (const [label, confidence] of entries) {
      if (typeof confidence !== "number")
        throw new Error(`Label confidence for ${JSON.stringify(label)} must be a number, got ${typeof confidence}.`);
    }
    const sorted = entries
      .map(([label, confidence], i) => ({ label, confidence, i }))
      .sort((a, b) => b.confidence - a.confidence || a.i - b.i)
      .slice(0, this.numTopClasses);
    return {
      label: sorted[0]!.label,
      confidences: sorted.map(({ label, confidence }) => ({ label, confidence: finite(confidence) as number })),
    };
  }

  preprocess(payload: unknown): LabelData {
    if (payload !== null && payload !== undefined && (typeof payload !== "object" || Array.isArray(payload))) {
      throw this.invalid("{label, confidences}", payload);
    }
    return (payload ?? {}) as LabelData;
  }

  apiInfo(): Record<string, unknown> {
    const label = { anyOf: [{ type: "string" }, { type: "integer" }, { type: "number" }, { type: "null" }], default: null, title: "Label" };
    return {
      $defs: {
        LabelConfidence: {
          properties: { label, confidence: { anyOf: [{ type: "number" }, { type: "null" }], default: null, title: "Confidence" } },
          title: "LabelConfidence",
          type: "object",
        },
      },
      properties: {
        label,
        confidences: {
          anyOf: [{ items: { $ref: "#/$defs/LabelConfidence" }, type: "array" }, { type: "null" }],
          default: null,
          title: "Confidences",
        },
        ood: {
          anyOf: [
            {
              properties: { score: { type: "number" }, threshold: { type: "number" }, out_of_domain: { type: "boolean" } },
              type: "object",
            },
            { type: "null" },
          ],
          default: null,
          title: "Out-of-domain score",
        },
      },
      title: "LabelData",
      type: "object",
      additional_description: null,
    };
  }

  pythonType() {
    return {
      type: "dict(label: str | int | float | None, confidences: list[dict(label: str | int | float | None, confidence: float | None)] | None, ood: dict(score: float, threshold: float, out_of_domain: bool) | None)",
      description: "",
    };
  }

  exampleInput(): unknown {
    return {
      label: "Cat",
      confidences: [
        { label: "Cat", confidence: 0.9 },
        { label: "Dog", confidence: 0.1 },
      ],
    };
  }

  protected override ownProps(): Record<string, unknown> {
    return {
      show_heading: this.showHeading,
      color: this.color,
      ...(this.numTopClasses ? { num_top_classes: this.numTopClasses } : {}),
      ...(this.model?.domain ? { trained_on: this.model.domain } : {}),
    };
  }
}

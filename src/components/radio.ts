/** The Radio: one of a fixed set of choices (gradio components/radio.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";
import { type Choice, type ChoiceValue, listChoices, literalType, normalizeChoices } from "./choices.ts";

/**
 * Options of {@link Radio}.
 *
 * @example
 * new Radio({ choices: ["park", "zoo", ["the road", "road"]], value: "park", label: "Location" })
 */
export interface RadioOptions extends BaseOptions<ChoiceValue | null> {
  /** The choices: values, or `[display, value]` pairs. */
  choices?: readonly Choice[];
  /** What `fn` gets: the chosen `"value"` (default) or its `"index"` in `choices`. */
  type?: "value" | "index";
}

/**
 * Radio buttons, one selected. A value not among the choices is a 422 naming them.
 *
 * @example
 * new Radio({ choices: ["ran", "swam", "ate", "slept"], label: "Activity", type: "index" })
 */
export class Radio extends BaseComponent<ChoiceValue | number | null, ChoiceValue | null> {
  static override readonly events = ["select", "change", "input"] as const;
  readonly type = "radio";
  readonly choices: [string, ChoiceValue][];
  readonly returns: "value" | "index";

  constructor(options: RadioOptions = {}) {
    super(options);
    this.choices = normalizeChoices(options.choices);
    this.returns = checkType(options.type);
  }

  preprocess(payload: unknown): ChoiceValue | number | null {
    if (payload === null || payload === undefined) return null;
    const index = this.choices.findIndex(([, v]) => v === payload);
    if (index < 0) throw this.invalid(`one of ${listChoices(this.choices)}`, payload);
    return this.returns === "index" ? index : (payload as ChoiceValue);
  }

  postprocess(value: unknown): ChoiceValue | null {
    return (value ?? null) as ChoiceValue | null;
  }

  apiInfo() {
    return { enum: this.choices.map(([, v]) => v), title: "Radio", type: "string" };
  }

  pythonType() {
    return { type: literalType(this.choices.map(([, v]) => v)), description: "" };
  }

  exampleInput(): unknown {
    return this.choices[0]?.[1] ?? null;
  }

  protected override ownProps(): Record<string, unknown> {
    return { choices: this.choices, type: this.returns };
  }
}

/** Checks a choice component's `type` option. */
export function checkType(type: string | undefined): "value" | "index" {
  const t = type ?? "value";
  if (t !== "value" && t !== "index") throw new Error(`type must be "value" or "index", got ${JSON.stringify(type)}.`);
  return t;
}

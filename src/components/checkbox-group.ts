/** The CheckboxGroup: any subset of a fixed set of choices (gradio components/checkboxgroup.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";
import { type Choice, type ChoiceValue, listChoices, literalType, normalizeChoices } from "./choices.ts";
import { checkType } from "./radio.ts";

/**
 * Options of {@link CheckboxGroup}.
 *
 * @example
 * new CheckboxGroup({ choices: ["USA", "Japan", "Pakistan"], value: ["Japan"], label: "Countries" })
 */
export interface CheckboxGroupOptions extends BaseOptions<ChoiceValue | ChoiceValue[] | null> {
  /** The choices: values, or `[display, value]` pairs. */
  choices?: readonly Choice[];
  /** What `fn` gets: the checked `"value"`s (default) or their `"index"`es in `choices`. */
  type?: "value" | "index";
}

/**
 * A set of checkboxes. `fn` gets the checked values (or indexes) as an array; a value not among the
 * choices is a 422 naming them. `fn` may return one value or an array of them.
 *
 * @example
 * new CheckboxGroup({ choices: ["USA", "Japan", "Pakistan"], label: "Countries", info: "Where are they from?" })
 */
export class CheckboxGroup extends BaseComponent<(ChoiceValue | number)[], ChoiceValue | ChoiceValue[] | null> {
  static override readonly events = ["change", "input", "select"] as const;
  readonly type = "checkboxgroup";
  readonly choices: [string, ChoiceValue][];
  readonly returns: "value" | "index";

  constructor(options: CheckboxGroupOptions = {}) {
    super(options);
    this.choices = normalizeChoices(options.choices);
    this.returns = checkType(options.type);
  }

  override get componentName(): string {
    return "CheckboxGroup";
  }

  preprocess(payload: unknown): (ChoiceValue | number)[] {
    if (payload === null || payload === undefined) return [];
    const expected = `a list of values from ${listChoices(this.choices)}`;
    if (!Array.isArray(payload)) throw this.invalid(expected, payload);
    return payload.map((value) => {
      const index = this.choices.findIndex(([, v]) => v === value);
      if (index < 0) throw this.invalid(expected, value);
      return this.returns === "index" ? index : (value as ChoiceValue);
    });
  }

  postprocess(value: unknown): ChoiceValue[] {
    if (value === null || value === undefined) return [];
    return (Array.isArray(value) ? value : [value]) as ChoiceValue[];
  }

  apiInfo() {
    return { items: { enum: this.choices.map(([, v]) => v), type: "string" }, title: "Checkbox Group", type: "array" };
  }

  pythonType() {
    return { type: `list[${literalType(this.choices.map(([, v]) => v))}]`, description: "" };
  }

  exampleInput(): unknown {
    return this.choices.length ? [this.choices[0]![1]] : null;
  }

  protected override ownProps(): Record<string, unknown> {
    return { choices: this.choices, type: this.returns };
  }
}

/** The Dropdown: one or several of a set of choices, or typed values (gradio components/dropdown.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";
import { type Choice, type ChoiceValue, listChoices, literalType, normalizeChoices } from "./choices.ts";
import { checkType } from "./radio.ts";

/**
 * Options of {@link Dropdown}.
 *
 * @example
 * new Dropdown({ choices: ["cat", "dog", "bird"], multiselect: true, maxChoices: 2, label: "Animals" })
 */
export interface DropdownOptions extends BaseOptions<ChoiceValue | ChoiceValue[] | null> {
  /** The choices: values, or `[display, value]` pairs. */
  choices?: readonly Choice[];
  /** The initial selection; by default the first choice (`[]` with `multiselect`); `null` selects nothing. */
  value?: ChoiceValue | ChoiceValue[] | null;
  /** What `fn` gets: the chosen `"value"` (default) or its `"index"` in `choices` (`null` for a custom value). */
  type?: "value" | "index";
  /** Let several be chosen; `fn` then gets an array. */
  multiselect?: boolean;
  /** Accept values typed by the user that are not among the choices. */
  allowCustomValue?: boolean;
  /** At most this many with `multiselect` (more is a 422). */
  maxChoices?: number;
  /** Let the user type to filter the list (default true; always with `allowCustomValue`). */
  filterable?: boolean;
}

/**
 * A dropdown. A value not among the choices (unless `allowCustomValue`), a list without
 * `multiselect`, or more than `maxChoices` values is a 422 naming what was expected.
 *
 * @example
 * new Dropdown({ choices: ["ran", "swam", "ate", "slept"], value: ["swam", "slept"], multiselect: true, label: "Activity" })
 */
export class Dropdown extends BaseComponent<
  ChoiceValue | number | null | (ChoiceValue | number | null)[],
  ChoiceValue | ChoiceValue[] | null
> {
  static override readonly events = ["change", "input", "select", "focus", "blur", "key_up"] as const;
  readonly type = "dropdown";
  readonly choices: [string, ChoiceValue][];
  readonly returns: "value" | "index";
  readonly multiselect: boolean;
  readonly allowCustomValue: boolean;
  readonly maxChoices: number | undefined;
  readonly filterable: boolean;
  private readonly hasValue: boolean;

  constructor(options: DropdownOptions = {}) {
    super(options);
    this.choices = normalizeChoices(options.choices);
    this.returns = checkType(options.type);
    this.multiselect = options.multiselect ?? false;
    this.allowCustomValue = options.allowCustomValue ?? false;
    const max = options.maxChoices;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1))
      throw new Error(`Dropdown maxChoices must be a whole number ≥ 1, got ${max}.`);
    this.maxChoices = this.multiselect ? max : undefined;
    this.filterable = this.allowCustomValue || (options.filterable ?? true);
    this.hasValue = "value" in options;
  }

  private indexOf(value: unknown): number {
    return this.choices.findIndex(([, v]) => v === value);
  }

  private check(value: unknown): ChoiceValue | number | null {
    const index = this.indexOf(value);
    if (index < 0) {
      if (!this.allowCustomValue) throw this.invalid(`one of ${listChoices(this.choices)}`, value);
      if (typeof value !== "string" && typeof value !== "number") throw this.invalid("a string or a number", value);
    }
    if (this.returns === "index") return index < 0 ? null : index;
    return value as ChoiceValue;
  }

  preprocess(payload: unknown): ChoiceValue | number | null | (ChoiceValue | number | null)[] {
    if (payload === null || payload === undefined) return this.multiselect ? [] : null;
    if (!this.multiselect) {
      if (Array.isArray(payload)) throw this.invalid(`one value (multiselect is off), one of ${listChoices(this.choices)}`, payload);
      return this.check(payload);
    }
    const list = Array.isArray(payload) ? payload : [payload];
    if (this.maxChoices !== undefined && list.length > this.maxChoices) {
      throw this.invalid(`at most ${this.maxChoices} choice${this.maxChoices === 1 ? "" : "s"}`, list);
    }
    return list.map((v) => this.check(v));
  }

  postprocess(value: unknown): ChoiceValue | ChoiceValue[] | null {
    if (value === null || value === undefined) return null;
    if (this.multiselect && !Array.isArray(value)) return [value as ChoiceValue];
    return value as ChoiceValue | ChoiceValue[];
  }

  /** Gradio's default: the first choice (nothing with multiselect) unless a value was given, even `null`. */
  protected override configValue(): unknown {
    if (this.hasValue) {
      const v = this.value;
      return this.multiselect && typeof v === "string" ? [v] : this.postprocess(v);
    }
    return this.multiselect ? [] : (this.choices[0]?.[1] ?? null);
  }

  apiInfo() {
    const values = this.choices.map(([, v]) => v);
    return this.multiselect ? { type: "array", items: { type: "string", enum: values } } : { type: "string", enum: values };
  }

  pythonType() {
    const literal = literalType(this.choices.map(([, v]) => v));
    return { type: this.multiselect ? `list[${literal}]` : literal, description: "" };
  }

  exampleInput(): unknown {
    const first = this.choices[0]?.[1];
    if (this.multiselect) return first === undefined ? [] : [first];
    return first ?? null;
  }

  protected override ownProps(): Record<string, unknown> {
    return {
      choices: this.choices,
      type: this.returns,
      multiselect: this.multiselect,
      allow_custom_value: this.allowCustomValue,
      max_choices: this.maxChoices,
      filterable: this.filterable,
    };
  }
}

/** The Number component: a finite number in or out (gradio components/number.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * Options of {@link NumberInput}.
 *
 * @example
 * new NumberInput({ label: "Age", minimum: 0, maximum: 130, precision: 0 })
 */
export interface NumberOptions extends BaseOptions<number | null> {
  /** Smallest value accepted from the caller (a smaller one is a 422). */
  minimum?: number;
  /** Largest value accepted from the caller (a larger one is a 422). */
  maximum?: number;
  /** The page's increment (default 1). */
  step?: number;
  /** Decimal places values are rounded to, in and out; 0 gives whole numbers. Default: no rounding. */
  precision?: number;
  /** Hint shown while it is empty. */
  placeholder?: string;
}

/**
 * Rounds as Python's `round(x, n)` for the ties that matter: halves go to the even neighbour
 * (`round(2.5) == 2`), so a Number with `precision` gives what Gradio gives.
 *
 * @example
 * roundTo(2.5, 0) // → 2
 * roundTo(1.2345, 2) // → 1.23
 */
export function roundTo(x: number, precision: number): number {
  const f = 10 ** precision;
  const y = x * f;
  const r = Math.abs(y % 1) === 0.5 ? 2 * Math.round(y / 2) : Math.round(y);
  return r / f;
}

/**
 * A number input or output. Numeric strings ("3.5") are accepted, as Gradio's pydantic does.
 * `fn` gets `null` when the field is empty.
 *
 * @example
 * new Interface({ fn: (x: number) => x * 2, inputs: new NumberInput({ minimum: 0 }), outputs: new NumberInput() });
 */
export class NumberInput extends BaseComponent<number | null, number | null> {
  static override readonly events = ["change", "input", "submit", "focus", "blur"] as const;
  readonly type = "number";
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly step: number;
  readonly precision: number | undefined;
  readonly placeholder: string | undefined;

  constructor(options: NumberOptions | number = {}) {
    const o = typeof options === "number" ? { value: options } : options;
    super(o);
    if (o.precision !== undefined && !(Number.isInteger(o.precision) && o.precision >= 0)) {
      throw new Error(`Number precision must be a whole number ≥ 0, got ${o.precision}.`);
    }
    if (o.minimum !== undefined && o.maximum !== undefined && o.minimum > o.maximum) {
      throw new Error(`Number minimum (${o.minimum}) is above its maximum (${o.maximum}).`);
    }
    this.minimum = o.minimum;
    this.maximum = o.maximum;
    this.step = o.step ?? 1;
    this.precision = o.precision;
    this.placeholder = o.placeholder;
  }

  private round(n: number): number {
    return this.precision === undefined ? n : roundTo(n, this.precision);
  }

  /** What the caller should send, for messages. */
  private expected(): string {
    const { minimum: lo, maximum: hi } = this;
    if (lo !== undefined && hi !== undefined) return `a number from ${lo} to ${hi}`;
    if (lo !== undefined) return `a number ≥ ${lo}`;
    if (hi !== undefined) return `a number ≤ ${hi}`;
    return "a number";
  }

  preprocess(payload: unknown): number | null {
    if (payload === null || payload === undefined) return null;
    const n = typeof payload === "string" && payload.trim() !== "" ? Number(payload) : payload;
    if (typeof n !== "number" || !Number.isFinite(n)) throw this.invalid(this.expected(), payload);
    if ((this.minimum !== undefined && n < this.minimum) || (this.maximum !== undefined && n > this.maximum)) {
      throw this.invalid(this.expected(), n);
    }
    return this.round(n);
  }

  postprocess(value: unknown): number | null {
    if (value === null || value === undefined) return null;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`${this.displayName} output must be a finite number, fn returned ${String(value)}.`);
    return this.round(n);
  }

  apiInfo() {
    return { type: this.precision === 0 ? "integer" : "number" };
  }

  pythonType() {
    return { type: this.precision === 0 ? "int" : "float", description: "" };
  }

  exampleInput(): unknown {
    return this.round(this.minimum ?? 3);
  }

  protected override ownProps(): Record<string, unknown> {
    return {
      minimum: this.minimum,
      maximum: this.maximum,
      step: this.step,
      precision: this.precision,
      placeholder: this.placeholder,
    };
  }
}

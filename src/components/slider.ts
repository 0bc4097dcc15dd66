/** The Slider: a number within a range (gradio components/slider.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * Options of {@link Slider}.
 *
 * @example
 * new Slider({ minimum: 2, maximum: 20, value: 4, step: 1, label: "Count" })
 */
export interface SliderOptions extends BaseOptions<number | null> {
  /** Lowest value (default 0). */
  minimum?: number;
  /** Highest value (default 100). */
  maximum?: number;
  /** Increment; default as Gradio: 10^(⌊log10(maximum − minimum)⌋ − 2), 1 for 0–100. */
  step?: number;
  /** Start at a random step instead of `value`, drawn once (at construction). */
  randomize?: boolean;
  /** Show the page's reset-to-default button (default true). */
  showResetButton?: boolean;
}

/**
 * A slider. `fn` gets a number within [minimum, maximum]; a value outside it, or not a number,
 * is a 422 (the page cannot send one, an API caller can). An output of `null` shows the minimum.
 *
 * @example
 * new Slider({ minimum: 0, maximum: 1, step: 0.1, value: 0.5, label: "Threshold" })
 */
export class Slider extends BaseComponent<number, number | null> {
  static override readonly events = ["change", "input", "release"] as const;
  readonly type = "slider";
  readonly minimum: number;
  readonly maximum: number;
  readonly step: number;
  readonly showResetButton: boolean;
  private readonly start: number | null | undefined;

  constructor(options: SliderOptions = {}) {
    super(options);
    this.minimum = options.minimum ?? 0;
    this.maximum = options.maximum ?? 100;
    if (!(Number.isFinite(this.minimum) && Number.isFinite(this.maximum) && this.minimum <= this.maximum)) {
      throw new Error(`Slider needs finite minimum ≤ maximum, got ${this.minimum} and ${this.maximum}.`);
    }
    const span = this.maximum - this.minimum;
    this.step = options.step ?? (span > 0 ? 10 ** (Math.floor(Math.log10(span)) - 2) : 1);
    if (!(this.step > 0)) throw new Error(`Slider step must be > 0, got ${this.step}.`);
    this.showResetButton = options.showResetButton ?? true;
    this.start = options.randomize ? this.randomValue() : options.value;
  }

  /** A uniformly drawn step in the range, rounded to the step's decimals (gradio get_random_value). */
  private randomValue(): number {
    const steps = Math.floor((this.maximum - this.minimum) / this.step);
    const value = this.minimum + Math.floor(Math.random() * (steps + 1)) * this.step;
    const decimals = String(this.step).split(".")[1]?.length ?? 0;
    return Number(value.toFixed(decimals));
  }

  preprocess(payload: unknown): number {
    const expected = `a number from ${this.minimum} to ${this.maximum}`;
    const n = typeof payload === "string" && payload.trim() !== "" ? Number(payload) : payload;
    if (typeof n !== "number" || !Number.isFinite(n)) throw this.invalid(expected, payload);
    if (n < this.minimum || n > this.maximum) throw this.invalid(expected, n);
    return n;
  }

  postprocess(value: unknown): number {
    if (value === null || value === undefined) return this.minimum;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`${this.displayName} output must be a finite number, fn returned ${String(value)}.`);
    return n;
  }

  protected override configValue(): number {
    return this.postprocess(this.start);
  }

  apiInfo() {
    return { type: "number", description: `numeric value between ${this.minimum} and ${this.maximum}` };
  }

  pythonType() {
    return { type: "float", description: `numeric value between ${this.minimum} and ${this.maximum}` };
  }

  exampleInput(): unknown {
    return this.minimum;
  }

  protected override ownProps(): Record<string, unknown> {
    return { minimum: this.minimum, maximum: this.maximum, step: this.step, show_reset_button: this.showResetButton };
  }
}

/** The Button: something to click (gradio components/button.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * Options of {@link Button}.
 *
 * @example
 * new Button({ value: "Flip", variant: "primary", size: "lg" })
 */
export interface ButtonOptions extends BaseOptions<string> {
  /** `"primary"` for the main action, `"secondary"` (default), `"stop"`, or `"huggingface"`. */
  variant?: "primary" | "secondary" | "stop" | "huggingface";
  size?: "sm" | "md" | "lg";
  /** A URL opened when clicked. */
  link?: string;
  /** An icon URL shown in the button. */
  icon?: string;
}

const VARIANTS = ["primary", "secondary", "stop", "huggingface"];

/**
 * A button; attach work with `.click(…)`. Its value is its text (default "Run"); it is not an API
 * parameter (`skip_api`), though `fn` may set its text as an output.
 *
 * @example
 * const greet = new Button("Greet"); // or new Button({ value: "Greet", variant: "primary" })
 */
export class Button extends BaseComponent<string | null, string> {
  static override readonly events = ["click"] as const;
  readonly type = "button";
  /** Gradio's Button is never an API parameter or return value. */
  readonly skipApi = true;
  readonly variant: string;
  readonly size: string;
  readonly link: string | undefined;
  readonly icon: string | undefined;

  constructor(options: ButtonOptions | string = {}) {
    const o = typeof options === "string" ? { value: options } : options;
    super({ value: "Run", ...o }, { minWidth: null, interactive: true });
    this.variant = o.variant ?? "secondary";
    if (!VARIANTS.includes(this.variant))
      throw new Error(`Button variant must be one of ${VARIANTS.join(", ")}, got ${JSON.stringify(this.variant)}.`);
    this.size = o.size ?? "lg";
    this.link = o.link;
    this.icon = o.icon;
  }

  preprocess(payload: unknown): string | null {
    if (payload === null || payload === undefined) return null;
    if (typeof payload !== "string") throw this.invalid("the button's text", payload);
    return payload;
  }

  postprocess(value: unknown): string {
    return String(value);
  }

  apiInfo() {
    return { type: "string" };
  }

  pythonType() {
    return { type: "str", description: "" };
  }

  exampleInput(): unknown {
    return "Run";
  }

  protected override ownProps(): Record<string, unknown> {
    return { variant: this.variant, size: this.size, link: this.link, icon: this.icon };
  }
}

/** The Textbox: a string in or out (gradio components/textbox.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * Options of {@link Textbox}.
 *
 * @example
 * new Textbox({ label: "Password", type: "password", placeholder: "at least 12 characters" })
 */
export interface TextboxOptions extends BaseOptions<string | null> {
  /** Rows shown at least (default 1). */
  lines?: number;
  /** Rows shown at most before it scrolls (default: max(lines, 20) for text, 1 for password and email). */
  maxLines?: number;
  /** Hint shown while it is empty. */
  placeholder?: string;
  /** `"password"` masks what is typed; `"email"` asks the browser for an address keyboard (both one line). */
  type?: "text" | "password" | "email";
  /** Longest text accepted, in characters (also enforced on the server). */
  maxLength?: number;
  /** Which side the text is aligned to. */
  textAlign?: "left" | "right";
  /** Right-to-left text. */
  rtl?: boolean;
  autofocus?: boolean;
  autoscroll?: boolean;
  /** A submit button inside the box: `true` for an icon, a string for its text. */
  submitBtn?: string | boolean;
  /** A stop button inside the box: `true` for an icon, a string for its text. */
  stopBtn?: string | boolean;
  /** Toolbar buttons; Gradio's only built-in one is `"copy"`. */
  buttons?: "copy"[];
}

const TYPES = ["text", "password", "email"] as const;

/**
 * A text input or output. `null` arrives as "" (as Gradio's page sends it); numbers and booleans are refused.
 *
 * @example
 * new Interface({ fn: (name: string) => `Hello ${name}!`, inputs: new Textbox({ label: "Name" }), outputs: new Textbox() });
 */
export class Textbox extends BaseComponent<string, string | null> {
  static override readonly events = ["change", "input", "select", "submit", "focus", "blur", "stop", "copy"] as const;
  readonly type = "textbox";
  readonly lines: number;
  readonly maxLines: number | undefined;
  readonly placeholder: string | undefined;
  readonly textType: "text" | "password" | "email";
  readonly maxLength: number | undefined;
  private readonly extra: Record<string, unknown>;

  constructor(options: TextboxOptions | string = {}) {
    const o = typeof options === "string" ? { value: options } : options;
    super(o);
    const type = o.type ?? "text";
    if (!TYPES.includes(type)) throw new Error(`Textbox type must be "text", "password" or "email", got ${JSON.stringify(type)}.`);
    const oneLine = type !== "text";
    this.textType = type;
    this.lines = oneLine ? 1 : (o.lines ?? 1);
    this.maxLines = oneLine ? 1 : o.maxLines;
    if (this.maxLines !== undefined && this.maxLines < this.lines) {
      throw new Error(`Textbox maxLines (${this.maxLines}) must be at least lines (${this.lines}).`);
    }
    this.placeholder = o.placeholder;
    this.maxLength = o.maxLength;
    this.extra = {
      text_align: o.textAlign,
      rtl: o.rtl ?? false,
      autofocus: o.autofocus ?? false,
      autoscroll: o.autoscroll ?? true,
      submit_btn: o.submitBtn ?? false,
      stop_btn: o.stopBtn ?? false,
      buttons: o.buttons,
    };
  }

  preprocess(payload: unknown): string {
    if (payload === null || payload === undefined) return "";
    if (typeof payload !== "string") throw this.invalid("text", payload);
    if (this.maxLength !== undefined && payload.length > this.maxLength) {
      throw this.refuse(`expected at most ${this.maxLength} characters, got ${payload.length}`);
    }
    return payload;
  }

  postprocess(value: unknown): string | null {
    return value === null || value === undefined ? null : String(value);
  }

  /** Text is written as it is, so it is read back as it is (JSON.parse would turn "3" into 3). */
  override readFromFlag(cell: string): string {
    return cell;
  }

  apiInfo() {
    return { type: "string" };
  }

  pythonType() {
    return { type: "str", description: "" };
  }

  exampleInput(): unknown {
    return "Hello!!";
  }

  protected override ownProps(): Record<string, unknown> {
    return {
      type: this.textType,
      lines: this.lines,
      max_lines: this.maxLines,
      placeholder: this.placeholder,
      max_length: this.maxLength,
      ...this.extra,
    };
  }
}

/** The Checkbox: a boolean in or out (gradio components/checkbox.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * A checkbox. `fn` gets `true` or `false`; anything but a boolean (or null, read as unchecked) is a 422.
 *
 * @example
 * new Checkbox({ label: "Morning", info: "Did they do it in the morning?" })
 */
export class Checkbox extends BaseComponent<boolean, boolean> {
  static override readonly events = ["change", "input", "select"] as const;
  readonly type = "checkbox";

  constructor(options: BaseOptions<boolean> = {}) {
    super(options);
  }

  preprocess(payload: unknown): boolean {
    if (payload === null || payload === undefined) return false;
    if (typeof payload !== "boolean") throw this.invalid("true or false", payload);
    return payload;
  }

  postprocess(value: unknown): boolean {
    return Boolean(value);
  }

  apiInfo() {
    return { type: "boolean" };
  }

  pythonType() {
    return { type: "bool", description: "" };
  }

  exampleInput(): unknown {
    return true;
  }
}

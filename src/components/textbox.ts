/** The Textbox: a string in or out. */
import { describeValue, InputError } from "../errors.ts";
import { Component, type ComponentOptions } from "./component.ts";

/**
 * A text input or output. `null` arrives as "" (as in Gradio); numbers and booleans are refused.
 *
 * @example
 * new Interface({ fn: (name: string) => `Hello ${name}!`, inputs: new Textbox(), outputs: new Textbox() });
 */
export class Textbox extends Component<string> {
  readonly type = "textbox";

  constructor(options: ComponentOptions = {}) {
    super(options);
  }

  preprocess(payload: unknown): string {
    if (payload === null || payload === undefined) return "";
    if (typeof payload !== "string")
      throw new InputError(`Expected text for ${this.label ?? "the textbox"}, got ${describeValue(payload)}.`, 422);
    return payload;
  }

  postprocess(value: unknown): string | null {
    return value === null || value === undefined ? null : String(value);
  }

  /** Text is written as it is, so it is read back as it is (JSON.parse would turn "3" into 3). */
  readFromFlag(cell: string): string {
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
}

/** The Number component: a finite number in or out. */
import { describeValue, InputError } from "../errors.ts";
import { Component, type ComponentOptions } from "./component.ts";

/**
 * A number input or output. Numeric strings ("3.5") are accepted, as Gradio's pydantic does.
 *
 * @example
 * new Interface({ fn: (x: number) => x * 2, inputs: new NumberInput(), outputs: new NumberInput() });
 */
export class NumberInput extends Component<number | null> {
  readonly type = "number";

  constructor(options: ComponentOptions = {}) {
    super(options);
  }

  preprocess(payload: unknown): number | null {
    if (payload === null || payload === undefined) return null;
    const n = typeof payload === "string" && payload.trim() !== "" ? Number(payload) : payload;
    if (typeof n !== "number" || !Number.isFinite(n)) {
      throw new InputError(`Expected a number for ${this.label ?? "the number input"}, got ${describeValue(payload)}.`, 422);
    }
    return n;
  }

  postprocess(value: unknown): number | null {
    if (value === null || value === undefined) return null;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`Number output must be a finite number, fn returned ${String(value)}.`);
    return n;
  }

  apiInfo() {
    return { type: "number" };
  }

  pythonType() {
    return { type: "float", description: "" };
  }

  exampleInput(): unknown {
    return 3;
  }
}

/** The JSON component: any JSON value, shown as a tree (gradio components/json_component.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * Options of {@link JSONComponent}.
 *
 * @example
 * new JSONComponent({ label: "Result", open: true })
 */
export interface JSONOptions extends BaseOptions<unknown> {
  /** Show the tree expanded. */
  open?: boolean;
  /** Show list indexes. */
  showIndices?: boolean;
  height?: number | string;
  maxHeight?: number | string;
  minHeight?: number | string;
}

/**
 * JSON output (or input). `fn` may return any JSON-serialisable value, or a string of JSON text
 * (parsed, as Gradio does); a string that is not JSON is an error naming the component.
 * As an input, `fn` gets the JSON value as it arrived.
 *
 * @example
 * new JSONComponent({ value: { foo: "bar" } })
 */
export class JSONComponent extends BaseComponent<unknown, unknown> {
  static override readonly events = ["change"] as const;
  readonly type = "json";
  private readonly extra: Record<string, unknown>;

  constructor(options: JSONOptions = {}) {
    super(options);
    this.extra = {
      open: options.open ?? false,
      show_indices: options.showIndices ?? false,
      height: options.height,
      max_height: options.maxHeight ?? 500,
      min_height: options.minHeight,
    };
  }

  override get componentName(): string {
    return "JSON";
  }

  preprocess(payload: unknown): unknown {
    return payload ?? null;
  }

  postprocess(value: unknown): unknown {
    if (value === null || value === undefined) return null;
    if (typeof value === "string") {
      try {
        return JSON.parse(value);
      } catch {
        throw new Error(`${this.displayName}: fn returned a string that is not JSON: ${JSON.stringify(value.slice(0, 40))}.`);
      }
    }
    // Drops what JSON cannot carry (functions, undefined) and turns Dates into strings, as on the wire.
    return JSON.parse(JSON.stringify(value));
  }

  apiInfo() {
    return { type: {}, description: "any valid json" };
  }

  pythonType() {
    return { type: "Dict[Any, Any]", description: "any valid json" };
  }

  exampleInput(): unknown {
    return { foo: "bar" };
  }

  protected override ownProps(): Record<string, unknown> {
    return this.extra;
  }
}

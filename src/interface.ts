/**
 * `Interface`: a function with input and output components, as gradio's `gr.Interface` — a thin
 * layer over {@link Blocks}: its inputs, outputs and a Submit button, and one event (fn_index 0)
 * between them. Its /config keeps the page's original shape (mode "interface": inputs, Submit,
 * outputs, plus `examples` and flagging). Everything wrong with the definition is reported here,
 * at construction, with the change to make.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Blocks } from "./blocks/blocks.ts";
import { Component } from "./components/component.ts";
import { Image } from "./components/image.ts";
import { Label } from "./components/label.ts";
import { NumberInput } from "./components/number.ts";
import { Textbox } from "./components/textbox.ts";

/**
 * A component, or the shorthand name of one ("image", "label", "textbox"/"text", "number"), as in Gradio.
 *
 * @example
 * new Interface({ fn, inputs: "image", outputs: new Label({ numTopClasses: 3 }) }); // a shorthand and a component
 */
export type ComponentLike = Component | "image" | "label" | "textbox" | "text" | "number";

// The Interface calls fn with one argument per input; its types are the components' own business.
// biome-ignore lint/suspicious/noExplicitAny: fn's parameters are typed by the caller (`(img: ImageFile) => …`), which unknown[] would reject and never[] would make `never` when left untyped.
type Fn = (...args: any[]) => unknown;

/**
 * Options of {@link Interface}.
 *
 * @example
 * const options: InterfaceOptions = { fn: (img: ImageFile) => model.classify(img), inputs: new Image(), outputs: new Label(), title: "Fashion", examples: ["examples/bag.png"] };
 */
export interface InterfaceOptions {
  /** Called with one argument per input; returns one value per output (an array when several). */
  fn: Fn;
  inputs: ComponentLike | ComponentLike[];
  outputs: ComponentLike | ComponentLike[];
  title?: string;
  /** Markdown shown under the title. */
  description?: string;
  /** Markdown shown under the app. */
  article?: string;
  /** Example inputs: one row per example, one value per input (a bare value when there is one input). Image paths are relative to the working directory. */
  examples?: unknown[];
  /** The endpoint's name in the API (default "predict"). */
  apiName?: string;
  /** Show the message of every exception, not just `AppError`s (default false). */
  showError?: boolean;
  /** Extra folders whose files requests may name by path (uploads and examples are always allowed). */
  allowedPaths?: string[];
  /** "manual" shows a Flag button that saves the run to `flaggingDir`; "never" hides it (default `GRADIO_FLAGGING_MODE` or "manual"). */
  flaggingMode?: "manual" | "never";
  /** Where flagged runs go (default ".gradio/flagged", as in Gradio). */
  flaggingDir?: string;
}

const SHORTHANDS: Record<string, () => Component> = {
  image: () => new Image(),
  label: () => new Label(),
  textbox: () => new Textbox(),
  text: () => new Textbox(),
  number: () => new NumberInput(),
};

function toComponents(value: ComponentLike | ComponentLike[], where: "inputs" | "outputs"): Component[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((c, i) => {
    if (c instanceof Component) return c;
    if (typeof c === "string" && SHORTHANDS[c]) return SHORTHANDS[c]();
    const names = Object.keys(SHORTHANDS)
      .map((n) => JSON.stringify(n))
      .join(", ");
    throw new Error(
      `Unknown component ${typeof c === "string" ? JSON.stringify(c) : String(c)} in ${where}[${i}]: use ${names}, or a component such as new Image().`,
    );
  });
}

/** The Interface's Submit button, as today's page knows it (not an API component). */
class SubmitButton {
  readonly type = "button";
  configProps() {
    return { value: "Submit", variant: "primary", visible: true, interactive: true, elem_classes: [], name: "button" };
  }
}

/**
 * A function wrapped in a web UI and a Gradio-compatible API: the definition only. The
 * `Interface` that `src/index.ts` exports adds `launch()`, where the server is known: the server
 * depends on the definition, so the definition never imports the server.
 *
 * @example
 * const model = await loadClassifier("model.onnx");
 * const app = createApp(new Interface({ fn: (img) => model.classify(img), inputs: new Image(), outputs: new Label({ numTopClasses: 3 }) }));
 */
export class Interface extends Blocks {
  override readonly mode = "interface";
  readonly fn: Fn;
  readonly inputs: Component[];
  readonly outputs: Component[];
  readonly description: string;
  readonly article: string;
  /** One row per example, one value per input. */
  readonly examples: unknown[][];
  readonly apiName: string;
  readonly flaggingMode: "manual" | "never";
  readonly flaggingDir: string;

  constructor(options: InterfaceOptions) {
    if (typeof options?.fn !== "function") throw new Error(`Interface needs fn, a function; got ${typeof options?.fn}.`);
    super({ title: options.title || "Gradio", showError: options.showError });
    this.fn = options.fn;
    this.inputs = toComponents(options.inputs, "inputs");
    this.outputs = toComponents(options.outputs, "outputs");
    if (this.fn.length > this.inputs.length) {
      throw new Error(
        `fn takes ${this.fn.length} parameters but the Interface has ${this.inputs.length} input component${this.inputs.length === 1 ? "" : "s"}: add inputs, or give the extra parameters default values.`,
      );
    }
    this.outputs.forEach((c, i) => {
      const name = c.componentName;
      if (c.inputOnly)
        throw new Error(
          `outputs[${i}] is ${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}, which is an input-only component here: use Label, Textbox or Number.`,
        );
    });
    this.description = options.description ?? "";
    this.article = options.article ?? "";
    this.apiName = options.apiName ?? "predict";
    if (!/^[A-Za-z0-9_-]+$/.test(this.apiName)) {
      throw new Error(
        `apiName may hold letters, digits, "_" and "-" only (it becomes /api/${this.apiName}); got ${JSON.stringify(this.apiName)}.`,
      );
    }
    const mode = options.flaggingMode ?? process.env.GRADIO_FLAGGING_MODE ?? "manual";
    if (mode !== "manual" && mode !== "never") throw new Error(`flaggingMode must be "manual" or "never", got ${JSON.stringify(mode)}.`);
    this.flaggingMode = mode;
    this.flaggingDir = resolve(options.flaggingDir ?? ".gradio/flagged");
    this.examples = (options.examples ?? []).map((row, i) => {
      const values = this.inputs.length === 1 && !Array.isArray(row) ? [row] : row;
      if (!Array.isArray(values) || values.length !== this.inputs.length) {
        throw new Error(`examples[${i}] should have ${this.inputs.length} value(s), one per input; got ${JSON.stringify(row)}.`);
      }
      values.forEach((v, j) => {
        if (this.inputs[j]!.isFile && (typeof v !== "string" || !existsSync(v))) {
          throw new Error(
            `examples[${i}][${j}] should be the path of ${/^[aeiou]/.test(this.inputs[j]!.type) ? "an" : "a"} ${this.inputs[j]!.type} file; ${JSON.stringify(v)} does not exist.`,
          );
        }
      });
      return values;
    });
    const exampleDirs = this.examples.flatMap((row) =>
      row.filter((_, j) => this.inputs[j]!.isFile).map((p) => dirname(resolve(p as string))),
    );
    this.allowedPaths.push(...new Set([...exampleDirs, ...(options.allowedPaths ?? []).map((p) => resolve(p))]));
    // The page's original layout: inputs (ids 1…), outputs, then Submit; shown inputs, Submit, outputs.
    for (const c of [...this.inputs, ...this.outputs]) this.register(c);
    const submit = new SubmitButton();
    this.register(submit);
    this.children.push(...this.inputs, submit, ...this.outputs);
    this.listen(submit, "click", [{ fn: this.fn, inputs: this.inputs, outputs: this.outputs, apiName: this.apiName }]);
    // The API names a parameter by its input's label, as the Interface always has; else by fn's own
    // parameter name (as Gradio does), else by type.
    const own = this.dependencies[0]!.parameters;
    const names = this.inputs.map(
      (c, i) => c.label ?? (own[i]!.name.startsWith("param_") ? (this.inputs.length === 1 ? c.type : `${c.type}_${i}`) : own[i]!.name),
    );
    (this.dependencies[0] as { parameters: { name: string; hasDefault: boolean }[] }).parameters = names.map((name) => ({
      name,
      hasDefault: false,
    }));
  }

  /** What a component without a label is called on the page: "image", "image 0", "output", "output 1"… */
  defaultLabel(c: Component): string | undefined {
    const i = this.inputs.indexOf(c);
    if (i >= 0) return this.inputs.length === 1 ? c.type : `${c.type} ${i}`;
    const o = this.outputs.indexOf(c);
    if (o >= 0) return this.outputs.length === 1 ? "output" : `output ${o}`;
    return undefined;
  }
}

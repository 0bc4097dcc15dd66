/**
 * Examples in a Blocks (gradio `gr.Examples`): a `dataset` component the page draws as a table;
 * clicking a row fills the input components with it (on the page, no server call).
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Component, type ComponentOptions } from "../components/component.ts";
import { buildingRoot } from "./context.ts";

/**
 * Options of {@link Examples}.
 *
 * @example
 * new Examples({ examples: [[5, "add", 3], [4, "divide", 2]], inputs: [num1, operation, num2] });
 */
export interface ExamplesOptions {
  /** One row per example, one value per input (a bare value when there is one input); file paths for file components. */
  examples: unknown[];
  inputs: Component | Component[];
  /** Shown above the table (default "Examples"). */
  label?: string;
  /** Column headers (default: the inputs' labels). */
  headers?: string[];
  /** Rows per page (default 10). */
  examplesPerPage?: number;
}

/** A path the Dataset serves files from: the server makes it a `/gradio_api/file=` URL. */
export type FileUrl = (path: string) => string;

/**
 * The table of samples behind {@link Examples} (gradio `gr.Dataset`): its wire value is the
 * index of the clicked row.
 *
 * @example
 * new Examples({ examples: [["cat"]], inputs: box }).dataset.type // → "dataset"
 */
export class Dataset extends Component<number> {
  readonly type = "dataset";
  static readonly events = ["click", "select"] as const;
  readonly components: Component[];
  /** One row per sample, one value per component, as given. */
  readonly samples: unknown[][];
  readonly headers: string[];
  readonly samplesPerPage: number;
  /** The example files' folders: requests may name these files. */
  readonly fileDirs: string[];

  constructor(options: ComponentOptions & { components: Component[]; samples: unknown[][]; headers?: string[]; samplesPerPage?: number }) {
    super(options);
    this.components = options.components;
    this.samples = options.samples;
    this.headers =
      options.headers ?? (this.components.every((c) => c.label === undefined) ? [] : this.components.map((c) => c.label ?? ""));
    this.samplesPerPage = options.samplesPerPage ?? 10;
    this.fileDirs = [
      ...new Set(this.samples.flatMap((row) => row.filter((_, j) => this.components[j]!.isFile).map((p) => dirname(resolve(String(p)))))),
    ];
  }

  /** The samples as the page shows and sends them (each component's `asExample`; files as URLs). */
  samplesFor(fileUrl: FileUrl): unknown[][] {
    return this.samples.map((row) => row.map((value, j) => this.components[j]!.asExample(value, fileUrl)));
  }

  /** The /config props but `samples` and `component_ids`, which need the server (file URLs, ids). */
  override props(): Record<string, unknown> {
    return {
      components: this.components.map((c) => c.type),
      component_props: this.components.map((c) => {
        const { value: _, ...props } = c.props();
        return { ...props, name: c.type };
      }),
      headers: this.headers,
      type: "values",
      samples_per_page: this.samplesPerPage,
    };
  }

  preprocess(payload: unknown): number {
    return Number(payload);
  }

  postprocess(value: unknown): unknown {
    return { samples: value, __type__: "update" };
  }

  apiInfo() {
    return { type: "integer", description: "index of selected example" };
  }

  pythonType() {
    return { type: "int", description: "index of selected example" };
  }

  exampleInput(): unknown {
    return 0;
  }
}

/**
 * Example inputs under the components they fill (gradio `gr.Examples`): create it inside a
 * Blocks callback, after its inputs.
 *
 * @throws {Error} when a row does not have one value per input, or names a file that does not exist.
 * @example
 * new Examples({ examples: [[5, "add", 3], [4, "divide", 2]], inputs: [num1, operation, num2] });
 */
export class Examples {
  readonly dataset: Dataset;

  constructor(options: ExamplesOptions) {
    const inputs = Array.isArray(options.inputs) ? options.inputs : [options.inputs];
    const samples = options.examples.map((row, i) => {
      const values = inputs.length === 1 && !Array.isArray(row) ? [row] : row;
      if (!Array.isArray(values) || values.length !== inputs.length) {
        throw new Error(`examples[${i}] should have ${inputs.length} value(s), one per input; got ${JSON.stringify(row)}.`);
      }
      values.forEach((v, j) => {
        if (inputs[j]!.isFile && (typeof v !== "string" || !existsSync(v))) {
          throw new Error(
            `examples[${i}][${j}] should be the path of an existing file for ${inputs[j]!.componentName}; ${JSON.stringify(v)} does not exist.`,
          );
        }
      });
      return values as unknown[];
    });
    if (!buildingRoot()) throw new Error("Examples needs a Blocks: create it inside a Blocks callback, after its inputs.");
    this.dataset = new Dataset({
      label: options.label ?? "Examples",
      components: inputs,
      samples,
      headers: options.headers,
      samplesPerPage: options.examplesPerPage,
    });
  }
}

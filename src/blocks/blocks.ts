/**
 * `Blocks` (gradio blocks.py): components and layouts placed in creation order, and the event
 * listeners between them. Each listener is a dependency — its place in the list is its
 * fn_index, its `apiName` the endpoint clients call. The definition only: the server
 * (`src/gradio/`) reads it, and `launch()` is attached in `src/index.ts`.
 */
import {
  Component,
  type EventArgs,
  type EventFn,
  type EventListener,
  type EventOptions,
  type ShowProgress,
} from "../components/component.ts";
import { within, type Container, type Root } from "./context.ts";
import { fnParams } from "./fn-params.ts";
import { fillExpectedParents } from "./layouts.ts";

/** Gradio 6's `api_visibility`: listed and callable, callable only, or the page only. */
export type ApiVisibility = "public" | "undocumented" | "private";

/**
 * One event listener (gradio BlockFunction): what runs, on what, and how it is exposed.
 *
 * @example
 * blocks.dependencies[0].apiName // → "greet"
 */
export interface Dependency {
  /** Its fn_index. */
  readonly id: number;
  /** `[componentId, event]` pairs; `[null, "then"]` for a `.then()`, `[rootId, "load"]` for `load()`. */
  readonly targets: [number | null, string][];
  readonly fn: EventFn | null;
  readonly inputs: Component[];
  readonly outputs: Component[];
  readonly apiName: string;
  readonly apiVisibility: ApiVisibility;
  readonly apiDescription: string | null;
  readonly queue: boolean;
  /** "default": the queue's own concurrency only; null: no limit. */
  readonly concurrencyLimit: number | null | "default";
  readonly concurrencyId: string;
  readonly showProgress: ShowProgress;
  /** `fn` gets a progress tracker after its inputs. */
  readonly progress: boolean;
  /** `fn` gets the event's data after its inputs (before the progress tracker). */
  readonly eventData: boolean;
  readonly triggerAfter: number | null;
  readonly triggerOnlyOnSuccess: boolean;
  readonly triggerOnlyOnFailure: boolean;
  readonly triggerMode: "once" | "multiple" | "always_last";
  readonly scrollToOutput: boolean;
  /** One per input: the endpoint's parameter names (`fn`'s own, else `param_<i>`) and whether `fn` gives a default. */
  readonly parameters: { name: string; hasDefault: boolean }[];
}

/**
 * Options of {@link Blocks}.
 *
 * @example
 * new Blocks({ title: "Calculator", showError: true }, () => { … });
 */
export interface BlocksOptions {
  /** The browser tab's title (default "Gradio"). */
  title?: string;
  /** Show the message of every exception, not just `GradioError`s (default false). */
  showError?: boolean;
  /** Extra folders whose files requests may name by path (uploads and examples are always allowed). */
  allowedPaths?: string[];
  /** Stretch the top-level children to the window's height. */
  fillHeight?: boolean;
  /** Use the window's full width. */
  fillWidth?: boolean;
}

type Body<T> = (demo: T) => unknown;

const API_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * A State: its value stays on the server per session, the page sends null for it, the API leaves it out.
 *
 * @example
 * isState(new State({ value: 0 })) // → true
 */
export const isState = (c: Component): boolean => c.type === "state";

/** A component Gradio leaves out of the API's parameters and returns (`skip_api`: State, Button). */
export const skipsApi = (c: Component): boolean => isState(c) || (c as { skipApi?: boolean }).skipApi === true;

/** The initial value a component was given (`value` option), if any. */
export const initialValue = (c: Component): unknown => (c as { value?: unknown }).value;

/** Gradio's `append_unique_suffix`: `name`, else `name_1`, `name_2`… */
function unique(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  let i = 1;
  while (taken.has(`${name}_${i}`)) i++;
  return `${name}_${i}`;
}

const list = (c: Component | Component[] | null | undefined): Component[] => (c == null ? [] : Array.isArray(c) ? c : [c]);

/** An event method's arguments as one options object. */
export function eventOptions(args: EventArgs | unknown[]): EventOptions {
  const [first, inputs, outputs, rest] = args as [unknown, unknown, unknown, unknown];
  if (typeof first === "function" || first === null) {
    return { ...(rest as object), fn: first as EventFn | null, inputs: inputs as Component[], outputs: outputs as Component[] };
  }
  if (typeof first === "object" && first !== undefined && "fn" in (first as object)) return first as EventOptions;
  throw new Error(`An event needs a function: pass (fn, inputs, outputs) or { fn, inputs, outputs }; got ${typeof first}.`);
}

/**
 * Gradio's low-level API: lay out components, then wire events between them. Python's `with
 * gr.Blocks() as demo:` is a callback that receives the Blocks: what it creates is placed in
 * the page in creation order, and layouts (`Row`, `Column`, `Tab`, `Accordion`, `Group`) take
 * callbacks of their own.
 *
 * @example
 * const demo = new Blocks({ title: "Hello" }, () => {
 *   const name = new Textbox({ label: "Name" });
 *   const output = new Textbox({ label: "Output Box" });
 *   new Button("Greet").click({ fn: (name: string) => `Hello ${name}!`, inputs: name, outputs: output, apiName: "greet" });
 * });
 */
export class Blocks implements Container, Root {
  readonly children: object[] = [];
  readonly dependencies: Dependency[] = [];
  readonly title: string;
  readonly showError: boolean;
  readonly allowedPaths: string[];
  readonly fillHeight: boolean;
  readonly fillWidth: boolean;
  /** "blocks", "interface" for an Interface (whose /config keeps the page's original shape), "chat_interface" for a ChatInterface. */
  readonly mode: "blocks" | "interface" | "chat_interface" = "blocks";
  readonly #ids = new Map<object, number>();
  readonly #blocks: object[] = [];

  constructor(options?: BlocksOptions | Body<Blocks>, body?: Body<Blocks>) {
    const [o, b] = typeof options === "function" ? [{}, options] : [options ?? {}, body];
    this.title = o.title ?? "Gradio";
    this.showError = o.showError ?? false;
    this.allowedPaths = o.allowedPaths ?? [];
    this.fillHeight = o.fillHeight ?? false;
    this.fillWidth = o.fillWidth ?? false;
    this.register(this);
    if (b) {
      within(this, this, () => b(this));
      fillExpectedParents(this, this);
    }
  }

  /** What a component without a label is called on the page (an Interface names them; a Blocks leaves them unnamed). */
  defaultLabel(_component: Component): string | undefined {
    return undefined;
  }

  /** Gives `block` the next id (creation order; the Blocks itself is 0). */
  register(block: object): void {
    if (this.#ids.has(block)) return;
    this.#ids.set(block, this.#blocks.length);
    this.#blocks.push(block);
  }

  /** The id of `block` in this Blocks (a component used by an event but placed nowhere gets one too). */
  idOf(block: object): number {
    this.register(block);
    return this.#ids.get(block)!;
  }

  /** Every block (components and layouts) by id; index 0 is this Blocks. */
  get blocks(): readonly object[] {
    return this.#blocks;
  }

  /**
   * Runs `fn` when the page loads (gradio `demo.load`): its outputs fill the page for each visitor.
   *
   * @example
   * demo.load({ fn: () => new Date().toISOString(), outputs: time });
   */
  load(...args: EventArgs): EventListener {
    return this.listen(this, "load", args);
  }

  /** Records an event listener (what `component.click(…)` calls). */
  listen(
    target: object | null,
    event: string,
    args: EventArgs | unknown[],
    after?: { id: number; only?: "success" | "failure" },
  ): EventListener {
    const o = eventOptions(args);
    const fn = o.fn;
    if (fn !== null && typeof fn !== "function") throw new Error(`An event's fn must be a function or null, got ${typeof fn}.`);
    const inputs = list(o.inputs);
    const outputs = list(o.outputs);
    for (const c of [...inputs, ...outputs]) {
      if (!(c instanceof Component)) throw new Error(`Event inputs and outputs must be components; got ${typeof c}.`);
    }
    const params = fn ? fnParams(fn) : [];
    const needed = params.filter((p) => !p.hasDefault).length - (o.progress ? 1 : 0) - (o.eventData ? 1 : 0);
    if (fn && needed > inputs.length) {
      throw new Error(
        `${fn.name || "The event function"} takes ${needed} parameters but the event has ${inputs.length} input${inputs.length === 1 ? "" : "s"}: add inputs, or give the extra parameters default values.`,
      );
    }
    let apiName: string;
    let visibility: ApiVisibility = o.apiVisibility ?? "public";
    if (o.apiName === false) visibility = "private";
    if (typeof o.apiName === "string" && o.apiName.trim() !== "") {
      apiName = o.apiName;
      if (!API_NAME.test(apiName)) {
        throw new Error(
          `apiName may hold letters, digits, "_" and "-" only (it becomes /call/${apiName}); got ${JSON.stringify(apiName)}.`,
        );
      }
    } else if (fn) {
      // Gradio strips the punctuation from Python's __name__: a lambda is "<lambda>" → "lambda",
      // and an anonymous JavaScript function is what a Python lambda is — including an arrow
      // written in `{ fn: (x) => … }`, which JavaScript names after the property.
      const name = fn.name.replace(/[^A-Za-z0-9_-]/g, "");
      apiName = name === "" || name === "fn" ? "lambda" : name;
    } else {
      apiName = "unnamed";
      visibility = "private";
    }
    apiName = unique(apiName, new Set(this.dependencies.map((d) => d.apiName)));
    const id = this.dependencies.length;
    const sameFn = fn ? this.dependencies.find((d) => d.fn === fn) : undefined;
    const limit = o.concurrencyLimit;
    if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
      throw new Error(`concurrencyLimit must be a whole number ≥ 1 or null, got ${limit}.`);
    }
    const dependency: Dependency = {
      id,
      targets: after ? [[null, after.only ?? "then"]] : [[target === null ? null : this.idOf(target), event]],
      fn,
      inputs,
      outputs,
      apiName,
      apiVisibility: visibility,
      apiDescription: o.apiDescription ?? null,
      queue: fn !== null && (o.queue ?? true),
      concurrencyLimit: limit === undefined ? "default" : limit,
      concurrencyId: o.concurrencyId ?? `fn${sameFn?.id ?? id}`,
      showProgress: o.showProgress ?? "full",
      progress: o.progress ?? false,
      eventData: o.eventData ?? false,
      triggerAfter: after?.id ?? null,
      triggerOnlyOnSuccess: after?.only === "success",
      triggerOnlyOnFailure: after?.only === "failure",
      triggerMode: o.triggerMode ?? (event === "change" ? "always_last" : "once"),
      scrollToOutput: o.scrollToOutput ?? false,
      parameters: inputs.map((_, i) => ({ name: params[i]?.name ?? `param_${i}`, hasDefault: params[i]?.hasDefault ?? false })),
    };
    for (const c of [...inputs, ...outputs]) this.register(c);
    this.dependencies.push(dependency);
    return this.handle(dependency);
  }

  private handle(dependency: Dependency): EventListener {
    const next =
      (only: "success" | "failure" | undefined) =>
      (...args: EventArgs) => {
        // `then` makes the handle look like a promise: `await btn.click(…)` would call it with (resolve, reject).
        if (typeof args[1] === "function")
          throw new Error("An event listener is not a promise: chain with .then(fn, inputs, outputs), do not await it.");
        return this.listen(null, only ?? "then", args, { id: dependency.id, only });
      };
    // biome-ignore lint/suspicious/noThenProperty: Gradio's name for chaining events (`.then()`); awaiting the handle is refused above.
    return { fnIndex: dependency.id, then: next(undefined), success: next("success"), failure: next("failure") };
  }
}

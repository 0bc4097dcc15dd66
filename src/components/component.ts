/**
 * The contract every component keeps (gradio components/base.py): turn a wire value into the
 * argument `fn` receives (`preprocess`), turn what `fn` returns into a wire value
 * (`postprocess`), and describe itself for /config and /info. A component created while a
 * Blocks (or layout) callback runs is placed there (`../blocks/context.ts`), and its event
 * methods (`click`, `change`, …) add event listeners to that Blocks.
 */
import { buildingRoot, place, type Root } from "../blocks/context.ts";

/**
 * What preprocessing may ask of the server.
 *
 * @example
 * const ctx: PreprocessContext = { readFile: (path) => readFile(path), fetchUrl: async () => { throw new InputError("No URLs here.", 422); } };
 */
export interface PreprocessContext {
  /** Reads a file the request names by path, if the server allows it (uploads, examples). */
  readFile(path: string): Promise<Uint8Array>;
  /** Downloads a file the request names by http(s) URL, refusing private addresses. */
  fetchUrl(url: string): Promise<Uint8Array>;
}

/**
 * How a component stores a file in a flag (the flagging dataset owns the folder).
 *
 * @example
 * await new Image().flag({ path: "/tmp/gradio-x/ab/cat.png" }, { saveFile: async (path) => "image/3f2c….png" }) // → "image/3f2c….png"
 */
export interface FlagContext {
  /** Copies an allowed file into the flagging folder; resolves with its path relative to it. */
  saveFile(path: string): Promise<string>;
}

/**
 * Options every component takes.
 *
 * @example
 * new Textbox({ label: "name" }) // the /info parameter is then called "name"
 */
export interface ComponentOptions {
  /** Shown above the component, and the parameter name in the API (default: the component's name). */
  label?: string;
}

/**
 * What the page (or a client: `client.submit(endpoint, data, eventData)`) says about the event
 * that ran `fn`: for `select`, Gradio's SelectData (`index`, `value`, `selected`); for a
 * Chatbot's `example_select`, the example; for `like`, `liked`. An event with none gives `{}`.
 *
 * @example
 * gallery.select({ fn: (evt: EventData) => `You picked picture ${evt.index}`, inputs: [], outputs: out, eventData: true });
 */
export interface EventData {
  index?: number | number[];
  value?: unknown;
  selected?: boolean;
  [key: string]: unknown;
}

/** Where a Gradio event shows its progress: over the outputs, as a timer only, or not at all. */
export type ShowProgress = "full" | "minimal" | "hidden";

/**
 * An event's function: one argument per input (preprocessed; a State's session value), one
 * value per output (an array when there are several), sync or async. With `progress: true` a
 * {@link ProgressTracker} follows the inputs.
 */
// biome-ignore lint/suspicious/noExplicitAny: fn's parameters are typed by the caller (`(name: string) => …`), which unknown[] would reject.
export type EventFn = (...args: any[]) => unknown;

/**
 * Reports how far an event function has got (gradio `gr.Progress`): the page shows a bar and
 * clients get `progress` messages. Call it with a fraction, or `[done, total]`; `tqdm` wraps an
 * iterable and reports each step.
 *
 * @example
 * btn.click({ fn: async (text: string, progress: ProgressTracker) => { progress(0.5, { desc: "Half way" }); … }, inputs: box, outputs: out, progress: true });
 */
export interface ProgressTracker {
  (progress: number | [number, number] | null, options?: { desc?: string; unit?: string }): void;
  tqdm<T>(iterable: Iterable<T>, options?: { desc?: string; unit?: string; total?: number }): Iterable<T>;
}

/**
 * One event listener's options (Gradio's event arguments, camelCase).
 *
 * @example
 * greet.click({ fn: greetFn, inputs: name, outputs: output, apiName: "greet" });
 */
export interface EventOptions {
  /** The function to run; null for an event that only chains (`.then()` needs none). */
  fn: EventFn | null;
  inputs?: Component | Component[] | null;
  outputs?: Component | Component[] | null;
  /** The endpoint's name (default: the function's name; `_1`, `_2`… when taken). `false` hides it: Gradio 6's `api_visibility="private"`. */
  apiName?: string | false;
  /** "public" (listed and callable), "undocumented" (callable, not listed) or "private" (the page only). Default "public". */
  apiVisibility?: "public" | "undocumented" | "private";
  /** Shown in the API docs (default none). */
  apiDescription?: string;
  /** Through the queue (default true); false runs it at once, as `/run/<name>` does. */
  queue?: boolean;
  /** How many of this event may run at once (default: the queue's concurrency; null: no limit). */
  concurrencyLimit?: number | null;
  /** Events with the same id share one concurrency limit (the lowest). */
  concurrencyId?: string;
  /** How the page shows this event running (default "full"). */
  showProgress?: ShowProgress;
  /** Pass a {@link ProgressTracker} to `fn` after its inputs (and after the event's data). */
  progress?: boolean;
  /**
   * Pass the event's data ({@link EventData}: Gradio's `gr.SelectData`, `gr.EventData`…) to `fn`
   * after its inputs, as Gradio does for a parameter typed `evt: gr.SelectData`.
   */
  eventData?: boolean;
  /** What a new trigger does while one runs: "once" (ignored), "multiple", "always_last" (default "once"; "always_last" for change). */
  triggerMode?: "once" | "multiple" | "always_last";
  /** Scroll the page to the outputs when it ends. */
  scrollToOutput?: boolean;
}

/**
 * An event listener once added: chain what runs after it (gradio `Dependency`).
 *
 * @example
 * btn.click(upper, box, box).then(lower, box, box); // lower runs when upper has finished
 */
export interface EventListener {
  /** The listener's fn_index (its place in /config's `dependencies`). */
  readonly fnIndex: number;
  /** Runs next, whatever the outcome. */
  then(...args: EventArgs): EventListener;
  /** Runs next if this one succeeded. */
  success(...args: EventArgs): EventListener;
  /** Runs next if this one failed. */
  failure(...args: EventArgs): EventListener;
}

/** An event method's arguments: one options object, or Python's positional `(fn, inputs, outputs, options)`. */
export type EventArgs =
  | [options: EventOptions]
  | [
      fn: EventFn | null,
      inputs?: Component | Component[] | null,
      outputs?: Component | Component[] | null,
      options?: Omit<EventOptions, "fn" | "inputs" | "outputs">,
    ];

/**
 * Base class of input and output components.
 *
 * @example
 * class Slider extends Component<number> { readonly type = "slider"; … }
 */
export abstract class Component<Value = unknown> {
  /** Gradio's component type, as it appears in /config (`"image"`, `"label"`, …). */
  abstract readonly type: string;
  readonly label: string | undefined;
  /** The Blocks this component was placed in when created, if any. */
  readonly #root: Root | undefined;

  constructor(options: ComponentOptions = {}) {
    this.label = options.label;
    this.#root = place(this);
  }

  /** The events this component has (Gradio's `EVENTS`, e.g. `["click"]` for a Button): its class's `static events`. */
  get eventNames(): readonly string[] {
    return (this.constructor as { events?: readonly string[] }).events ?? [];
  }

  /** Wire value → the argument `fn` receives. Throws `InputError` for a value it cannot use. */
  abstract preprocess(payload: unknown, ctx: PreprocessContext): Value | Promise<Value>;

  /** What `fn` returned → wire value. */
  abstract postprocess(value: unknown): unknown;

  /**
   * Only on an output that streams (Audio with `streaming: true`): a generator's yields for this
   * output, as wire values in order (nulls left out) → the call's final value, as Gradio's
   * `combine_stream` makes the whole sound from its chunks. Run once the generator has ended
   * (not when it was cancelled: a cancelled call has no final value).
   */
  combineStream?: (
    yields: unknown[],
    // file-context.ts's PostprocessContext and PathContext, written out: that file imports this one.
    ctx: PreprocessContext & { saveFile(bytes: Uint8Array, name: string): Promise<string>; resolvePath?(path: string): Promise<string> },
  ) => Promise<unknown>;

  /** JSON schema of the wire value (gradio `api_info`). */
  abstract apiInfo(): Record<string, unknown>;

  /** Gradio's `python_type` for /info, which clients show as the parameter's type. */
  abstract pythonType(): { type: string; description: string };

  /** A value a caller could send, shown in the API docs (gradio `example_payload`). */
  abstract exampleInput(): unknown;

  /** True when the wire value names a file (FileData): examples are then paths of existing files, and a flag copies the file. */
  readonly isFile: boolean = false;

  /** True for a component that can only be an input (its `postprocess` throws). */
  readonly inputOnly: boolean = false;

  /**
   * An example value (as given to the Interface) → the wire value the page shows and sends
   * (gradio `as_example`). `fileUrl` gives the URL the server serves a file at.
   */
  asExample(value: unknown, _fileUrl: (path: string) => string): unknown {
    return value;
  }

  /** A wire value → its CSV cell in the flagging dataset (gradio `flag`): text as it is, anything else as JSON. */
  async flag(value: unknown, _ctx: FlagContext): Promise<string> {
    return typeof value === "string" ? value : JSON.stringify(value ?? null);
  }

  /** A CSV cell written by {@link flag} → the wire value again (gradio `read_from_flag`); `dir` is the flagging folder. */
  readFromFlag(cell: string, _dir: string): unknown {
    try {
      return JSON.parse(cell);
    } catch {
      return cell;
    }
  }

  /** Component-specific props for /config. */
  props(): Record<string, unknown> {
    return {};
  }

  /**
   * Adds a listener for `event` (one of {@link eventNames}) to the Blocks this component is in:
   * what `click`, `change`… call.
   *
   * @throws {Error} for an event this component does not have, or a component in no Blocks.
   * @example
   * button.on("click", { fn: greet, inputs: name, outputs: out });
   */
  on(event: string, ...args: EventArgs): EventListener {
    const events = this.eventNames;
    if (!events.includes(event)) {
      const has = events.length ? `it has ${events.join(", ")}` : "it has no events";
      throw new Error(`${this.componentName} has no "${event}" event: ${has}.`);
    }
    const root = buildingRoot() ?? this.#root;
    if (!root) {
      throw new Error(
        `${this.componentName}.${event}() needs a Blocks: create the ${this.componentName} inside a Blocks callback (new Blocks({}, () => { … })).`,
      );
    }
    return root.listen(this, event, args) as EventListener;
  }

  /** Clicked (Button). @example btn.click(greet, name, output) */
  click(...args: EventArgs): EventListener {
    return this.on("click", ...args);
  }
  /** The value changed, by the user or by an event. @example slider.change(fn, slider, out) */
  change(...args: EventArgs): EventListener {
    return this.on("change", ...args);
  }
  /** The user changed the value. @example box.input(fn, box, out) */
  input(...args: EventArgs): EventListener {
    return this.on("input", ...args);
  }
  /** Enter pressed (Textbox, Number). @example box.submit(fn, box, out) */
  submit(...args: EventArgs): EventListener {
    return this.on("submit", ...args);
  }
  /** An item or option selected. @example radio.select(fn, radio, out) */
  select(...args: EventArgs): EventListener {
    return this.on("select", ...args);
  }
  /** Focus left the component. @example box.blur(fn, box, out) */
  blur(...args: EventArgs): EventListener {
    return this.on("blur", ...args);
  }
  /** The component got focus. @example box.focus(fn, box, out) */
  focus(...args: EventArgs): EventListener {
    return this.on("focus", ...args);
  }
  /** A file was uploaded (File, Image). @example file.upload(fn, file, out) */
  upload(...args: EventArgs): EventListener {
    return this.on("upload", ...args);
  }
  /** The value was cleared. @example image.clear(fn, null, out) */
  clear(...args: EventArgs): EventListener {
    return this.on("clear", ...args);
  }
  /** A Slider let go. @example slider.release(fn, slider, out) */
  release(...args: EventArgs): EventListener {
    return this.on("release", ...args);
  }

  /** Gradio's capitalised component name, as /info shows it. */
  get componentName(): string {
    return this.type.charAt(0).toUpperCase() + this.type.slice(1);
  }
}

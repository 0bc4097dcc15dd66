/**
 * The contract every component keeps (gradio components/base.py): turn a wire value into the
 * argument `fn` receives (`preprocess`), turn what `fn` returns into a wire value
 * (`postprocess`), and describe itself for /config and /info.
 */

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
 * Base class of input and output components.
 *
 * @example
 * class Slider extends Component<number> { readonly type = "slider"; … }
 */
export abstract class Component<Value = unknown> {
  /** Gradio's component type, as it appears in /config (`"image"`, `"label"`, …). */
  abstract readonly type: string;
  readonly label: string | undefined;

  constructor(options: ComponentOptions = {}) {
    this.label = options.label;
  }

  /** Wire value → the argument `fn` receives. Throws `InputError` for a value it cannot use. */
  abstract preprocess(payload: unknown, ctx: PreprocessContext): Value | Promise<Value>;

  /** What `fn` returned → wire value. */
  abstract postprocess(value: unknown): unknown;

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

  /** Gradio's capitalised component name, as /info shows it. */
  get componentName(): string {
    return this.type.charAt(0).toUpperCase() + this.type.slice(1);
  }
}

/**
 * What every Blocks component shares beyond the `Component` contract (gradio components/base.py
 * Component.__init__ and get_config): the options Gradio's constructors all take, their
 * snake_case props for /config, the events a component has, and the 422 a bad value gets.
 */
import { describeValue, InputError } from "../errors.ts";
import { Component, type ComponentOptions } from "./component.ts";

/**
 * Options every component takes (Gradio's constructor keywords, camelCase).
 *
 * @example
 * new Textbox({ label: "Name", value: "Ada", scale: 2, minWidth: 200, elemId: "name", elemClasses: ["big"] })
 */
export interface BaseOptions<Initial = unknown> extends ComponentOptions {
  /** The value the component starts with (what `fn` would return for it, e.g. a string for a Textbox). */
  value?: Initial;
  /** A line under the label, in smaller type. */
  info?: string;
  /** Show the label (default: Gradio's, usually yes). */
  showLabel?: boolean;
  /** Draw the component in a padded box. */
  container?: boolean;
  /** `false` hides it; `"hidden"` keeps it in the page, invisible and taking no space. */
  visible?: boolean | "hidden";
  /** Editable or not; by default an input is and an output is not. */
  interactive?: boolean;
  /** The HTML id of the component's element. */
  elemId?: string;
  /** HTML classes of the component's element. */
  elemClasses?: string | string[];
  /** Width relative to its neighbours in a Row (2 is twice as wide as 1). */
  scale?: number;
  /** Minimum width in pixels before the Row wraps. */
  minWidth?: number;
  /** Identity across re-renders (kept for Gradio parity; passed through to /config). */
  key?: string | number;
}

/** Gradio's defaults for the shared options that differ between components. */
export interface BaseDefaults {
  container?: boolean;
  minWidth?: number | null;
  showLabel?: boolean | null;
  interactive?: boolean | null;
}

/**
 * Drops `null` and `undefined` props except `value`, as Gradio's get_config_file
 * (`utils.delete_none(props, skip_value=True)`), so the page sees only what was set.
 *
 * @example
 * deleteNone({ label: null, value: null, lines: 1 }) // → { value: null, lines: 1 }
 */
export function deleteNone(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).filter(([k, v]) => k === "value" || (v !== null && v !== undefined)));
}

/**
 * A component built from {@link BaseOptions}. Subclasses add their own props with `ownProps()`
 * and list Gradio's EVENTS in `static events`.
 *
 * @example
 * class Checkbox extends BaseComponent<boolean, boolean> { static override readonly events = ["change", "input", "select"]; … }
 */
export abstract class BaseComponent<Value = unknown, Initial = unknown> extends Component<Value> {
  /** The events Gradio's class lists in EVENTS, in its order (what `.click`, `.change`, … may attach to). */
  static readonly events: readonly string[] = [];

  /** The value given to the constructor, before postprocessing; `undefined` when none was. */
  readonly value: Initial | undefined;
  readonly info: string | undefined;
  readonly showLabel: boolean | null;
  readonly container: boolean;
  readonly visible: boolean | "hidden";
  readonly interactive: boolean | null;
  readonly elemId: string | undefined;
  readonly elemClasses: string[];
  readonly scale: number | undefined;
  readonly minWidth: number | null;
  readonly key: string | number | undefined;

  constructor(options: BaseOptions<Initial> = {}, defaults: BaseDefaults = {}) {
    super(options);
    this.value = options.value;
    this.info = options.info;
    this.showLabel = options.showLabel ?? defaults.showLabel ?? null;
    this.container = options.container ?? defaults.container ?? true;
    this.visible = options.visible ?? true;
    this.interactive = options.interactive ?? defaults.interactive ?? null;
    this.elemId = options.elemId;
    const classes = options.elemClasses;
    this.elemClasses = classes === undefined ? [] : typeof classes === "string" ? [classes] : [...classes];
    this.scale = options.scale;
    this.minWidth = options.minWidth ?? (defaults.minWidth === undefined ? 160 : defaults.minWidth);
    this.key = options.key;
  }

  /** The component's own props (beyond the shared ones), in Gradio's snake_case. */
  protected ownProps(): Record<string, unknown> {
    return {};
  }

  /**
   * The wire value /config carries as `value`: the initial value postprocessed, as Gradio's
   * `Component.__init__` does. A component whose postprocess needs the server (files) overrides it.
   */
  protected configValue(): unknown {
    return this.postprocess(this.value ?? null);
  }

  /** Shared and own props, in Gradio's snake_case, `null`s dropped except `value`. */
  override props(): Record<string, unknown> {
    return deleteNone({
      label: this.label,
      info: this.info,
      show_label: this.showLabel,
      container: this.container,
      scale: this.scale,
      min_width: this.minWidth,
      interactive: this.interactive,
      visible: this.visible,
      elem_id: this.elemId,
      elem_classes: this.elemClasses,
      key: this.key,
      ...this.ownProps(),
      value: this.configValue(),
    });
  }

  /** How an error message names this component: `Dropdown "Country"`, or `Dropdown` without a label. */
  get displayName(): string {
    return this.label ? `${this.componentName} ${JSON.stringify(this.label)}` : this.componentName;
  }

  /**
   * The 422 for a value this component cannot take, naming the component, what it expected and what arrived.
   *
   * @example
   * throw this.invalid("one of the choices \"a\", \"b\"", "c") // Radio "Pick": expected one of the choices "a", "b", got the string "c".
   */
  protected invalid(expected: string, got: unknown): InputError {
    return this.refuse(`expected ${expected}, got ${describeValue(got)}`);
  }

  /** The 422 for a value this component cannot take, with the reason in the caller's words after the component's name. */
  protected refuse(reason: string): InputError {
    return new InputError(`${this.displayName}: ${reason}.`, 422);
  }
}

/**
 * The layouts (gradio/layouts/*.py): Row, Column, Tabs, Tab, Accordion, Group, and the Form
 * Gradio wraps around consecutive form fields. Python's `with gr.Row():` is a callback here:
 * what the callback creates is placed in the layout, in creation order.
 */
import { place, within, type Container, type Root } from "./context.ts";

/**
 * Options every layout takes.
 *
 * @example
 * new Row({ visible: false, elemId: "controls" }, () => { … });
 */
export interface LayoutOptions {
  /** Hidden when false (default true). */
  visible?: boolean;
  elemId?: string;
  elemClasses?: string | string[];
  /** Internal: false builds it without placing it (the Form and Tabs Gradio adds around children). */
  render?: boolean;
}

type Body = () => unknown;

/**
 * A container of components and layouts, placed where it is created, its children placed while
 * its callback runs.
 *
 * @example
 * class Row extends Layout { readonly type = "row"; … }
 */
export abstract class Layout implements Container {
  /** Gradio's block type in /config (`row`, `column`, `tabitem`, …). */
  abstract readonly type: string;
  readonly children: object[] = [];
  readonly visible: boolean;
  readonly elemId: string | undefined;
  readonly elemClasses: string[];
  /** The container it was placed in (a Form in a Row widens with its fields). */
  parent: Container | undefined;

  constructor(options: LayoutOptions, body: Body | undefined) {
    this.visible = options.visible ?? true;
    this.elemId = options.elemId;
    this.elemClasses = typeof options.elemClasses === "string" ? [options.elemClasses] : (options.elemClasses ?? []);
    if (options.render === false) return;
    const root = place(this);
    if (!body) return;
    if (!root)
      throw new Error(`${this.constructor.name} needs a Blocks: create it inside a Blocks callback (new Blocks({}, () => { … })).`);
    within(this, root, body);
    fillExpectedParents(this, root);
  }

  /** The layout's own props for /config (Gradio's names). */
  protected abstract ownProps(): Record<string, unknown>;

  /** What /config sends for it: its props, visibility and classes, and `name`. */
  configProps(): Record<string, unknown> {
    const all: Record<string, unknown> = {
      ...this.ownProps(),
      visible: this.visible,
      elem_id: this.elemId,
      elem_classes: this.elemClasses,
      name: this.blockName,
    };
    for (const key of Object.keys(all)) if (all[key] === undefined) delete all[key];
    return all;
  }

  /** Gradio's `name` prop (the Python class): `tab` for a `tabitem`. */
  protected get blockName(): string {
    return this.type;
  }
}

const args = <O>(a: O | Body | undefined, b: Body | undefined): [O, Body | undefined] =>
  typeof a === "function" ? [{} as O, a as Body] : [(a ?? {}) as O, b];

/**
 * Options of {@link Row}.
 *
 * @example
 * new Row({ equalHeight: true }, () => { new Textbox(); new Button("Go"); });
 */
export interface RowOptions extends LayoutOptions {
  variant?: "default" | "panel" | "compact";
  /** Its share of the parent Row's width. */
  scale?: number;
  /** Make every child as tall as the tallest. */
  equalHeight?: boolean;
  height?: number | string;
}

/**
 * Children side by side (gradio `gr.Row`), wrapping when the page is too narrow.
 *
 * @example
 * new Row(() => { image_input = new Image(); image_output = new Image(); });
 */
export class Row extends Layout {
  readonly type = "row";
  readonly options: RowOptions;
  constructor(options?: RowOptions | Body, body?: Body) {
    const [o, b] = args<RowOptions>(options, body);
    super(o, b);
    this.options = o;
  }
  protected ownProps() {
    const o = this.options;
    return {
      variant: o.variant ?? "default",
      scale: o.scale,
      equal_height: o.equalHeight ?? false,
      height: o.height,
      show_progress: false,
    };
  }
}

/**
 * Options of {@link Column}.
 *
 * @example
 * new Column({ scale: 2, minWidth: 200 }, () => { … });
 */
export interface ColumnOptions extends LayoutOptions {
  /** Its share of a Row's width, relative to its siblings (default 1). */
  scale?: number;
  /** Minimum width in pixels before the Row wraps (default 320). */
  minWidth?: number;
  variant?: "default" | "panel" | "compact";
}

/**
 * Children one above the other (gradio `gr.Column`), usually inside a Row.
 *
 * @example
 * new Row(() => { new Column({ scale: 2 }, () => { … }); new Column(() => { … }); });
 */
export class Column extends Layout {
  readonly type = "column";
  readonly options: ColumnOptions;
  constructor(options?: ColumnOptions | Body, body?: Body) {
    const [o, b] = args<ColumnOptions>(options, body);
    super(o, b);
    this.options = o;
  }
  protected ownProps() {
    const o = this.options;
    return { scale: o.scale ?? 1, min_width: o.minWidth ?? 320, variant: o.variant ?? "default", show_progress: false };
  }
}

/**
 * Options of {@link Tabs}.
 *
 * @example
 * new Tabs({ selected: "image" }, () => { new Tab({ label: "Text", id: "text" }, …); new Tab({ label: "Image", id: "image" }, …); });
 */
export interface TabsOptions extends LayoutOptions {
  /** The `id` (or index) of the Tab shown first (default the first). */
  selected?: number | string;
}

/**
 * A set of Tabs, one shown at a time (gradio `gr.Tabs`). Tabs placed directly in a Blocks or
 * layout are put in one for you, as Gradio does.
 *
 * @example
 * new Tabs(() => { new Tab("One", () => { … }); new Tab("Two", () => { … }); });
 */
export class Tabs extends Layout {
  readonly type = "tabs";
  readonly selected: number | string | undefined;
  constructor(options?: TabsOptions | Body, body?: Body) {
    const [o, b] = args<TabsOptions>(options, body);
    super(o, b);
    this.selected = o.selected;
  }
  protected ownProps() {
    return { selected: this.selected };
  }
}

/**
 * Options of {@link Tab}.
 *
 * @example
 * new Tab({ label: "Flip Image", id: "image" }, () => { … });
 */
export interface TabOptions extends LayoutOptions {
  label?: string;
  /** What `Tabs({ selected })` names it by. */
  id?: number | string;
  interactive?: boolean;
  scale?: number;
}

/**
 * One tab of a {@link Tabs} (gradio `gr.Tab`, `type: "tabitem"` in /config).
 *
 * @example
 * new Tab("Flip Text", () => { text_input = new Textbox(); text_output = new Textbox(); });
 */
export class Tab extends Layout {
  readonly type = "tabitem";
  readonly label: string | undefined;
  readonly options: TabOptions;
  constructor(label?: string | TabOptions | Body, body?: Body) {
    const [o, b] = typeof label === "string" ? [{ label }, body] : args<TabOptions>(label, body);
    super(o, b);
    this.options = o;
    this.label = o.label;
  }
  protected ownProps() {
    const o = this.options;
    return { label: o.label, id: o.id, interactive: o.interactive ?? true, scale: o.scale, render_children: false };
  }
  protected override get blockName() {
    return "tab";
  }
}

/**
 * Options of {@link Accordion}.
 *
 * @example
 * new Accordion({ label: "Advanced", open: false }, () => { … });
 */
export interface AccordionOptions extends LayoutOptions {
  label?: string;
  /** Shown open (default true). */
  open?: boolean;
}

/**
 * A section the user opens and closes (gradio `gr.Accordion`).
 *
 * @example
 * new Accordion("Open for More!", () => { new Markdown("Look at me..."); });
 */
export class Accordion extends Layout {
  readonly type = "accordion";
  readonly label: string | undefined;
  readonly open: boolean;
  constructor(label?: string | AccordionOptions | Body, body?: Body) {
    const [o, b] = typeof label === "string" ? [{ label }, body] : args<AccordionOptions>(label, body);
    super(o, b);
    this.label = o.label;
    this.open = o.open ?? true;
  }
  protected ownProps() {
    return { label: this.label, open: this.open };
  }
}

/**
 * Children drawn as one box, without gaps (gradio `gr.Group`).
 *
 * @example
 * new Group(() => { new Textbox({ label: "A" }); new Textbox({ label: "B" }); });
 */
export class Group extends Layout {
  readonly type = "group";
  constructor(options?: LayoutOptions | Body, body?: Body) {
    const [o, b] = args<LayoutOptions>(options, body);
    super(o, b);
  }
  protected ownProps() {
    return {};
  }
}

/** The components Gradio draws in a Form (its FormComponent subclasses). */
const FORM_FIELDS = new Set(["textbox", "number", "slider", "checkbox", "checkboxgroup", "radio", "dropdown", "colorpicker", "datetime"]);

/**
 * The box Gradio puts around consecutive form fields (gradio `layouts/form.py`); made for you.
 * In a Row it takes its fields' share of the width.
 */
export class Form extends Layout {
  readonly type = "form";
  constructor() {
    super({ render: false }, undefined);
  }
  protected ownProps() {
    if (!(this.parent instanceof Row)) return { scale: 0, min_width: 0 };
    const fields = this.children as { scale?: number; minWidth?: number }[];
    return {
      scale: fields.reduce((sum, f) => sum + (f.scale ?? 1), 0),
      min_width: fields.reduce((sum, f) => sum + (f.minWidth ?? 0), 0),
    };
  }
}

/** The layout a block must sit in, which Gradio adds when it is missing: Tabs for a Tab, a Form for a form field. */
function expectedParent(block: object): "tabs" | "form" | undefined {
  if (block instanceof Tab) return "tabs";
  const type = (block as { type?: unknown }).type;
  return typeof type === "string" && FORM_FIELDS.has(type) && !(block instanceof Layout) ? "form" : undefined;
}

/**
 * Puts consecutive Tabs in a Tabs and consecutive form fields in a Form, where the container is
 * not already one (gradio `BlockContext.fill_expected_parents`, run when a `with` block ends).
 *
 * @example
 * fillExpectedParents(blocks, blocks); // after the Blocks callback
 */
export function fillExpectedParents(container: Container, root: Root): void {
  // By class, not `type`: a layout's fields are not set yet while its constructor runs this.
  const own = container instanceof Tabs ? "tabs" : container instanceof Form ? "form" : undefined;
  const children: object[] = [];
  let wrapper: Layout | undefined;
  for (const child of container.children) {
    if (child instanceof Layout) child.parent = container;
    const expected = expectedParent(child);
    if (!expected || own === expected) {
      wrapper = undefined;
      children.push(child);
      continue;
    }
    if (wrapper?.type !== expected) {
      wrapper = expected === "tabs" ? new Tabs({ render: false }) : new Form();
      wrapper.parent = container;
      root.register(wrapper);
      children.push(wrapper);
    }
    wrapper.children.push(child);
  }
  container.children.splice(0, container.children.length, ...children);
}

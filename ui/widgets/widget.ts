/**
 * What every widget is: the page's side of one Gradio component. A widget owns its element,
 * reads and shows wire values (Gradio's, as in /config and the queue's messages), and reports
 * the user's actions as Gradio's events; the page (blocks-page.ts, interface-page.ts) decides
 * what those events run. Widgets know nothing of the queue or of each other.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";

/** What a widget may ask of the page. */
export interface WidgetContext {
  /** Whether the user may edit it (Gradio's determine_interactivity; an update may change it). */
  interactive: boolean;
  /** The user changed the value: Gradio's `input`, then `change`. */
  edited(): void;
  /** Any other event of the component (`click`, `submit`, `select`, `release`, …), with its event data. */
  emit(event: string, data?: unknown): void;
  /** Shows a problem to the user (a toast). */
  error(message: string): void;
  /** Sets other components' values (a Dataset's sample filling the components it lists). */
  fill?(ids: number[], values: unknown[]): void;
  /** Whether the app listens to this event of the component (Gradio shows a Chatbot's Retry only then). */
  listens?(event: string): boolean;
}

/** One component in the page. */
export interface Widget {
  /** The block to place in the layout; null for what is never shown (State). */
  element: HTMLElement | null;
  /** The wire value to send; files the user picked are uploaded first. */
  read(): unknown | Promise<unknown>;
  /** The value as shown now, for change detection (no upload). */
  peek(): unknown;
  /**
   * Shows a wire value (null clears). `yielded` marks a generator's intermediate value (a
   * `process_generating`), as opposed to a call's final one; only a streaming Audio tells them apart.
   */
  set(value: unknown, how?: { yielded?: boolean }): void;
  /** Applies the props of an update other than value, visible, label and interactive (e.g. `choices`). */
  update?(props: Record<string, unknown>): void;
  /** Makes it editable or not. */
  setInteractive?(on: boolean): void;
  /** Changes the label. */
  setLabel?(label: string): void;
  /** An event whose outputs include this one starts (true) or ends (false). */
  setBusy?(on: boolean): void;
}

/** A Gradio update object (`gr.update(...)`, `{__type__: "update", …}`). */
export type Update = { __type__: "update"; [prop: string]: unknown };

/** True for an update object. */
export const isUpdate = (value: unknown): value is Update =>
  typeof value === "object" && value !== null && (value as { __type__?: unknown }).__type__ === "update";

/** A unique DOM id for the component's control. */
export const fieldId = (c: ComponentConfig, suffix = "") => `component-${c.id}${suffix}`;

/** The component's label: its `label` prop, else its type's name (as Gradio shows "Textbox"). */
export function labelText(c: ComponentConfig): string {
  const label = c.props.label;
  if (typeof label === "string" && label) return label;
  return c.type.charAt(0).toUpperCase() + c.type.slice(1);
}

/** A number prop, or `fallback` when it is missing or not a number. */
export const numberProp = (value: unknown, fallback: number | null): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback;

/** Gradio's `choices` (`[[display, value], …]`; plain values are shown as they are). */
export function choicesOf(value: unknown): [string, unknown][] {
  if (!Array.isArray(value)) return [];
  return value.map((c) => (Array.isArray(c) ? [String(c[0]), c[1]] : [String(c), c]));
}

/**
 * The block around a control: its label (a `<label for>` when the control is one element, else
 * a heading the group names itself by), the `info` line, and Gradio's `elem_id`,
 * `elem_classes`, `container` and `show_label`.
 *
 * @example
 * const { element, label } = block(c, "textbox", field, { labelFor: field.id });
 */
export function block(
  c: ComponentConfig,
  kind: string,
  body: (Node | null)[],
  { labelFor, labelled = true }: { labelFor?: string; labelled?: boolean } = {},
) {
  const p = c.props;
  const text = labelText(c);
  const hiddenLabel = p.show_label === false;
  const label = labelFor
    ? h("label", { for: labelFor, class: hiddenLabel ? "block-label visually-hidden" : "block-label" }, text)
    : h("span", { id: fieldId(c, "-label"), class: hiddenLabel ? "block-label visually-hidden" : "block-label" }, text);
  const info = typeof p.info === "string" && p.info ? h("p", { class: "info", id: fieldId(c, "-info") }, p.info) : null;
  const classes = [
    "block",
    `widget-${kind}`,
    p.container === false ? "plain" : "",
    ...(Array.isArray(p.elem_classes) ? p.elem_classes : []),
  ];
  const element = h(
    "div",
    { class: classes.filter(Boolean).join(" "), id: typeof p.elem_id === "string" ? p.elem_id : undefined, "data-testid": kind },
    labelled ? label : null,
    info,
    ...body,
  );
  return { element, label, info, setLabel: (value: string) => (label.textContent = value) };
}

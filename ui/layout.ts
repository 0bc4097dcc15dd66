/**
 * Gradio's layouts as elements: Row (side by side, wrapping when narrow), Column (`scale`,
 * `min_width`), Tabs of TabItems (WAI-ARIA tabs: arrow keys, Home and End move between them),
 * Accordion (`<details>`, `open`), Group and Form. Each returns its element and how to apply an
 * update (visible, open, selected, label).
 */
import type { ComponentConfig } from "../src/gradio/protocol.ts";
import { h } from "./dom.ts";
import { numberProp } from "./widgets/widget.ts";

/** A layout block, built around its children's elements. */
export interface Layout {
  element: HTMLElement;
  update(props: Record<string, unknown>): void;
}

/** The layout types /config may hold. */
export const LAYOUTS = new Set(["row", "column", "tabs", "tabitem", "tab", "accordion", "group", "form", "blocks"]);

/**
 * How a child takes its share of a Row: Gradio's `flex-grow: scale` and
 * `min-width: min(min_width px, 100%)`, so a Row wraps on a narrow screen.
 *
 * @example
 * sizeInRow(columnElement, { scale: 2, min_width: 320 });
 */
export function sizeInRow(element: HTMLElement, props: Record<string, unknown>): void {
  const scale = numberProp(props.scale, 1);
  const minWidth = numberProp(props.min_width, 160);
  element.style.flex = `${scale ?? 1} 1 0%`;
  element.style.minWidth = `min(${minWidth}px, 100%)`;
}

const classes = (kind: string, p: ComponentConfig["props"]) =>
  [`layout-${kind}`, ...(Array.isArray(p.elem_classes) ? p.elem_classes : [])].join(" ");

function visibility(element: HTMLElement, props: Record<string, unknown>) {
  if (props.visible !== undefined) element.hidden = props.visible === false;
}

/** Tabs: a tablist of the TabItems' labels, one panel shown at a time. */
function tabs(c: ComponentConfig, items: { config: ComponentConfig; element: HTMLElement }[]): Layout {
  const list = h("div", { role: "tablist", class: "tablist" });
  const element = h(
    "div",
    { class: classes("tabs", c.props), id: typeof c.props.elem_id === "string" ? c.props.elem_id : undefined },
    list,
  );
  const buttons = items.map(({ config, element: panel }, i) => {
    const tabId = `tab-${config.id}`;
    const panelId = `tabpanel-${config.id}`;
    panel.id = panelId;
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tabId);
    const button = h(
      "button",
      { type: "button", role: "tab", id: tabId, "aria-controls": panelId, class: "tab", disabled: config.props.interactive === false },
      String(config.props.label ?? `Tab ${i + 1}`),
    );
    button.addEventListener("click", () => select(i, true));
    button.hidden = config.props.visible === false;
    element.append(panel);
    list.append(button);
    return button;
  });
  const select = (index: number, focus = false) => {
    buttons.forEach((b, i) => {
      b.setAttribute("aria-selected", String(i === index));
      b.tabIndex = i === index ? 0 : -1;
      items[i]!.element.hidden = i !== index;
    });
    if (focus) buttons[index]?.focus();
  };
  list.addEventListener("keydown", (e) => {
    const key = (e as KeyboardEvent).key;
    const usable = buttons.map((b, i) => (b.hidden || b.disabled ? -1 : i)).filter((i) => i >= 0);
    const at = usable.indexOf(buttons.findIndex((b) => b.getAttribute("aria-selected") === "true"));
    const next =
      key === "ArrowRight"
        ? usable[(at + 1) % usable.length]
        : key === "ArrowLeft"
          ? usable[(at - 1 + usable.length) % usable.length]
          : key === "Home"
            ? usable[0]
            : key === "End"
              ? usable.at(-1)
              : undefined;
    if (next === undefined) return;
    e.preventDefault();
    select(next, true);
  });
  // `selected` is a TabItem's `id` (or its index when it has none).
  const indexOf = (selected: unknown) => {
    const byId = items.findIndex(({ config }) => config.props.id !== undefined && config.props.id !== null && config.props.id === selected);
    return byId >= 0 ? byId : typeof selected === "number" && selected < items.length ? selected : -1;
  };
  const first = indexOf(c.props.selected);
  select(
    first >= 0
      ? first
      : Math.max(
          0,
          buttons.findIndex((b) => !b.hidden),
        ),
  );
  return {
    element,
    update(u) {
      visibility(element, u);
      if (u.selected !== undefined && indexOf(u.selected) >= 0) select(indexOf(u.selected));
    },
  };
}

/**
 * Builds the element of layout `c` around `children` (already built).
 *
 * @example
 * const row = createLayout(rowConfig, [a.element, b.element], []);
 */
export function createLayout(c: ComponentConfig, children: HTMLElement[], childConfigs: (ComponentConfig | undefined)[]): Layout {
  const p = c.props;
  const id = typeof p.elem_id === "string" ? p.elem_id : undefined;
  if (c.type === "tabs") {
    const items = children
      .map((element, i) => ({ config: childConfigs[i]!, element }))
      .filter((t) => t.config && (t.config.type === "tabitem" || t.config.type === "tab"));
    return tabs(c, items);
  }
  if (c.type === "accordion") {
    const element = h(
      "details",
      { class: classes("accordion", p), id, open: p.open !== false },
      h("summary", {}, String(p.label ?? "")),
      h("div", { class: "accordion-body" }, ...children),
    );
    element.hidden = p.visible === false;
    return {
      element,
      update(u) {
        visibility(element, u);
        if (u.open !== undefined) (element as HTMLDetailsElement).open = u.open === true;
        if (typeof u.label === "string") element.querySelector("summary")!.textContent = u.label;
      },
    };
  }
  const kind = c.type === "tab" ? "tabitem" : c.type === "blocks" ? "column" : c.type;
  const element = h("div", { class: classes(kind, p), id }, ...children);
  if (kind === "row") {
    if (p.equal_height === true) element.classList.add("equal-height");
    children.forEach((child, i) => {
      sizeInRow(child, childConfigs[i]?.props ?? {});
    });
  }
  element.hidden = p.visible === false;
  return { element, update: (u) => visibility(element, u) };
}

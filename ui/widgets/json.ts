/**
 * JSON (gradio js/json): a collapsible viewer. Objects and arrays are `<details>` (open at
 * first, so everything is visible; Enter or Space on a summary folds it), values are coloured
 * by type. Output only, as in Gradio.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { block, type Widget } from "./widget.ts";

function node(key: string | null, value: unknown): HTMLElement {
  const name = key === null ? null : h("span", { class: "json-key" }, `${key}: `);
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    if (!entries.length) return h("li", {}, name, `${open}${close}`);
    return h(
      "li",
      {},
      h(
        "details",
        { open: true },
        h(
          "summary",
          {},
          name,
          `${open} `,
          h("span", { class: "json-count" }, `${entries.length} ${entries.length === 1 ? "item" : "items"}`),
        ),
        h("ul", {}, ...entries.map(([k, v]) => node(k, v))),
        close,
      ),
    );
  }
  const kind = value === null ? "null" : typeof value;
  return h("li", {}, name, h("span", { class: `json-${kind}` }, JSON.stringify(value) ?? "undefined"));
}

export function json(c: ComponentConfig): Widget {
  const view = h("ul", { class: "json" });
  const { element, setLabel } = block(c, "json", [h("div", { role: "group", "aria-labelledby": `component-${c.id}-label` }, view)]);
  let value: unknown = null;
  const set = (v: unknown) => {
    value = v ?? null;
    view.replaceChildren(...(value === null ? [] : [node(null, value)]));
  };
  set(c.props.value);
  return { element, read: () => value, peek: () => value, set, setLabel };
}

/**
 * Dataset (gradio js/dataset), what `Examples` renders: a table of `samples`, one column per
 * component it lists (`headers` on top). A row's button fills those components (`component_ids`)
 * at once, in the page, and fires `click` and `select` with the row's index — the Dataset's wire
 * value — so any event on it runs too.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { block, choicesOf, labelText, type Widget, type WidgetContext } from "./widget.ts";

/** A short text for a sample's value in a cell (the value itself for plain ones). */
function describe(value: unknown, props: Record<string, unknown> | undefined): Node | string {
  if (isFileData(value)) {
    const url = fileUrl(value);
    if (value.mime_type?.startsWith("image/") || /\.(png|jpe?g|webp|gif|avif)$/i.test(value.orig_name ?? value.path ?? ""))
      return h("img", { src: url, alt: value.orig_name ?? "", class: "sample-image", loading: "lazy" });
    return value.orig_name ?? value.path ?? "file";
  }
  if (value === null || value === undefined) return "";
  // Choices show their display name, as in the component; a list of them (CheckboxGroup, multiselect) reads "a, b".
  const choices = props && Array.isArray(props.choices) ? choicesOf(props.choices) : [];
  const shown = (v: unknown) =>
    choices.find(([, c]) => c === v)?.[0] ?? (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
  return Array.isArray(value) && value.every((v) => typeof v !== "object") ? value.map(shown).join(", ") : shown(value);
}

export function dataset(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const ids = Array.isArray(p.component_ids) ? (p.component_ids as number[]) : [];
  const componentProps = Array.isArray(p.component_props) ? (p.component_props as Record<string, unknown>[]) : [];
  const headers = Array.isArray(p.headers) ? p.headers.map(String) : [];
  const table = h("table", { class: "samples", "aria-labelledby": `component-${c.id}-label` });
  const { element } = block(c, "dataset", [h("div", { class: "frame-scroll" }, table)]);
  if (!p.label) element.querySelector(".block-label")!.textContent = "Examples";
  let samples: unknown[][] = [];
  let index: number | null = null;

  const render = () => {
    const width = Math.max(headers.length, ...samples.map((s) => s.length), 0);
    table.replaceChildren(
      ...(headers.length ? [h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", { scope: "col" }, name))))] : []),
      h(
        "tbody",
        {},
        ...samples.map((sample, i) => {
          const cells = Array.from({ length: width }, (_, j) => describe(sample[j], componentProps[j]));
          const text = sample.map((v, j) => (isFileData(v) ? (v.orig_name ?? "file") : String(describe(v, componentProps[j]))));
          const use = h(
            "button",
            { type: "button", class: "sample", "aria-label": `Example ${i + 1}: ${text.join(", ")}` },
            cells[0] ?? "",
          );
          const row = h("tr", {}, h("td", {}, use), ...cells.slice(1).map((cell) => h("td", {}, cell)));
          const pick = () => {
            index = i;
            ctx.fill?.(ids, sample);
            ctx.emit("click");
            ctx.emit("select", { index: i, value: sample, selected: true });
          };
          use.addEventListener("click", (e) => {
            e.stopPropagation();
            pick();
          });
          row.addEventListener("click", pick); // the whole row is the target for a mouse
          return row;
        }),
      ),
    );
  };
  const setSamples = (v: unknown) => {
    samples = Array.isArray(v) ? v.map((s) => (Array.isArray(s) ? s : [s])) : [];
    render();
  };
  setSamples(p.samples);
  return {
    element,
    read: () => index,
    peek: () => index,
    // Its value is the picked row; an update may bring new samples.
    set(v) {
      index = typeof v === "number" ? v : null;
    },
    setLabel: (text) => (element.querySelector(".block-label")!.textContent = text || labelText(c)),
    update(u) {
      if (u.samples !== undefined) setSamples(u.samples);
    },
  };
}

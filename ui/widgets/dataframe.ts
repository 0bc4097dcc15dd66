/**
 * Dataframe (gradio js/dataframe): a table of `{headers, data, metadata}`. Interactive: each
 * cell is an input named by its row and column (a checkbox for `bool`, a number box for
 * `number`), and "Add row" appears when the row count is dynamic. Not interactive: plain cells.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { block, fieldId, type Widget, type WidgetContext } from "./widget.ts";

interface Frame {
  headers: string[];
  data: unknown[][];
  metadata?: unknown;
}

/** `row_count`/`column_count` as Gradio takes them: `n` or `[n, "dynamic" | "fixed"]`. */
function count(value: unknown): { n: number; dynamic: boolean } {
  if (Array.isArray(value)) return { n: Number(value[0]) || 0, dynamic: value[1] !== "fixed" };
  return { n: typeof value === "number" ? value : 0, dynamic: true };
}

export function dataframe(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const rows = count(p.row_count);
  const cols = count(p.column_count ?? p.col_count);
  const datatypeOf = (j: number) => (Array.isArray(p.datatype) ? p.datatype[j] : p.datatype) ?? "str";
  const table = h("table", { class: "frame", "aria-labelledby": fieldId(c, "-label") });
  const addRow = h("button", { type: "button", class: "secondary small" }, "Add row");
  const { element, setLabel } = block(c, "dataframe", [h("div", { class: "frame-scroll" }, table), addRow]);
  let frame: Frame = { headers: [], data: [] };
  let interactive = ctx.interactive;

  const blank = (j: number) => (datatypeOf(j) === "number" ? 0 : datatypeOf(j) === "bool" ? false : "");
  const normalise = (v: unknown): Frame => {
    const given = (v && typeof v === "object" && !Array.isArray(v) ? v : { data: v }) as Partial<Frame>;
    const data = Array.isArray(given.data) ? given.data.map((r) => (Array.isArray(r) ? [...r] : [r])) : [];
    const width = Math.max(
      cols.n,
      given.headers?.length ?? 0,
      Array.isArray(p.headers) ? p.headers.length : 0,
      ...data.map((r) => r.length),
    );
    const headers = given.headers?.length ? given.headers.map(String) : Array.isArray(p.headers) ? p.headers.map(String) : [];
    while (headers.length < width) headers.push(String(headers.length + 1));
    for (const row of data) while (row.length < width) row.push(blank(row.length));
    while (data.length < rows.n) data.push(headers.map((_, j) => blank(j)));
    return { headers, data, metadata: given.metadata ?? null };
  };

  const cell = (i: number, j: number) => {
    const value = frame.data[i]![j];
    if (!interactive) return h("td", {}, value === null || value === undefined ? "" : String(value));
    const name = `Row ${i + 1}, ${frame.headers[j]}`;
    const type = datatypeOf(j);
    const input =
      type === "bool"
        ? h("input", { type: "checkbox", "aria-label": name, checked: value === true })
        : h("input", {
            type: type === "number" ? "number" : "text",
            step: "any",
            "aria-label": name,
            value: value === null || value === undefined ? "" : String(value),
          });
    input.addEventListener(type === "bool" ? "change" : "input", () => {
      frame.data[i]![j] =
        type === "bool" ? input.checked : type === "number" ? (input.value === "" ? null : Number(input.value)) : input.value;
      ctx.edited();
    });
    input.addEventListener("focus", () => ctx.emit("select", { index: [i, j], value: frame.data[i]![j], selected: true }));
    return h("td", {}, input);
  };
  const render = () => {
    table.replaceChildren(
      h("thead", {}, h("tr", {}, ...frame.headers.map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, ...frame.data.map((row, i) => h("tr", {}, ...row.map((_, j) => cell(i, j))))),
    );
    addRow.hidden = !(interactive && rows.dynamic);
  };
  addRow.addEventListener("click", () => {
    frame.data.push(frame.headers.map((_, j) => blank(j)));
    render();
    ctx.edited();
    table.querySelector<HTMLInputElement>("tbody tr:last-child input")?.focus();
  });
  const set = (v: unknown) => {
    frame = normalise(v);
    render();
  };
  set(p.value);
  const read = () => ({ headers: [...frame.headers], data: frame.data.map((r) => [...r]), metadata: frame.metadata ?? null });
  return {
    element,
    read,
    peek: read,
    set,
    setLabel,
    setInteractive(on) {
      interactive = on;
      render();
    },
  };
}

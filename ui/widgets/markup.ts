/**
 * Markdown and HTML (gradio js/markdown, js/html). HTML's value was sanitised on the server, so
 * it is set as it is. Markdown's value is Markdown text (Gradio's wire value): the page renders
 * it with markdown-lite.ts, which escapes any raw HTML; a value with raw HTML written into the app
 * comes rendered and sanitised by the server (`props.html`). Neither is a form field: no container,
 * the label only when `show_label` asks.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { renderMarkdownLite } from "../markdown-lite.ts";
import { block, type Widget, type WidgetContext } from "./widget.ts";

function markup(c: ComponentConfig, ctx: WidgetContext, kind: "markdown" | "html"): Widget {
  const body = h("div", { class: kind === "markdown" ? "prose markdown" : "html" });
  const { element, setLabel } = block(c, kind, [body], { labelled: c.props.show_label === true });
  element.classList.add("plain");
  let value = "";
  const set = (v: unknown) => {
    value = v === null || v === undefined ? "" : String(v);
    body.innerHTML = kind === "markdown" ? renderMarkdownLite(value) : value;
  };
  set(c.props.value);
  // A Markdown written into the app with raw HTML comes rendered (and sanitised) by the server.
  if (kind === "markdown" && typeof c.props.html === "string") body.innerHTML = c.props.html;
  if (kind === "html") body.addEventListener("click", () => ctx.emit("click"));
  return { element, read: () => value, peek: () => value, set, setLabel };
}

export const markdown = (c: ComponentConfig, ctx: WidgetContext) => markup(c, ctx, "markdown");
export const html = (c: ComponentConfig, ctx: WidgetContext) => markup(c, ctx, "html");

/**
 * Button (gradio js/button): `value` is its text (and its wire value, when it is an input);
 * `variant` primary, secondary or stop; `size` "sm"; `link` makes it a link. Fires `click`.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import type { Widget, WidgetContext } from "./widget.ts";

export function button(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const variant = p.variant === "primary" || p.variant === "stop" ? p.variant : "secondary";
  const classes = [variant, p.size === "sm" ? "small" : "", "widget-button", ...(Array.isArray(p.elem_classes) ? p.elem_classes : [])];
  const element = h("button", {
    type: "button",
    class: classes.filter(Boolean).join(" "),
    id: typeof p.elem_id === "string" ? p.elem_id : undefined,
    "data-testid": "button",
  });
  let value = "";
  const set = (v: unknown) => {
    value = v === null || v === undefined ? "" : String(v);
    element.textContent = value;
  };
  set(p.value ?? "Run");
  element.addEventListener("click", () => {
    if (typeof p.link === "string" && p.link) window.open(p.link, "_blank", "noopener");
    ctx.emit("click");
  });
  // A button stays usable unless told otherwise (it is an event's target, not an input).
  const setInteractive = (on: boolean) => {
    element.disabled = !on;
  };
  setInteractive(p.interactive !== false);
  return { element, read: () => value, peek: () => value, set, setInteractive, setLabel: set };
}

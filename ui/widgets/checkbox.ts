/** Checkbox (gradio js/checkbox): one box, its label beside it; the value is a boolean. */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { block, fieldId, labelText, type Widget, type WidgetContext } from "./widget.ts";

export function checkbox(c: ComponentConfig, ctx: WidgetContext): Widget {
  const id = fieldId(c);
  const box = h("input", { id, type: "checkbox" });
  const text = h("span", {}, labelText(c));
  const { element } = block(c, "checkbox", [h("label", { class: "check", for: id }, box, text)], { labelled: false });
  const setInteractive = (on: boolean) => {
    box.disabled = !on;
  };
  setInteractive(ctx.interactive);
  const set = (value: unknown) => {
    box.checked = value === true;
  };
  set(c.props.value);
  box.addEventListener("change", () => {
    ctx.edited();
    ctx.emit("select", { index: null, value: text.textContent, selected: box.checked });
  });
  return {
    element,
    read: () => box.checked,
    peek: () => box.checked,
    set,
    setInteractive,
    setLabel: (label) => (text.textContent = label),
  };
}

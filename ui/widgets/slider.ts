/**
 * Slider (gradio js/slider): a range input and a number box kept in step, both named by the
 * label; `minimum`, `maximum`, `step`. `input` while moving, `change` with it, `release` when
 * let go. Null shows the minimum.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { block, fieldId, labelText, numberProp, type Widget, type WidgetContext } from "./widget.ts";

export function slider(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const id = fieldId(c);
  const min = numberProp(p.minimum, 0)!;
  const max = numberProp(p.maximum, 100)!;
  const step = numberProp(p.step, 1)!;
  const range = h("input", { id, type: "range", min, max, step });
  const box = h("input", { type: "number", min, max, step, class: "slider-number", "aria-label": `${labelText(c)} (number)` });
  const { element, setLabel } = block(c, "slider", [h("div", { class: "slider" }, range, box)], { labelFor: id });
  const setInteractive = (on: boolean) => {
    range.disabled = !on;
    box.readOnly = !on;
  };
  setInteractive(ctx.interactive);
  const set = (value: unknown) => {
    const v = typeof value === "number" && Number.isFinite(value) ? value : min;
    range.value = String(v);
    box.value = String(v);
  };
  set(p.value);
  range.addEventListener("input", () => {
    box.value = range.value;
    ctx.edited();
  });
  range.addEventListener("change", () => ctx.emit("release", Number(range.value)));
  box.addEventListener("input", () => {
    if (box.value === "" || Number.isNaN(box.valueAsNumber)) return;
    range.value = box.value;
    ctx.edited();
  });
  // The box may hold what the range cannot (out of bounds): what is sent is the box's value.
  const read = () => (box.value === "" || Number.isNaN(box.valueAsNumber) ? Number(range.value) : box.valueAsNumber);
  return {
    element,
    read,
    peek: read,
    set,
    setInteractive,
    setLabel,
    update(u) {
      for (const [key, attr] of [
        ["minimum", "min"],
        ["maximum", "max"],
        ["step", "step"],
      ] as const)
        if (typeof u[key] === "number") for (const input of [range, box]) input.setAttribute(attr, String(u[key]));
    },
  };
}

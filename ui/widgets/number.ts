/**
 * Number (gradio js/number): `<input type=number>` with `minimum`, `maximum`, `step`; empty is
 * null. Enter submits. Not interactive: read-only.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { block, fieldId, numberProp, type Widget, type WidgetContext } from "./widget.ts";

export function number(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const id = fieldId(c);
  const field = h("input", {
    id,
    type: "number",
    min: numberProp(p.minimum, null) ?? undefined,
    max: numberProp(p.maximum, null) ?? undefined,
    step: numberProp(p.step, null) ?? "any",
    placeholder: typeof p.placeholder === "string" ? p.placeholder : undefined,
    "aria-describedby": typeof p.info === "string" && p.info ? fieldId(c, "-info") : undefined,
  });
  const { element, setLabel } = block(c, "number", [field], { labelFor: id });
  const setInteractive = (on: boolean) => {
    field.readOnly = !on;
  };
  setInteractive(ctx.interactive);
  const read = () => (field.value === "" || Number.isNaN(field.valueAsNumber) ? null : field.valueAsNumber);
  const set = (value: unknown) => {
    field.value = typeof value === "number" && Number.isFinite(value) ? String(value) : "";
  };
  set(p.value);
  field.addEventListener("input", () => ctx.edited());
  field.addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Enter") {
      e.preventDefault();
      ctx.emit("submit");
    }
  });
  return { element, read, peek: read, set, setInteractive, setLabel };
}

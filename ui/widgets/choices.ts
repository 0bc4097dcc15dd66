/**
 * Radio and CheckboxGroup (gradio js/radio, js/checkboxgroup): a fieldset of native radios or
 * checkboxes (arrow keys move between radios, as the browser does), one per `choices` pair
 * `[display, value]`. Radio's value is one choice's value, CheckboxGroup's a list of them.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { choicesOf, fieldId, labelText, type Widget, type WidgetContext } from "./widget.ts";

function choiceGroup(c: ComponentConfig, ctx: WidgetContext, multiple: boolean): Widget {
  const p = c.props;
  const kind = multiple ? "checkboxgroup" : "radio";
  const legend = h("legend", { class: p.show_label === false ? "block-label visually-hidden" : "block-label" }, labelText(c));
  const options = h("div", { class: "choices" });
  const info = typeof p.info === "string" && p.info ? h("p", { class: "info" }, p.info) : null;
  const classes = ["block", `widget-${kind}`, ...(Array.isArray(p.elem_classes) ? p.elem_classes : [])].join(" ");
  const element = h(
    "fieldset",
    { class: classes, id: typeof p.elem_id === "string" ? p.elem_id : undefined, "data-testid": kind },
    legend,
    info,
    options,
  );
  let choices = choicesOf(p.choices);
  let boxes: HTMLInputElement[] = [];
  let interactive = ctx.interactive;

  const selected = () => choices.filter((_, i) => boxes[i]?.checked).map(([, v]) => v);
  const read = () => (multiple ? selected() : (selected()[0] ?? null));
  const set = (value: unknown) => {
    const wanted = multiple ? (Array.isArray(value) ? value : []) : [value];
    choices.forEach(([, v], i) => {
      boxes[i]!.checked = value !== null && value !== undefined && wanted.includes(v);
    });
  };
  const render = () => {
    const current = boxes.length ? read() : p.value;
    boxes = choices.map(([, value], i) => {
      const box = h("input", { type: multiple ? "checkbox" : "radio", name: fieldId(c), id: fieldId(c, `-${i}`), disabled: !interactive });
      box.addEventListener("change", () => {
        ctx.edited();
        ctx.emit("select", { index: i, value, selected: box.checked });
      });
      return box;
    });
    options.replaceChildren(
      ...choices.map(([display], i) => h("label", { class: "choice", for: fieldId(c, `-${i}`) }, boxes[i]!, h("span", {}, display))),
    );
    set(current);
  };
  render();
  return {
    element,
    read,
    peek: read,
    set,
    setLabel: (label) => (legend.textContent = label),
    setInteractive(on) {
      interactive = on;
      for (const box of boxes) box.disabled = !on;
    },
    update(u) {
      if (u.choices !== undefined) {
        choices = choicesOf(u.choices);
        render();
      }
    },
  };
}

export const radio = (c: ComponentConfig, ctx: WidgetContext) => choiceGroup(c, ctx, false);
export const checkboxGroup = (c: ComponentConfig, ctx: WidgetContext) => choiceGroup(c, ctx, true);

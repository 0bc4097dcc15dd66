/**
 * Textbox (gradio js/textbox): one line (`<input>`, Enter submits) or `lines` rows (`<textarea>`);
 * `type` password or email; `placeholder`; `max_length`. Not interactive: read-only, still selectable.
 * `submit_btn` / `stop_btn` (true for an icon, a string for text) put buttons beside the field that
 * fire `submit` and `stop`; an update may swap them, as ChatInterface does while a reply streams.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { submitStopButtons } from "./submit-stop.ts";
import { block, fieldId, numberProp, type Widget, type WidgetContext } from "./widget.ts";

export function textbox(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const lines = numberProp(p.lines, 1)!;
  const maxLines = numberProp(p.max_lines, lines > 1 ? 20 : 1)!;
  const type = p.type === "password" || p.type === "email" ? p.type : "text";
  const id = fieldId(c);
  const attrs = {
    id,
    class: "textbox-field",
    placeholder: typeof p.placeholder === "string" ? p.placeholder : undefined,
    maxlength: numberProp(p.max_length, null) ?? undefined,
    "aria-describedby": typeof p.info === "string" && p.info ? fieldId(c, "-info") : undefined,
    autocomplete: type === "password" ? "current-password" : type === "email" ? "email" : "off",
  };
  const field =
    type !== "text" || (lines === 1 && maxLines <= 1)
      ? h("input", { ...attrs, type })
      : h("textarea", { ...attrs, rows: lines, "data-max-lines": maxLines });
  const buttons = submitStopButtons(ctx);
  const { submit: submitButton, stop: stopButton } = buttons;
  buttons.show({ submit_btn: p.submit_btn, stop_btn: p.stop_btn });
  const { element, setLabel } = block(c, "textbox", [h("div", { class: "textbox-row" }, field, submitButton, stopButton)], {
    labelFor: id,
  });
  const setInteractive = (on: boolean) => {
    field.readOnly = !on;
    submitButton.disabled = !on;
  };
  setInteractive(ctx.interactive);
  const set = (value: unknown) => {
    field.value = value === null || value === undefined ? "" : String(value);
  };
  set(p.value);
  field.addEventListener("input", () => ctx.edited());
  field.addEventListener("keydown", (e) => {
    const event = e as KeyboardEvent;
    // Gradio submits on Enter in a one-line box; a multi-line box takes the Enter as a newline.
    if (
      event.key === "Enter" &&
      !event.shiftKey &&
      !event.isComposing &&
      lines === 1 &&
      field instanceof HTMLInputElement &&
      !field.readOnly
    ) {
      event.preventDefault();
      ctx.emit("submit");
    }
  });
  field.addEventListener("select", () => {
    const start = field.selectionStart ?? 0;
    const end = field.selectionEnd ?? 0;
    if (end > start) ctx.emit("select", { index: [start, end], value: field.value.slice(start, end), selected: true });
  });
  return {
    element,
    read: () => field.value,
    peek: () => field.value,
    set,
    setInteractive,
    setLabel,
    update(u) {
      if (typeof u.placeholder === "string") field.placeholder = u.placeholder;
      buttons.show(u);
    },
  };
}

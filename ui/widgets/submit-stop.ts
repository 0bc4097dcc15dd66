/**
 * Gradio's `submit_btn` / `stop_btn` beside a text field (Textbox, MultimodalTextbox): false (or
 * nothing) hides a button, true shows its icon (named for screen readers), a string is its text.
 * A button nothing listens to would do nothing, so it stays hidden.
 */
import { h } from "../dom.ts";
import type { WidgetContext } from "./widget.ts";

/**
 * The two buttons, firing `submit` and `stop`, and `show` to apply the props (again on an update).
 *
 * @example
 * const buttons = submitStopButtons(ctx);
 * buttons.show({ submit_btn: true, stop_btn: false }); // ➤ shown, ■ hidden
 */
export function submitStopButtons(ctx: WidgetContext) {
  const submit = h("button", { type: "button", class: "primary small textbox-button" });
  const stop = h("button", { type: "button", class: "stop small textbox-button" });
  submit.addEventListener("click", () => ctx.emit("submit"));
  stop.addEventListener("click", () => ctx.emit("stop"));
  const showOne = (button: HTMLButtonElement, prop: unknown, event: "submit" | "stop", icon: string, name: string) => {
    button.hidden = prop === false || prop === null || prop === undefined || prop === "" || ctx.listens?.(event) === false;
    button.textContent = typeof prop === "string" ? prop : icon;
    if (typeof prop === "string") button.removeAttribute("aria-label");
    else button.setAttribute("aria-label", name);
  };
  /** Applies whichever of `submit_btn` / `stop_btn` `props` has. */
  const show = (props: Record<string, unknown>) => {
    if ("submit_btn" in props) showOne(submit, props.submit_btn, "submit", "➤", "Submit");
    if ("stop_btn" in props) showOne(stop, props.stop_btn, "stop", "■", "Stop");
  };
  return { submit, stop, show };
}

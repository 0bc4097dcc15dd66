/** Toasts: an aria-live region, one card per message, closed by its button or after `seconds` (null: stays). */
import { h } from "./dom.ts";

let region: HTMLElement | undefined;

/** The kinds of toast, as Gradio's (`gr.Error`, `gr.Warning`, `gr.Info`, `gr.Success`). */
export type ToastKind = "error" | "warning" | "info" | "success";
const TITLES: Record<ToastKind, string> = { error: "Error", warning: "Warning", info: "Info", success: "Done" };

/** Shows a message; `kind` colours it and gives its default title. */
export function toast(message: string, kind: ToastKind = "error", seconds: number | null = 10, title?: string | null): void {
  region ??= document.body.appendChild(h("div", { class: "toasts", role: "status", "aria-live": "polite" }));
  const card = h(
    "div",
    { class: `toast toast-${kind}`, "data-testid": `toast-${kind}` },
    h("strong", {}, title || TITLES[kind]),
    h("p", {}, message),
    h("button", { class: "icon", "aria-label": "Close message", onclick: () => card.remove() }, "×"),
  );
  region.append(card);
  if (seconds) setTimeout(() => card.remove(), seconds * 1000);
}

/** Toasts: an aria-live region, one card per message, closed by its button or after 10 s. */
import { h } from "./dom.ts";

let region: HTMLElement | undefined;

/** Shows a message; `kind` colours it. */
export function toast(message: string, kind: "error" | "info" | "success" = "error", seconds: number | null = 10): void {
  region ??= document.body.appendChild(h("div", { class: "toasts", role: "status", "aria-live": "polite" }));
  const card = h(
    "div",
    { class: `toast toast-${kind}` },
    h("strong", {}, kind === "error" ? "Error" : kind === "success" ? "Done" : "Info"),
    h("p", {}, message),
    h("button", { class: "icon", "aria-label": "Close message", onclick: () => card.remove() }, "×"),
  );
  region.append(card);
  if (seconds) setTimeout(() => card.remove(), seconds * 1000);
}

/** Pieces both pages use: server-rendered Markdown blocks, and `log` messages as toasts. */
import type { LogMessage } from "./client.ts";
import { h } from "./dom.ts";
import { toast } from "./toast.ts";

/** HTML the server rendered from Markdown, raw HTML in it escaped (src/gradio/markdown.ts); null when empty. */
export const markupBlock = (html: string | undefined, cls: string) =>
  html ? Object.assign(h("div", { class: `prose ${cls}` }), { innerHTML: html }) : null;

/** `gr.Info` / `gr.Warning` (a `log` message) as a toast, for its `duration` (null: until closed). */
export function showLog(m: LogMessage): void {
  if (m.visible === false) return;
  toast(m.log, m.level === "warning" ? "warning" : "info", m.duration === undefined ? 10 : m.duration, m.title);
}

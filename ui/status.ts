/** The status overlay over the outputs: queue position or "processing", elapsed time, ETA bar. */
import type { Status } from "./client.ts";
import { h } from "./dom.ts";

export function statusOverlay() {
  const text = h("span", { class: "status-text" });
  const fill = h("div", { class: "eta-fill" });
  const element = h(
    "div",
    { class: "status", hidden: true, role: "status", "aria-live": "polite" },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    text,
    h("div", { class: "eta" }, fill),
  );
  let timer: ReturnType<typeof setInterval> | undefined;
  let started = 0;
  let last: Status | undefined;
  const render = () => {
    const elapsed = (performance.now() - started) / 1000;
    const eta = last?.eta ?? null;
    const where = !last ? "starting" : last.stage === "queued" ? `queue: ${last.position}/${last.size}` : "processing";
    text.textContent = `${where} | ${elapsed.toFixed(1)}${eta ? `/${eta.toFixed(1)}` : ""}s`;
    fill.style.width = eta ? `${Math.min(100, (elapsed / eta) * 100)}%` : "0%";
  };
  return {
    element,
    start() {
      started = performance.now();
      last = undefined;
      element.hidden = false;
      render();
      timer = setInterval(render, 100);
    },
    update(status: Status) {
      last = status;
      render();
    },
    stop() {
      clearInterval(timer);
      element.hidden = true;
    },
  };
}

/**
 * The status overlay over an output: queue position or "processing", elapsed time, ETA bar,
 * and `gr.Progress` bars when the function reports them. `show_progress` "full" covers the
 * output; "minimal" shows only the text, in a corner. Once a generator yields, the overlay
 * moves to the corner so its values show as they arrive (Gradio's "generating" status), and a
 * Stop button (when the page gives one) cancels the event.
 */
import type { ProgressUnit } from "../src/gradio/protocol.ts";
import type { Status } from "./client.ts";
import { h } from "./dom.ts";

/** A bar's fraction done: `progress`, else `index / length`; null when unknown. */
const fraction = (u: ProgressUnit) => u.progress ?? (u.index !== null && u.length ? u.index / u.length : null);

export function statusOverlay(mode: "full" | "minimal" = "full") {
  const text = h("span", { class: "status-text" });
  const stopButton = h("button", { type: "button", class: "stop small", hidden: true }, "Stop");
  let onStop: (() => void) | undefined;
  stopButton.addEventListener("click", () => {
    stopButton.disabled = true;
    onStop?.();
  });
  const fill = h("div", { class: "eta-fill" });
  const bars = h("div", { class: "progress-bars" });
  const element = h(
    "div",
    { class: `status status-${mode}`, hidden: true, role: "status", "aria-live": "polite", "data-testid": "status" },
    mode === "full" ? h("span", { class: "spinner", "aria-hidden": "true" }) : null,
    text,
    mode === "full" ? h("div", { class: "eta" }, fill) : null,
    bars,
  );
  // The button is outside the live region: only the status text is announced.
  const wrapper = h("div", { class: `status-box status-${mode}`, hidden: true }, element, stopButton);
  element.hidden = false;
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
    element: wrapper,
    /** Shows the overlay; `stop` (a generator's event) adds the Stop button that cancels it. */
    start(stop?: () => void) {
      started = performance.now();
      last = undefined;
      onStop = stop;
      stopButton.hidden = !stop;
      stopButton.disabled = false;
      bars.replaceChildren();
      wrapper.classList.remove("generating");
      wrapper.hidden = false;
      render();
      timer = setInterval(render, 100);
    },
    update(status: Status) {
      last = status;
      render();
    },
    /** Shows `gr.Progress` bars: description, and a bar with its percentage (or the count). */
    progress(units: ProgressUnit[]) {
      bars.replaceChildren(
        ...units.map((u) => {
          const done = fraction(u);
          const pct = done === null ? null : Math.round(done * 100);
          const count = u.index !== null && u.length ? `${u.index}/${u.length}${u.unit ? ` ${u.unit}` : ""}` : "";
          const label = [u.desc, pct === null ? count : `${pct}%`].filter(Boolean).join(" ");
          return h(
            "div",
            { class: "progress" },
            h("span", { class: "progress-text" }, label),
            h(
              "div",
              {
                class: "bar",
                role: "progressbar",
                "aria-label": u.desc || "Progress",
                "aria-valuemin": 0,
                "aria-valuemax": 100,
                "aria-valuenow": pct ?? undefined,
              },
              h("div", { class: "fill", style: `width:${pct ?? 0}%` }),
            ),
          );
        }),
      );
    },
    /** A generator yielded: the overlay steps aside so the value shows. */
    generating() {
      wrapper.classList.add("generating");
    },
    stop() {
      clearInterval(timer);
      wrapper.hidden = true;
      onStop = undefined;
    },
  };
}

/** One output's (or the Interface outputs') status overlay. */
export type StatusOverlay = ReturnType<typeof statusOverlay>;

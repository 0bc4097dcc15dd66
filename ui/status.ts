/**
 * The status overlay over an output: queue position or "processing", elapsed time, ETA bar,
 * and `gr.Progress` bars when the function reports them. `show_progress` "full" covers the
 * output; "minimal" shows only the text, in a corner.
 */
import type { ProgressUnit } from "../src/gradio/protocol.ts";
import type { Status } from "./client.ts";
import { h } from "./dom.ts";

/** A bar's fraction done: `progress`, else `index / length`; null when unknown. */
const fraction = (u: ProgressUnit) => u.progress ?? (u.index !== null && u.length ? u.index / u.length : null);

export function statusOverlay(mode: "full" | "minimal" = "full") {
  const text = h("span", { class: "status-text" });
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
      bars.replaceChildren();
      element.hidden = false;
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
    stop() {
      clearInterval(timer);
      element.hidden = true;
    },
  };
}

/** One output's (or the Interface outputs') status overlay. */
export type StatusOverlay = ReturnType<typeof statusOverlay>;

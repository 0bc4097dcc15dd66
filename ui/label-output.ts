/**
 * The Label output: the top class as a heading, then one bar per class with its percentage.
 * When the value's out-of-domain score says the picture is unlike the training data, a warning
 * comes first and the label is shown dimmed: it is a guess.
 */
import type { LabelData } from "../src/gradio/protocol.ts";
import { h } from "./dom.ts";

/** Builds the output; `show` renders a value (or nothing). */
export function labelOutput(label: string, trainedOn?: string) {
  const body = h(
    "div",
    { class: "label-body", "data-testid": "label-output" },
    h("p", { class: "placeholder" }, "The prediction appears here."),
  );
  const element = h("div", { class: "block" }, h("span", { class: "block-label" }, label), body);
  return {
    element,
    show(value: LabelData | null) {
      if (!value || value.label === undefined) {
        body.replaceChildren(h("p", { class: "placeholder" }, "The prediction appears here."));
        return;
      }
      const rows = (value.confidences ?? []).map(({ label: name, confidence }, i) => {
        const pct = Math.round(confidence * 100); // gradio: 0.855 → 86 %
        const id = `meter-${i}-${String(name).replace(/[^\w-]/g, "-")}`;
        // Set through the CSSOM, not a style attribute, which a Content-Security-Policy without 'unsafe-inline' blocks (a static Space's host may send one).
        const fill = h("div", { class: "fill" });
        fill.style.width = `${(confidence * 100).toFixed(1)}%`;
        return h(
          "li",
          { class: i === 0 ? "top" : undefined },
          h("div", { class: "row" }, h("span", { id }, String(name)), h("span", { class: "pct" }, `${pct}%`)),
          h(
            "div",
            { class: "bar", role: "meter", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100, "aria-labelledby": id },
            fill,
          ),
        );
      });
      const warning = value.ood?.out_of_domain
        ? [
            h(
              "p",
              { class: "ood-warning", role: "status", "data-testid": "ood-warning" },
              `This picture doesn't look like what the model was trained on${trainedOn ? `: ${trainedOn}` : ""}. The label below is a guess.`,
            ),
          ]
        : [];
      body.classList.toggle("guess", warning.length > 0);
      body.replaceChildren(
        ...warning,
        h("h2", { class: "label-top", "data-testid": "label-output-value" }, String(value.label)),
        ...(rows.length ? [h("ul", { class: "bars" }, ...rows)] : []),
      );
    },
  };
}

/** Label (gradio js/label): the page's label output (heading and one meter per class). */
import type { ComponentConfig, LabelData } from "../../src/gradio/protocol.ts";
import { labelOutput } from "../label-output.ts";
import { labelText, type Widget } from "./widget.ts";

export function label(c: ComponentConfig): Widget {
  const out = labelOutput(labelText(c), typeof c.props.trained_on === "string" ? c.props.trained_on : undefined);
  let value: LabelData | null = null;
  const set = (v: unknown) => {
    value =
      v && typeof v === "object"
        ? (v as LabelData)
        : typeof v === "string" || typeof v === "number"
          ? ({ label: String(v) } as LabelData)
          : null;
    out.show(value);
  };
  set(c.props.value);
  return { element: out.element, read: () => value, peek: () => value, set };
}

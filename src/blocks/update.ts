/** Gradio's `gr.update(…)`: an event's output that changes a component's props, not just its value. */

/**
 * What {@link update} takes: Gradio's update keys, in camelCase.
 *
 * @example
 * update({ visible: false })
 */
export interface UpdateOptions {
  value?: unknown;
  visible?: boolean;
  interactive?: boolean;
  label?: string;
  /** New choices of a Radio, Dropdown or CheckboxGroup: values, or `[display, value]` pairs. */
  choices?: (string | number | [string, string | number])[];
  placeholder?: string;
  minimum?: number;
  maximum?: number;
  [prop: string]: unknown;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * An update object (`{__type__: "update", …}`): return it for an output to change that
 * component's props; its `value`, when given, is postprocessed as a plain return would be.
 *
 * @example
 * btn.click({ fn: (show: boolean) => update({ visible: show }), inputs: checkbox, outputs: details });
 */
export function update(options: UpdateOptions = {}): { __type__: "update"; [prop: string]: unknown } {
  const out: { __type__: "update"; [prop: string]: unknown } = { __type__: "update" };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    out[snake(key)] = key === "choices" && Array.isArray(value) ? value.map((c) => (Array.isArray(c) ? c : [String(c), c])) : value;
  }
  return out;
}

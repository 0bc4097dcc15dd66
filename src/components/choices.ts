/**
 * The choices of Radio, CheckboxGroup and Dropdown: Gradio takes plain values or
 * `[display, value]` pairs and keeps them as pairs (`choices` in /config is `[[display, value], …]`).
 */

/** A value a choice stands for. */
export type ChoiceValue = string | number;

/**
 * One choice as a constructor takes it: the value itself (shown as its text) or `[display, value]`.
 *
 * @example
 * const choices: Choice[] = ["cat", ["A dog", "dog"], 3];
 */
export type Choice = ChoiceValue | readonly [string, ChoiceValue];

/**
 * Choices → `[display, value]` pairs, as Gradio's constructors normalise them.
 *
 * @example
 * normalizeChoices(["cat", ["A dog", "dog"], 3]) // → [["cat", "cat"], ["A dog", "dog"], ["3", 3]]
 */
export function normalizeChoices(choices: readonly Choice[] | undefined): [string, ChoiceValue][] {
  return (choices ?? []).map((c) => {
    if (Array.isArray(c)) return [String(c[0]), c[1] as ChoiceValue];
    if (typeof c !== "string" && typeof c !== "number")
      throw new Error(`A choice must be a string, a number or [display, value], got ${JSON.stringify(c)}.`);
    return [String(c), c as ChoiceValue];
  });
}

/**
 * The choices' values, quoted for an error message.
 *
 * @example
 * listChoices([["A", "a"], ["B", 2]]) // → `"a", 2`
 */
export function listChoices(choices: readonly (readonly [string, ChoiceValue])[]): string {
  return choices.length ? choices.map(([, v]) => JSON.stringify(v)).join(", ") : "(no choices are offered)";
}

/**
 * Gradio's python_type of an enum (client utils `_json_schema_to_python_type`): each value quoted as text.
 *
 * @example
 * literalType(["a", 1]) // → "Literal['a', '1']"
 */
export function literalType(values: readonly ChoiceValue[]): string {
  return `Literal[${values.map((v) => `'${String(v)}'`).join(", ")}]`;
}

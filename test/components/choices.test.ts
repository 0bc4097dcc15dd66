/** Radio, CheckboxGroup and Dropdown against gradio's radio.py, checkboxgroup.py and dropdown.py. */
import { describe, expect, test } from "vitest";
import { CheckboxGroup, Dropdown, type InputError, Radio } from "../../src/index.ts";

function refusal(f: () => unknown): InputError {
  try {
    f();
  } catch (err) {
    return err as InputError;
  }
  throw new Error("expected a refusal");
}

describe("choices as Gradio keeps them", () => {
  test("plain values and [display, value] pairs become [display, value] pairs in /config", () => {
    const r = new Radio({ choices: ["park", ["The zoo", "zoo"], 3], value: "zoo", label: "Location" });
    expect(r.props()).toMatchObject({
      choices: [
        ["park", "park"],
        ["The zoo", "zoo"],
        ["3", 3],
      ],
      type: "value",
      value: "zoo",
      label: "Location",
    });
  });
});

describe("Radio", () => {
  const r = new Radio({ choices: ["ran", "swam", ["ate", "eat"]], label: "Activity" });
  test("value or index; a value not offered is a 422 naming the choices", () => {
    expect(r.preprocess("swam")).toBe("swam");
    expect(new Radio({ choices: ["a", "b"], type: "index" }).preprocess("b")).toBe(1);
    expect(r.preprocess(null)).toBeNull();
    expect(refusal(() => r.preprocess("ate"))).toMatchObject({
      status: 422,
      message: 'Radio "Activity": expected one of "ran", "swam", "eat", got the string "ate".',
    });
    expect(refusal(() => new Radio({ choices: [1, 2] }).preprocess("1")).message).toBe('Radio: expected one of 1, 2, got the string "1".');
  });
  test("api_info, python_type and events as Gradio's", () => {
    expect(r.apiInfo()).toEqual({ enum: ["ran", "swam", "eat"], title: "Radio", type: "string" });
    expect(r.pythonType()).toEqual({ type: "Literal['ran', 'swam', 'eat']", description: "" });
    expect(r.exampleInput()).toBe("ran");
    expect(Radio.events).toEqual(["select", "change", "input"]);
    expect(() => new Radio({ type: "label" as "value" })).toThrow('type must be "value" or "index", got "label".');
  });
});

describe("CheckboxGroup", () => {
  const g = new CheckboxGroup({ choices: ["USA", "Japan", "Pakistan"], label: "Countries" });
  test("a list of offered values, or their indexes; anything else is a 422", () => {
    expect(g.preprocess(["Japan", "USA"])).toEqual(["Japan", "USA"]);
    expect(new CheckboxGroup({ choices: ["a", "b", "c"], type: "index" }).preprocess(["c", "a"])).toEqual([2, 0]);
    expect(g.preprocess(null)).toEqual([]);
    expect(refusal(() => g.preprocess(["Japan", "Peru"])).message).toBe(
      'CheckboxGroup "Countries": expected a list of values from "USA", "Japan", "Pakistan", got the string "Peru".',
    );
    expect(refusal(() => g.preprocess("Japan")).status).toBe(422);
  });
  test("postprocess wraps one value; shapes as Gradio's", () => {
    expect(g.postprocess("USA")).toEqual(["USA"]);
    expect(g.postprocess(null)).toEqual([]);
    expect(g.props().value).toEqual([]);
    expect(g.apiInfo()).toEqual({ items: { enum: ["USA", "Japan", "Pakistan"], type: "string" }, title: "Checkbox Group", type: "array" });
    expect(g.pythonType().type).toBe("list[Literal['USA', 'Japan', 'Pakistan']]");
    expect(g.componentName).toBe("CheckboxGroup");
    expect(g.exampleInput()).toEqual(["USA"]);
  });
});

describe("Dropdown", () => {
  test("the first choice is the default value, [] with multiselect, and an explicit null stays null", () => {
    expect(new Dropdown({ choices: ["a", "b"] }).props().value).toBe("a");
    expect(new Dropdown({ choices: ["a", "b"], multiselect: true }).props().value).toEqual([]);
    expect(new Dropdown({ choices: ["a", "b"], value: null }).props().value).toBeNull();
    expect(new Dropdown({ choices: ["a", "b"], multiselect: true, value: "b" }).props().value).toEqual(["b"]);
  });
  test("a choice not offered, a list without multiselect, or too many choices is a 422", () => {
    const d = new Dropdown({ choices: ["cat", "dog", "bird"], label: "Animal" });
    expect(d.preprocess("dog")).toBe("dog");
    expect(refusal(() => d.preprocess("cow")).message).toBe(
      'Dropdown "Animal": expected one of "cat", "dog", "bird", got the string "cow".',
    );
    expect(refusal(() => d.preprocess(["cat"])).message).toBe(
      'Dropdown "Animal": expected one value (multiselect is off), one of "cat", "dog", "bird", got a list of 1 item.',
    );
    const m = new Dropdown({ choices: ["cat", "dog", "bird"], multiselect: true, maxChoices: 2 });
    expect(m.preprocess(["bird", "cat"])).toEqual(["bird", "cat"]);
    expect(refusal(() => m.preprocess(["cat", "dog", "bird"]))).toMatchObject({
      status: 422,
      message: "Dropdown: expected at most 2 choices, got a list of 3 items.",
    });
  });
  test("allowCustomValue takes typed values; with type index they are null", () => {
    const d = new Dropdown({ choices: ["a", "b"], allowCustomValue: true, type: "index", multiselect: true });
    expect(d.preprocess(["b", "zzz"])).toEqual([1, null]);
    expect(new Dropdown({ choices: ["a"], allowCustomValue: true }).preprocess("typed")).toBe("typed");
    expect(refusal(() => new Dropdown({ choices: ["a"], allowCustomValue: true }).preprocess({ x: 1 })).message).toBe(
      "Dropdown: expected a string or a number, got an object with keys x.",
    );
  });
  test("props, api_info and events as Gradio's", () => {
    const d = new Dropdown({ choices: [["Cat", "cat"]], multiselect: true, allowCustomValue: true, maxChoices: 3 });
    expect(d.props()).toMatchObject({
      choices: [["Cat", "cat"]],
      multiselect: true,
      allow_custom_value: true,
      max_choices: 3,
      filterable: true,
      type: "value",
    });
    expect(d.apiInfo()).toEqual({ type: "array", items: { type: "string", enum: ["cat"] } });
    expect(new Dropdown({ choices: ["x"] }).apiInfo()).toEqual({ type: "string", enum: ["x"] });
    expect(d.pythonType().type).toBe("list[Literal['cat']]");
    expect(Dropdown.events).toEqual(["change", "input", "select", "focus", "blur", "key_up"]);
    expect(new Dropdown({ choices: ["x"], maxChoices: 2 }).props()).not.toHaveProperty("max_choices"); // ignored without multiselect, as Gradio
  });
});

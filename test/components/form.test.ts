/** Textbox, Number, Slider, Checkbox and Button against gradio's components (textbox.py, number.py, slider.py, checkbox.py, button.py). */
import { describe, expect, test } from "vitest";
import { Button, Checkbox, type InputError, Number as NumberInput, Slider, Textbox } from "../../src/index.ts";
import { roundTo } from "../../src/components/number.ts";

function refusal(f: () => unknown): InputError {
  try {
    f();
  } catch (err) {
    return err as InputError;
  }
  throw new Error("expected a refusal");
}

describe("Textbox", () => {
  test("options become Gradio's props; password and email are one line", () => {
    const t = new Textbox({
      label: "Story",
      lines: 5,
      maxLines: 10,
      placeholder: "Once upon a time…",
      elemId: "story",
      elemClasses: "big",
      scale: 2,
    });
    expect(t.props()).toMatchObject({
      label: "Story",
      lines: 5,
      max_lines: 10,
      placeholder: "Once upon a time…",
      type: "text",
      elem_id: "story",
      elem_classes: ["big"],
      scale: 2,
      min_width: 160,
      visible: true,
      container: true,
      value: null,
    });
    expect(new Textbox({ type: "password", lines: 3 }).props()).toMatchObject({ type: "password", lines: 1, max_lines: 1 });
    expect(new Textbox("Ada").props().value).toBe("Ada");
    expect(() => new Textbox({ type: "url" as "text" })).toThrow('Textbox type must be "text", "password" or "email", got "url".');
    expect(Textbox.events).toEqual(["change", "input", "select", "submit", "focus", "blur", "stop", "copy"]);
  });
  test("maxLength is enforced on the server, with the component named", () => {
    const t = new Textbox({ label: "Code", maxLength: 4 });
    expect(t.preprocess("abcd")).toBe("abcd");
    expect(refusal(() => t.preprocess("abcde"))).toMatchObject({
      status: 422,
      message: 'Textbox "Code": expected at most 4 characters, got 5.',
    });
  });
});

describe("Number", () => {
  test("minimum and maximum are enforced; the message names the range", () => {
    const n = new NumberInput({ label: "Age", minimum: 0, maximum: 130 });
    expect(n.preprocess(42)).toBe(42);
    expect(refusal(() => n.preprocess(-1))).toMatchObject({
      status: 422,
      message: 'Number "Age": expected a number from 0 to 130, got a number (-1).',
    });
    expect(refusal(() => n.preprocess(131)).message).toBe('Number "Age": expected a number from 0 to 130, got a number (131).');
    expect(refusal(() => new NumberInput({ minimum: 5 }).preprocess(true)).message).toBe(
      "Number: expected a number ≥ 5, got a boolean (true).",
    );
  });
  test("precision rounds in and out as Python's round (halves to even); 0 is an integer schema", () => {
    const whole = new NumberInput({ precision: 0 });
    expect([whole.preprocess(2.5), whole.preprocess(3.5), whole.postprocess(2.4)]).toEqual([2, 4, 2]);
    expect(new NumberInput({ precision: 2 }).postprocess(1.2345)).toBe(1.23);
    expect(roundTo(0.125, 2)).toBe(0.12);
    expect(whole.apiInfo()).toEqual({ type: "integer" });
    expect(whole.pythonType()).toEqual({ type: "int", description: "" });
    expect(new NumberInput().apiInfo()).toEqual({ type: "number" });
    expect(new NumberInput({ minimum: 7, precision: 0 }).exampleInput()).toBe(7);
  });
  test("props", () => {
    expect(new NumberInput({ value: 3, minimum: 1, maximum: 9, step: 2 }).props()).toMatchObject({
      value: 3,
      minimum: 1,
      maximum: 9,
      step: 2,
    });
    expect(NumberInput.events).toEqual(["change", "input", "submit", "focus", "blur"]);
  });
});

describe("Slider", () => {
  test("Gradio's default step, range and value", () => {
    expect(new Slider().props()).toMatchObject({ minimum: 0, maximum: 100, step: 1, value: 0 });
    expect(new Slider({ minimum: 0, maximum: 1 }).step).toBe(0.01);
    expect(new Slider({ minimum: 2, maximum: 20, value: 4 }).props().value).toBe(4);
    expect(new Slider({ minimum: 0, maximum: 10 }).apiInfo()).toEqual({ type: "number", description: "numeric value between 0 and 10" });
    expect(Slider.events).toEqual(["change", "input", "release"]);
  });
  test("out of range or not a number is a 422", () => {
    const s = new Slider({ minimum: 2, maximum: 20, label: "Count" });
    expect(s.preprocess(2)).toBe(2);
    expect(s.preprocess("7.5")).toBe(7.5);
    expect(refusal(() => s.preprocess(21))).toMatchObject({
      status: 422,
      message: 'Slider "Count": expected a number from 2 to 20, got a number (21).',
    });
    expect(refusal(() => s.preprocess(null)).message).toBe('Slider "Count": expected a number from 2 to 20, got null.');
  });
  test("randomize draws a step inside the range", () => {
    for (let i = 0; i < 20; i++) {
      const v = new Slider({ minimum: 1, maximum: 2, step: 0.25, randomize: true }).props().value as number;
      expect([1, 1.25, 1.5, 1.75, 2]).toContain(v);
    }
  });
});

describe("Checkbox", () => {
  test("booleans only; null is unchecked", () => {
    const c = new Checkbox({ label: "Morning" });
    expect([c.preprocess(true), c.preprocess(false), c.preprocess(null)]).toEqual([true, false, false]);
    expect(refusal(() => c.preprocess("yes"))).toMatchObject({
      status: 422,
      message: 'Checkbox "Morning": expected true or false, got the string "yes".',
    });
    expect(c.postprocess(1)).toBe(true);
    expect([c.apiInfo(), c.pythonType(), c.exampleInput(), c.props().value]).toEqual([
      { type: "boolean" },
      { type: "bool", description: "" },
      true,
      false,
    ]);
  });
});

describe("Button", () => {
  test("positional text or options; skip_api; Gradio's defaults", () => {
    const b = new Button("Greet");
    expect(b.props()).toMatchObject({ value: "Greet", variant: "secondary", size: "lg", interactive: true, visible: true });
    expect(b.props()).not.toHaveProperty("min_width");
    expect(new Button().props().value).toBe("Run");
    expect(new Button({ value: "Go", variant: "primary", link: "https://example.com" }).props()).toMatchObject({
      variant: "primary",
      link: "https://example.com",
    });
    expect(b.skipApi).toBe(true);
    expect(Button.events).toEqual(["click"]);
    expect(() => new Button({ variant: "loud" as "primary" })).toThrow(/variant must be one of/);
    expect(b.postprocess("Stop")).toBe("Stop");
  });
});

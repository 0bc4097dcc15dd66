/** Dataframe against gradio's dataframe.py: DataframeData in and out, rows or records instead of pandas. */
import { describe, expect, test } from "vitest";
import { Dataframe, type InputError } from "../../src/index.ts";

function refusal(f: () => unknown): InputError {
  try {
    f();
  } catch (err) {
    return err as InputError;
  }
  throw new Error("expected a refusal");
}

describe("Dataframe", () => {
  const table = {
    headers: ["name", "age"],
    data: [
      ["Ada", 36],
      ["Alan", "41"],
    ],
    metadata: null,
  };

  test("rows or records; numbers may arrive as text, as the page's cells do", () => {
    const rows = new Dataframe({ headers: ["name", "age"], datatype: ["str", "number"] });
    expect(rows.preprocess(table)).toEqual([
      ["Ada", 36],
      ["Alan", 41],
    ]);
    expect(new Dataframe({ datatype: ["str", "number"], type: "objects" }).preprocess(table)).toEqual([
      { name: "Ada", age: 36 },
      { name: "Alan", age: 41 },
    ]);
    expect(rows.preprocess({ headers: ["name", "age"], data: [[]] })).toEqual([]); // Gradio's empty table
  });

  test("bad tables are 422s naming the component and what was expected", () => {
    const d = new Dataframe({ label: "Scores", headers: ["a", "b"], datatype: "number", rowCount: [2, "fixed"], colCount: [2, "fixed"] });
    expect(refusal(() => d.preprocess([[1, 2]]))).toMatchObject({
      status: 422,
      message: 'Dataframe "Scores": expected a table {headers: [...], data: [[...], ...]}, got a list of 1 item.',
    });
    expect(refusal(() => d.preprocess({ headers: ["a", "b"], data: [[1, 2]] })).message).toBe(
      'Dataframe "Scores": expected 2 rows (the count is fixed), got 1.',
    );
    expect(refusal(() => d.preprocess({ headers: ["a"], data: [[1], [2]] })).message).toBe(
      'Dataframe "Scores": expected 2 columns (the count is fixed), got 1.',
    );
    expect(refusal(() => d.preprocess({ headers: ["a", "b"], data: [[1, 2], [3]] })).message).toBe(
      'Dataframe "Scores": expected rows of 2 cells (one per header), row 2 has 1.',
    );
    expect(
      refusal(() =>
        d.preprocess({
          headers: ["a", "b"],
          data: [
            [1, 2],
            [3, "x"],
          ],
        }),
      ).message,
    ).toBe('Dataframe "Scores": expected a number in row 2, column 2, got the string "x".');
    expect(refusal(() => new Dataframe({ datatype: "bool" }).preprocess({ headers: ["1"], data: [["yes"]] })).message).toBe(
      'Dataframe: expected true or false in row 1, column 1, got the string "yes".',
    );
  });

  test("postprocess: rows (headers fitted as Gradio), records, {data, headers}, and null as the empty table", () => {
    const d = new Dataframe({ headers: ["x", "y"] });
    expect(d.postprocess([[1, 2, 3]])).toEqual({ headers: ["x", "y", "3"], data: [[1, 2, 3]], metadata: null });
    expect(d.postprocess([[1]])).toEqual({ headers: ["x"], data: [[1]], metadata: null });
    expect(d.postprocess([{ a: 1 }, { a: 2, b: 3 }])).toEqual({
      headers: ["a", "b"],
      data: [
        [1, null],
        [2, 3],
      ],
      metadata: null,
    });
    expect(d.postprocess({ data: [[5]], headers: ["n"] })).toEqual({ headers: ["n"], data: [[5]], metadata: null });
    expect(d.postprocess([])).toEqual({ headers: ["x", "y"], data: [[]], metadata: null });
    expect(new Dataframe({ headers: ["n", "ok"], datatype: ["number", "bool"], rowCount: 2 }).postprocess(null)).toEqual({
      headers: ["n", "ok"],
      data: [
        [0, false],
        [0, false],
      ],
      metadata: null,
    });
    expect(() => d.postprocess("a,b")).toThrow(
      'Dataframe output must be rows (arrays), records (objects) or {data, headers}; fn returned the string "a,b".',
    );
  });

  test("props, api_info and python_type as Gradio's", () => {
    const d = new Dataframe({ headers: ["a", "b"], datatype: ["str", "number"], rowCount: [3, "fixed"], value: [["p", 1]] });
    expect(d.props()).toMatchObject({
      headers: ["a", "b"],
      datatype: ["str", "number"],
      row_count: [3, "fixed"],
      col_count: [2, "dynamic"],
      value: { headers: ["a", "b"], data: [["p", 1]], metadata: null },
    });
    expect(new Dataframe().props()).toMatchObject({ headers: ["1", "2", "3"], row_count: [1, "dynamic"], col_count: [3, "dynamic"] });
    expect(d.apiInfo()).toMatchObject({ title: "DataframeData", required: ["headers", "data"], type: "object" });
    expect(d.pythonType().type).toBe("dict(headers: list[Any], data: list[list[Any]], metadata: dict(str, list[Any] | None) | None)");
    expect(d.exampleInput()).toEqual({ headers: ["a", "b"], data: [["foo", "bar"]] });
    expect(Dataframe.events).toEqual(["change", "input", "select", "edit"]);
    expect(() => new Dataframe({ headers: ["a"], colCount: [2, "fixed"] })).toThrow("Dataframe has 1 headers but colCount is fixed at 2.");
  });
});

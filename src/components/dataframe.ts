/** The Dataframe: a table in or out (gradio components/dataframe.py), as arrays or records instead of pandas. */
import { describeValue } from "../errors.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";

/** A column's kind of value, as Gradio names them. */
export type Datatype = "str" | "number" | "bool" | "date" | "markdown" | "html" | "image";

/** A row or column count: a number (the user may add more) or `[n, "fixed" | "dynamic"]`. */
export type Count = number | readonly [number, "fixed" | "dynamic"];

/**
 * The Dataframe's wire value (gradio DataframeData).
 *
 * @example
 * const table: DataframeData = { headers: ["name", "age"], data: [["Ada", 36]], metadata: null };
 */
export interface DataframeData {
  headers: (string | number)[];
  data: unknown[][];
  metadata?: Record<string, unknown[] | null> | null;
}

/** A table as `fn` may return it: rows, records, DataframeData, or `{data, headers?}`. */
export type DataframeValue = unknown[][] | Record<string, unknown>[] | Partial<DataframeData>;

/**
 * Options of {@link Dataframe}.
 *
 * @example
 * new Dataframe({ headers: ["name", "age"], datatype: ["str", "number"], rowCount: [2, "fixed"], type: "objects" })
 */
export interface DataframeOptions extends BaseOptions<DataframeValue | null> {
  headers?: string[];
  /** One datatype for every column, or one per column (default "str"). */
  datatype?: Datatype | Datatype[];
  /** Rows shown; `[n, "fixed"]` also makes a table with another number of rows a 422 (default `[1, "dynamic"]`). */
  rowCount?: Count;
  /** Columns shown; `[n, "fixed"]` also makes a table with another number of columns a 422 (default: the headers', else 3). */
  colCount?: Count;
  /** What `fn` gets: `"array"` (rows, default) or `"objects"` (one record per row, keyed by header). Gradio's pandas/numpy/polars have no TypeScript equivalent. */
  type?: "array" | "objects";
  wrap?: boolean;
  lineBreaks?: boolean;
  columnWidths?: (string | number)[];
  maxHeight?: number | string;
}

const DATATYPES: Datatype[] = ["str", "number", "bool", "date", "markdown", "html", "image"];
const EMPTY_CELL: Record<Datatype, unknown> = { str: "", number: 0, bool: false, date: "01/01/1970", markdown: "", html: "", image: "" };

function toCount(count: Count | undefined, fallback: number, what: string): [number, "fixed" | "dynamic"] {
  const [n, mode] = count === undefined ? [fallback, "dynamic" as const] : typeof count === "number" ? [count, "dynamic" as const] : count;
  if (!(Number.isInteger(n) && n >= 0) || (mode !== "fixed" && mode !== "dynamic")) {
    throw new Error(`Dataframe ${what} must be a whole number ≥ 0 or [n, "fixed" | "dynamic"], got ${JSON.stringify(count)}.`);
  }
  return [n, mode];
}

/**
 * A table. As an input, `fn` gets its rows (`type: "array"`) or records (`type: "objects"`); a
 * payload that is not `{headers, data}`, rows of the wrong length, a fixed row or column count
 * not met, or a cell that does not fit its column's datatype (a number column holding text) is
 * a 422. As an output, `fn` returns rows, records, or `{data, headers?}`.
 *
 * @example
 * new Dataframe({ headers: ["a", "b"], datatype: "number", colCount: [2, "fixed"] })
 */
export class Dataframe extends BaseComponent<unknown[][] | Record<string, unknown>[], DataframeValue | null> {
  static override readonly events = ["change", "input", "select", "edit"] as const;
  readonly type = "dataframe";
  readonly headers: string[];
  readonly datatype: Datatype | Datatype[];
  readonly rowCount: [number, "fixed" | "dynamic"];
  readonly colCount: [number, "fixed" | "dynamic"];
  readonly returns: "array" | "objects";
  private readonly extra: Record<string, unknown>;

  constructor(options: DataframeOptions = {}) {
    super(options);
    this.rowCount = toCount(options.rowCount, 1, "rowCount");
    this.colCount = toCount(options.colCount, options.headers?.length || 3, "colCount");
    if (options.headers && this.colCount[1] === "fixed" && options.headers.length !== this.colCount[0]) {
      throw new Error(`Dataframe has ${options.headers.length} headers but colCount is fixed at ${this.colCount[0]}.`);
    }
    this.headers = options.headers ?? Array.from({ length: this.colCount[0] }, (_, i) => String(i + 1));
    this.datatype = options.datatype ?? "str";
    for (const d of Array.isArray(this.datatype) ? this.datatype : [this.datatype]) {
      if (!DATATYPES.includes(d)) throw new Error(`Dataframe datatype must be one of ${DATATYPES.join(", ")}, got ${JSON.stringify(d)}.`);
    }
    const type = options.type ?? "array";
    if (type !== "array" && type !== "objects")
      throw new Error(`Dataframe type must be "array" or "objects", got ${JSON.stringify(type)}.`);
    this.returns = type;
    this.extra = {
      wrap: options.wrap ?? false,
      line_breaks: options.lineBreaks ?? true,
      column_widths: (options.columnWidths ?? []).map((w) => (typeof w === "number" ? `${w}px` : w)),
      max_height: options.maxHeight ?? 500,
      latex_delimiters: [{ left: "$$", right: "$$", display: true }],
    };
  }

  private columnType(i: number): Datatype {
    return Array.isArray(this.datatype) ? (this.datatype[i] ?? "str") : this.datatype;
  }

  preprocess(payload: unknown): unknown[][] | Record<string, unknown>[] {
    const expected = "a table {headers: [...], data: [[...], ...]}";
    if (payload === null || payload === undefined) return [];
    if (typeof payload !== "object" || Array.isArray(payload)) throw this.invalid(expected, payload);
    const { headers, data } = payload as Partial<DataframeData>;
    if (!Array.isArray(headers) || !Array.isArray(data) || !data.every(Array.isArray)) throw this.invalid(expected, payload);
    const rows = data.length === 1 && (data[0] as unknown[]).length === 0 ? [] : (data as unknown[][]); // Gradio's empty table is [[]]
    const width = headers.length;
    if (this.colCount[1] === "fixed" && width !== this.colCount[0]) {
      throw this.refuse(`expected ${this.colCount[0]} columns (the count is fixed), got ${width}`);
    }
    if (this.rowCount[1] === "fixed" && rows.length !== this.rowCount[0]) {
      throw this.refuse(`expected ${this.rowCount[0]} rows (the count is fixed), got ${rows.length}`);
    }
    const cells = rows.map((row, r) => {
      if (row.length !== width) throw this.refuse(`expected rows of ${width} cells (one per header), row ${r + 1} has ${row.length}`);
      return row.map((cell, c) => this.cell(cell, c, r));
    });
    if (this.returns === "array") return cells;
    return cells.map((row) => Object.fromEntries(row.map((cell, c) => [String(headers[c]), cell])));
  }

  /** One cell checked against its column's datatype; numbers may arrive as numeric text. */
  private cell(value: unknown, c: number, r: number): unknown {
    const type = this.columnType(c);
    const where = `row ${r + 1}, column ${c + 1}`;
    if (value === null || value === undefined) return null;
    if (type === "number") {
      if (value === "") return null;
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || Number.isNaN(n)) throw this.refuse(`expected a number in ${where}, got ${describeValue(value)}`);
      return n;
    }
    if (type === "bool") {
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      throw this.refuse(`expected true or false in ${where}, got ${describeValue(value)}`);
    }
    if (typeof value === "object") throw this.refuse(`expected text in ${where}, got ${describeValue(value)}`);
    return value;
  }

  postprocess(value: unknown): DataframeData {
    if (value === null || value === undefined) {
      const data = Array.from({ length: this.rowCount[0] }, () => this.headers.map((_, c) => EMPTY_CELL[this.columnType(c)]));
      return { headers: this.headers, data: data.length ? data : [[]], metadata: null };
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return { headers: this.headers, data: [[]], metadata: null };
      if (value.every(Array.isArray))
        return { headers: this.fitHeaders((value[0] as unknown[]).length), data: value as unknown[][], metadata: null };
      if (value.every((v) => typeof v === "object" && v !== null && !Array.isArray(v))) {
        // Records: the columns are their keys, in first-seen order (as pandas.DataFrame(records)).
        const keys = [...new Set(value.flatMap((v) => Object.keys(v as object)))];
        return { headers: keys, data: value.map((v) => keys.map((k) => (v as Record<string, unknown>)[k] ?? null)), metadata: null };
      }
    } else if (typeof value === "object") {
      const v = value as Partial<DataframeData>;
      if (Object.keys(v).length === 0) return { headers: this.headers, data: [[]], metadata: null };
      if (v.data === undefined || Array.isArray(v.data)) {
        return { headers: v.headers ?? [], data: v.data ?? [[]], metadata: v.metadata ?? null };
      }
    }
    throw new Error(
      `${this.displayName} output must be rows (arrays), records (objects) or {data, headers}; fn returned ${describeValue(value)}.`,
    );
  }

  /** Gradio pads headers with "4", "5", … for extra columns, or cuts them for fewer. */
  private fitHeaders(width: number): string[] {
    if (this.headers.length >= width) return this.headers.slice(0, width);
    return [...this.headers, ...Array.from({ length: width - this.headers.length }, (_, i) => String(this.headers.length + i + 1))];
  }

  apiInfo(): Record<string, unknown> {
    return {
      properties: {
        headers: { items: {}, title: "Headers", type: "array" },
        data: { items: { items: {}, type: "array" }, title: "Data", type: "array" },
        metadata: {
          anyOf: [{ additionalProperties: { anyOf: [{ items: {}, type: "array" }, { type: "null" }] }, type: "object" }, { type: "null" }],
          default: null,
          title: "Metadata",
        },
      },
      required: ["headers", "data"],
      title: "DataframeData",
      type: "object",
    };
  }

  pythonType() {
    return { type: "dict(headers: list[Any], data: list[list[Any]], metadata: dict(str, list[Any] | None) | None)", description: "" };
  }

  exampleInput(): unknown {
    return { headers: ["a", "b"], data: [["foo", "bar"]] };
  }

  protected override ownProps(): Record<string, unknown> {
    return {
      headers: this.headers,
      datatype: this.datatype,
      row_count: this.rowCount,
      col_count: this.colCount,
      type: this.returns,
      ...this.extra,
    };
  }
}

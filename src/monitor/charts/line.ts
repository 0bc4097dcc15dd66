/**
 * A line per series over the columns, for rates and latencies. A column without data (no
 * requests) breaks the line instead of drawing it down to zero: "nothing measured" is not
 * "0 ms" or "0 % out of domain". A point with no neighbour gets a dot so it is not lost.
 */
import type { Columns } from "./columns.ts";
import { linear, niceTicks, px } from "./scale.ts";
import { emptyChart, plot, svgOpen, timeAxis, yAxis, type Frame } from "./svg.ts";

/** One line: its values per column (null: not measured) and its colour class. */
export interface Series {
  values: (number | null)[];
  cls: string;
  /** Fill the area under the line (for a single rate, where the area reads as "how much"). */
  area?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  frame?: Frame;
  series: Series[];
  /**
   * A dashed horizontal line, e.g. the reference rate. Named in the legend, not on the chart:
   * a label on the line would sit on the data exactly where it crosses the line.
   */
  reference?: { value: number };
  format: (v: number) => string;
  /** The smallest top of the y axis, so a flat 0.3 % does not fill the whole chart. */
  minMax?: number;
  summary: string;
  emptyMessage: string;
  testId: string;
}

export const HALF: Frame = { width: 480, height: 240, left: 52, right: 14, top: 12, bottom: 28 };

/**
 * @example
 * lineChart({ series: [{ values: [0.02, null, 0.4], cls: "s-ood", area: true }], format: percent, summary: "…", emptyMessage: "No requests yet", testId: "ood" }, cols)
 */
export function lineChart(o: LineChartOptions, cols: Columns): string {
  const f = o.frame ?? HALF;
  const values = o.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (!values.length) return emptyChart(f, o.emptyMessage, o.testId);
  const { x0, x1, y0, y1 } = plot(f);
  const ticks = niceTicks(Math.max(o.minMax ?? 0, ...values, o.reference?.value ?? 0) * 1.05, 4);
  const y = linear(0, ticks[ticks.length - 1]!, y1, y0);
  const cw = (x1 - x0) / cols.columns.length;
  const x = (i: number) => x0 + (i + 0.5) * cw;
  const lines = o.series.map((s) => {
    const runs: [number, number][][] = [];
    let run: [number, number][] = [];
    s.values.forEach((v, i) => {
      if (v === null) {
        if (run.length) runs.push(run);
        run = [];
      } else run.push([x(i), y(v)]);
    });
    if (run.length) runs.push(run);
    const d = runs.map((r) => `M${r.map(([a, b]) => `${px(a)} ${px(b)}`).join("L")}`).join("");
    const area = s.area
      ? `<path class="area ${s.cls}" d="${runs.map((r) => `M${px(r[0]![0])} ${y1}L${r.map(([a, b]) => `${px(a)} ${px(b)}`).join("L")}L${px(r[r.length - 1]![0])} ${y1}z`).join("")}"/>`
      : "";
    const dots = runs
      .filter((r) => r.length === 1)
      .map((r) => `<circle class="dot ${s.cls}" cx="${px(r[0]![0])}" cy="${px(r[0]![1])}" r="2.5"/>`)
      .join("");
    return `${area}<path class="line ${s.cls}" d="${d}"/>${dots}`;
  });
  let ref = "";
  if (o.reference) {
    const yr = px(y(o.reference.value));
    ref = `<path class="ref-line" d="M${x0} ${yr}H${x1}"/>`;
  }
  return [svgOpen(f, o.summary, o.testId), yAxis(f, ticks, o.format), lines.join(""), ref, timeAxis(f, cols.from, cols.to), "</svg>"].join(
    "",
  );
}

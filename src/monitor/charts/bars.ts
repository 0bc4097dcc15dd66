/**
 * Bar charts: the confidence histogram (the period's bars beside the reference's, bin by bin),
 * requests per column with their errors stacked on top, and the per-revision summary (small
 * bars with their numbers printed on them, so a rollout reads at a glance and exactly).
 */
import { escapeHtml } from "../../html.ts";
import type { Columns } from "./columns.ts";
import { HALF } from "./line.ts";
import { clock, count, linear, ms, niceTicks, percent, px } from "./scale.ts";
import { emptyChart, plot, svgOpen, timeAxis, yAxis, type Frame } from "./svg.ts";

/**
 * Shares per confidence bin, the period's (`s-period`) beside the reference's (`s-ref`).
 *
 * @example
 * histogramChart([0, 0.1, …, 1], [0.01, …], [0, …], "…", "No requests yet")
 */
export function histogramChart(
  edges: number[],
  period: number[],
  reference: number[] | null,
  summary: string,
  emptyMessage: string,
): string {
  const f = HALF;
  if (!period.some((v) => v > 0) || edges.length < 2) return emptyChart(f, emptyMessage, "confidence");
  const { x0, x1, y1 } = plot(f);
  const ticks = niceTicks(Math.max(...period, ...(reference ?? [])) * 1.05, 4);
  const y = linear(0, ticks[ticks.length - 1]!, y1, f.top);
  const x = linear(edges[0]!, edges[edges.length - 1]!, x0, x1);
  const bars: string[] = [];
  for (let b = 0; b < edges.length - 1; b++) {
    const left = x(edges[b]!);
    const w = x(edges[b + 1]!) - left;
    const pair = reference
      ? ([
          ["s-period", period[b] ?? 0],
          ["s-ref", reference[b] ?? 0],
        ] as const)
      : ([["s-period", period[b] ?? 0]] as const);
    const bw = (w * 0.8) / pair.length;
    pair.forEach(([cls, v], k) => {
      const top = y(v);
      bars.push(
        `<rect class="${cls}" x="${px(left + w * 0.1 + k * bw)}" y="${px(top)}" width="${px(bw)}" height="${px(y1 - top)}"><title>${edges[b]!.toFixed(1)}–${edges[b + 1]!.toFixed(1)}: ${cls === "s-ref" ? "reference" : "this period"} ${percent(v)}</title></rect>`,
      );
    });
  }
  const labels = edges.map(
    (e, i) =>
      `<text x="${px(x(e))}" y="${y1 + 17}" text-anchor="${i === 0 ? "start" : i === edges.length - 1 ? "end" : "middle"}">${e.toFixed(1)}</text>`,
  );
  return [
    svgOpen(f, summary, "confidence"),
    yAxis(f, ticks, (v) => `${Math.round(v * 100)}%`),
    bars.join(""),
    `<path class="tick" d="M${x0} ${y1}H${x1}"/><g class="axis">${labels.join("")}</g>`,
    "</svg>",
  ].join("");
}

/**
 * Requests per column: the successful part in `s-ok`, the errors stacked on top in `s-error`.
 *
 * @example
 * requestsChart(columnsOf(snapshot), "…", "No requests yet")
 */
export function requestsChart(cols: Columns, summary: string, emptyMessage: string): string {
  const f = HALF;
  if (cols.empty) return emptyChart(f, emptyMessage, "requests");
  const { x0, x1, y0, y1 } = plot(f);
  const ticks = niceTicks(Math.max(...cols.columns.map((c) => c.requests)), 4);
  const y = linear(0, ticks[ticks.length - 1]!, y1, y0);
  const cw = (x1 - x0) / cols.columns.length;
  const bw = Math.max(1, cw * 0.8);
  const ok: string[] = [];
  const err: string[] = [];
  const hits: string[] = [];
  cols.columns.forEach((c, i) => {
    if (!c.requests) return;
    const x = px(x0 + i * cw + (cw - bw) / 2);
    const yOk = y(c.requests - c.errors);
    if (c.requests > c.errors) ok.push(`M${x} ${px(yOk)}h${px(bw)}V${y1}h-${px(bw)}z`);
    if (c.errors) err.push(`M${x} ${px(y(c.requests))}h${px(bw)}V${px(yOk)}h-${px(bw)}z`);
    hits.push(
      `<rect x="${px(x0 + i * cw)}" y="${y0}" width="${px(cw)}" height="${y1 - y0}"><title>${clock(c.start)}–${clock(c.end)} UTC · ${c.requests} requests, ${c.errors} errors</title></rect>`,
    );
  });
  return [
    svgOpen(f, summary, "requests"),
    yAxis(f, ticks, count),
    `<path class="s-ok" d="${ok.join("")}"/><path class="s-error" d="${err.join("")}"/>`,
    timeAxis(f, cols.from, cols.to),
    `<g class="hit">${hits.join("")}</g>`,
    "</svg>",
  ].join("");
}

/** One revision's row in {@link revisionsChart}. */
export interface RevisionRow {
  revision: string;
  requests: number;
  errors: number;
  p99: number | null;
}

/**
 * One row per revision, three small bars each: requests (against the busiest revision), error
 * rate (against the worst) and p99 latency (against the slowest), each with its number.
 *
 * @example
 * revisionsChart([{ revision: "3f9c2ab", requests: 1529, errors: 14, p99: 151 }], "…", "No requests yet")
 */
export function revisionsChart(rows: RevisionRow[], summary: string, emptyMessage: string): string {
  const rowH = 30;
  const f: Frame = { width: 1000, height: 30 + rows.length * rowH, left: 150, right: 10, top: 26, bottom: 4 };
  if (!rows.length) return emptyChart({ ...f, height: 90, top: 10, left: 10 }, emptyMessage, "revisions");
  const cols = [
    { title: "Requests", value: (r: RevisionRow) => r.requests, text: (r: RevisionRow) => count(r.requests), cls: "s-ok" },
    {
      title: "Error rate",
      value: (r: RevisionRow) => (r.requests ? r.errors / r.requests : 0),
      text: (r: RevisionRow) => `${r.requests ? percent(r.errors / r.requests) : "–"} (${r.errors})`,
      cls: "s-error",
    },
    {
      title: "Latency p99",
      value: (r: RevisionRow) => r.p99 ?? 0,
      text: (r: RevisionRow) => (r.p99 === null ? "not measured" : ms(r.p99)),
      cls: "s-p99",
    },
  ];
  const colW = (f.width - f.left - f.right) / cols.length;
  const barMax = colW - 120; // room for the number after the longest bar
  const out: string[] = [svgOpen(f, summary, "revisions")];
  cols.forEach((c, k) => {
    out.push(`<text class="axis strong" x="${px(f.left + k * colW)}" y="16">${c.title}</text>`);
  });
  rows.forEach((r, i) => {
    const yRow = f.top + i * rowH;
    // Revision ids can be long (a full commit hash): cut to fit, the whole id in a tooltip.
    const name = r.revision.length > 18 ? `${r.revision.slice(0, 17)}…` : r.revision;
    out.push(
      `<text class="label" x="${f.left - 12}" y="${yRow + 19}" text-anchor="end">${escapeHtml(name)}<title>${escapeHtml(r.revision)}</title></text>`,
    );
    cols.forEach((c, k) => {
      const max = Math.max(...rows.map(c.value));
      const w = max > 0 ? Math.max(c.value(r) > 0 ? 2 : 0, (c.value(r) / max) * barMax) : 0;
      const x = f.left + k * colW;
      out.push(
        `<rect class="track" x="${px(x)}" y="${yRow + 6}" width="${px(barMax)}" height="18" rx="3"/><rect class="${c.cls}" x="${px(x)}" y="${yRow + 6}" width="${px(w)}" height="18" rx="3"/><text class="value" x="${px(x + barMax + 8)}" y="${yRow + 20}">${escapeHtml(c.text(r))}</text>`,
      );
    });
  });
  out.push("</svg>");
  return out.join("");
}

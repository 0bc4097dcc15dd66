/**
 * The predicted classes over time: one 100 % stacked bar per column (the share of each label,
 * so a busy and a quiet minute compare) and the reference's shares as one more bar at the
 * right. A flood of one class shows as one colour swallowing the bars next to an even
 * reference. Each label is one <path> of many rectangles, not one <rect> per segment: ten
 * labels × 120 columns would otherwise cost ~60 KB.
 */
import { escapeHtml } from "../../html.ts";
import type { Columns } from "./columns.ts";
import { clock, linear, percent, px } from "./scale.ts";
import { emptyChart, plot, svgOpen, timeAxis, yAxis, type Frame } from "./svg.ts";

/** The palette has ten colours (one per Fashion-MNIST label); further labels reuse them. */
export const PALETTE_SIZE = 10;
export const colourClass = (i: number) => `c${i % PALETTE_SIZE}`;

const FRAME: Frame = { width: 1000, height: 280, left: 44, right: 150, top: 10, bottom: 28 };

/** The labels ordered by a share, largest first, as "Bag 74 %". */
export const topShares = (labels: string[], shares: number[], n: number) =>
  shares
    .map((s, i) => [labels[i]!, s] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([l, s]) => `${l} ${percent(s)}`)
    .join(", ");

/**
 * @example
 * classesChart(columnsOf(snapshot), snapshot.labels, [0.1, …], "Bag 31 %, …", "No requests yet") // → "<svg …>"
 */
export function classesChart(cols: Columns, labels: string[], reference: number[] | null, summary: string, emptyMessage: string): string {
  if (!cols.columns.some((c) => c.predictions)) return emptyChart(FRAME, emptyMessage, "classes");
  const { x0, x1, y0, y1 } = plot(FRAME);
  const y = linear(0, 1, y1, y0);
  const n = cols.columns.length;
  const cw = (x1 - x0) / n;
  const bw = Math.max(1, cw * (n > 60 ? 0.86 : 0.78));
  const paths = labels.map(() => [] as string[]);
  const hits: string[] = [];
  cols.columns.forEach((c, i) => {
    if (!c.predictions) return;
    const x = x0 + i * cw + (cw - bw) / 2;
    let acc = 0;
    // Label 0 on top, as the legend and the reference bar read: top to bottom.
    c.classes.forEach((v, j) => {
      if (!v) return;
      const top = y(1 - acc);
      acc += v / c.predictions;
      paths[j]!.push(`M${px(x)} ${px(top)}h${px(bw)}V${px(y(1 - acc))}h-${px(bw)}z`);
    });
    const shares = c.classes.map((v) => v / c.predictions);
    hits.push(
      `<rect x="${px(x0 + i * cw)}" y="${y0}" width="${px(cw)}" height="${y1 - y0}"><title>${clock(c.start)}–${clock(c.end)} UTC · ${c.predictions} predictions · ${escapeHtml(topShares(labels, shares, 3))}</title></rect>`,
    );
  });
  let ref = "";
  // Far enough right that "reference" under it clears the time axis's last label.
  const rx = x1 + 30;
  const rw = 26;
  if (reference) {
    let acc = 0;
    const segs: string[] = [];
    reference.forEach((share, j) => {
      const top = y(1 - acc);
      acc += share;
      const bottom = y(1 - acc);
      segs.push(`<rect class="${colourClass(j)}" x="${rx}" y="${px(top)}" width="${rw}" height="${px(Math.max(0, bottom - top))}"/>`);
      // Named beside the bar when there is room, so the reference reads without the legend.
      if (bottom - top >= 11)
        segs.push(
          `<text class="seg-label" x="${rx + rw + 5}" y="${px((top + bottom) / 2 + 4)}">${escapeHtml(labels[j]!)} ${percent(share)}</text>`,
        );
    });
    ref = `<g class="stack">${segs.join("")}</g><text class="axis" x="${rx + rw / 2}" y="${y1 + 17}" text-anchor="middle">reference</text>`;
  } else {
    ref = `<text class="axis" x="${rx}" y="${(y0 + y1) / 2}"><tspan x="${rx}">No reference</tspan><tspan x="${rx}" dy="15">yet</tspan></text>`;
  }
  const svg = [
    svgOpen(FRAME, summary, "classes"),
    yAxis(FRAME, [0, 0.25, 0.5, 0.75, 1], (v) => `${Math.round(v * 100)}%`),
    `<g class="stack">${paths.map((p, j) => (p.length ? `<path class="${colourClass(j)}" d="${p.join("")}"/>` : "")).join("")}</g>`,
    timeAxis(FRAME, cols.from, cols.to),
    ref,
    `<g class="hit">${hits.join("")}</g>`,
    "</svg>",
  ].join("");
  return svg;
}

/** Each label's share of all predictions in the period (zeros when there were none). */
export function periodShares(cols: Columns, labels: string[]): number[] {
  const totals = labels.map((_, j) => cols.columns.reduce((s, c) => s + c.classes[j]!, 0));
  const all = totals.reduce((s, v) => s + v, 0);
  return totals.map((v) => (all ? v / all : 0));
}

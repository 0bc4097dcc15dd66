/**
 * The frame every chart shares: an SVG in a fixed viewBox (it scales with the page, so text
 * scales with it), a y axis with grid lines, a time axis, and the empty state. Colours are CSS
 * classes, never literal fills, so one drawing serves the light and the dark theme.
 */
import { escapeHtml } from "../../html.ts";
import { linear, px, timeTicks } from "./scale.ts";

/** A chart's size and the margins around its plot area, in viewBox units. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The plot area's edges. */
export const plot = (f: Frame) => ({ x0: f.left, x1: f.width - f.right, y0: f.top, y1: f.height - f.bottom });

/**
 * Opens a chart: `role="img"` with `summary` as its accessible name, because a screen reader
 * cannot read shapes; the summary says the numbers the picture shows.
 */
export const svgOpen = (f: Frame, summary: string, testId: string): string =>
  `<svg class="chart" data-chart="${testId}" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${escapeHtml(summary)}">`;

/** Horizontal grid lines with their values at the left. */
export function yAxis(f: Frame, ticks: number[], format: (v: number) => string): string {
  const { x0, x1, y0, y1 } = plot(f);
  const y = linear(0, ticks[ticks.length - 1]!, y1, y0);
  return `<g class="grid">${ticks.map((t) => `<line x1="${x0}" x2="${x1}" y1="${px(y(t))}" y2="${px(y(t))}"/>`).join("")}</g><g class="axis" text-anchor="end">${ticks.map((t) => `<text x="${x0 - 6}" y="${px(y(t) + 4)}">${escapeHtml(format(t))}</text>`).join("")}</g>`;
}

/** Time labels under the plot area, with a tick mark each. */
export function timeAxis(f: Frame, from: number, to: number): string {
  const { x0, x1, y1 } = plot(f);
  const x = linear(from, to, x0, x1);
  const ticks = timeTicks(from, to, x1 - x0);
  const marks = ticks.map(({ t }) => `M${px(x(t))} ${y1}v4`).join("");
  // The first and last labels are anchored inwards so they never spill out of the viewBox.
  const labels = ticks.map(({ t, label }) => {
    const xt = x(t);
    const anchor = xt - x0 < 24 ? "start" : x1 - xt < 24 ? "end" : "middle";
    return `<text x="${px(xt)}" y="${y1 + 17}" text-anchor="${anchor}">${escapeHtml(label)}</text>`;
  });
  return `<path class="tick" d="M${x0} ${y1}H${x1}${marks}"/><g class="axis">${labels.join("")}</g>`;
}

/** A chart with nothing to draw yet: its frame and a sentence, never an empty or broken axis. */
export function emptyChart(f: Frame, message: string, testId: string): string {
  const { x0, x1, y0, y1 } = plot(f);
  return `${svgOpen(f, message, testId)}<rect class="empty-frame" x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" rx="8"/><text class="empty-text" x="${(x0 + x1) / 2}" y="${(y0 + y1) / 2 + 5}" text-anchor="middle">${escapeHtml(message)}</text></svg>`;
}

/**
 * The drift history as a strip over the period: alert periods shaded, calm time plain, a mark
 * where each alert started. The detector keeps a list of state changes; an alert is the time
 * from an "alert" event to the next "calm" one (or to now, if it has not ended).
 */
import type { DriftEvent } from "../snapshot.ts";
import { clock, linear, px } from "./scale.ts";
import { plot, svgOpen, timeAxis, type Frame } from "./svg.ts";

/** One alert: [start, end), end null while it lasts. */
export interface AlertSpan {
  start: number;
  end: number | null;
}

/**
 * The alerts in a history, oldest first. An alert that started before the history's oldest
 * kept event (it holds 100) starts at `-Infinity`, drawn from the strip's left edge.
 *
 * @example
 * alertSpans([{ at: "…10:15", alert: true, … }, { at: "…10:37", alert: false, … }]) // → [{ start: …, end: … }]
 */
export function alertSpans(history: DriftEvent[], current: { alert: boolean; since: string | null }): AlertSpan[] {
  const spans: AlertSpan[] = [];
  let open: AlertSpan | null = null;
  const events = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const e of events) {
    const t = Date.parse(e.at);
    if (e.alert && !open) {
      open = { start: Date.parse(e.since ?? e.at) || t, end: null };
      spans.push(open);
    } else if (!e.alert && open) {
      open.end = t;
      open = null;
    } else if (!e.alert && !spans.length) {
      // The history begins with an alert ending: it started before the oldest kept event.
      spans.push({ start: -Infinity, end: t });
    }
  }
  // The current state wins over a history that has lost its newest events.
  if (current.alert && !open) spans.push({ start: Date.parse(current.since ?? "") || -Infinity, end: null });
  if (!current.alert && open) open.end = Infinity;
  return spans;
}

const FRAME: Frame = { width: 1000, height: 74, left: 44, right: 150, top: 8, bottom: 28 };

/**
 * @example
 * timelineChart(alertSpans(history, drift), from, to, "1 alert in this period …")
 */
export function timelineChart(spans: AlertSpan[], from: number, to: number, summary: string): string {
  const { x0, x1, y0, y1 } = plot(FRAME);
  const x = linear(from, to, x0, x1);
  const clamp = (t: number) => Math.min(x1, Math.max(x0, x(t)));
  const shaded = spans
    .filter((s) => (s.end ?? Infinity) > from && s.start < to)
    .map((s) => {
      const a = clamp(s.start);
      const b = clamp(s.end ?? to);
      const mark = s.start >= from ? `<path class="alert-mark" d="M${px(a)} ${y0 - 2}V${y1}"/>` : "";
      return `<rect class="alert-span" x="${px(a)}" y="${y0}" width="${px(Math.max(2, b - a))}" height="${y1 - y0}"><title>Alert ${Number.isFinite(s.start) ? clock(s.start) : "earlier"}–${s.end === null ? "now" : Number.isFinite(s.end) ? clock(s.end) : "later"} UTC</title></rect>${mark}`;
    });
  const legendX = x1 + 30;
  return [
    svgOpen(FRAME, summary, "timeline"),
    `<rect class="calm-span" x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}"/>`,
    shaded.join(""),
    timeAxis(FRAME, from, to),
    `<rect class="alert-span" x="${legendX}" y="${y0 + 2}" width="12" height="12"/><text class="axis" x="${legendX + 18}" y="${y0 + 12}">alert</text>`,
    `<rect class="calm-span" x="${legendX}" y="${y0 + 22}" width="12" height="12"/><text class="axis" x="${legendX + 18}" y="${y0 + 32}">no drift</text>`,
    "</svg>",
  ].join("");
}

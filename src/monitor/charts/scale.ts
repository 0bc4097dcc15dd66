/**
 * Scales, ticks and number formats shared by the monitor's charts. Coordinates are rounded to
 * a tenth of a pixel: the charts are drawn in a fixed viewBox, so more digits only add bytes
 * (a 24-hour page draws thousands of shapes and must stay under ~150 KB).
 */

/** A number as an SVG coordinate: one decimal, no trailing ".0". */
export const px = (x: number): string => String(Math.round(x * 10) / 10);

/** A linear map from [d0, d1] to [r0, r1] (a flat domain maps to r0). */
export const linear =
  (d0: number, d1: number, r0: number, r1: number) =>
  (x: number): number =>
    d1 === d0 ? r0 : r0 + ((x - d0) / (d1 - d0)) * (r1 - r0);

/**
 * Round tick values from 0 to at least `max`, about `count` of them (1, 2 or 5 × 10ⁿ apart),
 * so the axis reads "0, 20, 40, 60" rather than "0, 17.3, 34.6".
 *
 * @example
 * niceTicks(87, 4) // → [0, 20, 40, 60, 80, 100]
 */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  if (ticks[ticks.length - 1]! < max - step * 1e-9) ticks.push(ticks.length * step);
  return ticks;
}

/** A share as a percentage, with a decimal only below 10 % (where "2.5 %" and "3 %" differ). */
export const percent = (share: number): string => {
  const p = share * 100;
  return `${p > 0 && p < 9.95 ? (Math.round(p * 10) / 10).toString() : Math.round(p)} %`;
};

/** A count, shortened above 10 000 ("12.3k") so large numbers fit their boxes. */
export const count = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n));

/** Milliseconds, three significant digits at most. */
export const ms = (x: number): string => `${x >= 100 ? Math.round(x) : Number(x.toPrecision(2))} ms`;

/**
 * A p-value as statisticians write it: `p = 3.1e-9` below 0.001, `p = 0.012` above.
 *
 * @example
 * pValue(3.14e-9) // → "p = 3.1e-9"
 */
export function pValue(p: number): string {
  if (!(p > 0)) return "p < 1e-300"; // a p-value that underflowed to 0 is not "0"
  if (p < 0.001) return `p = ${p.toExponential(1).replace("e+", "e")}`;
  return `p = ${Number(p.toPrecision(2))}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/**
 * A time in UTC: the page is drawn on the server, which does not know the reader's time zone,
 * so every time says which zone it is in (the headings and captions say "UTC").
 */
export function clock(t: number, withDate = false): string {
  const d = new Date(t);
  const hm = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return withDate ? `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${hm}` : hm;
}

/** A date in UTC, e.g. "14 Mar". */
export const day = (t: number): string => {
  const d = new Date(t);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
};

/** A duration in words: "90 minutes", "24 hours", "7 days", "5 minutes". */
export function duration(msSpan: number): string {
  const min = Math.round(msSpan / 60_000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (min % 1440 === 0 && min >= 1440) return plural(min / 1440, "day");
  if (min % 60 === 0 && min >= 120) return plural(min / 60, "hour");
  return plural(min, "minute");
}

const MIN = 60_000;
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MIN);

/**
 * Time ticks over [from, to] at a round step (aligned to UTC), no closer than `minGap` pixels on
 * a `width`-pixel axis, with labels that say the date when the period spans days.
 *
 * @example
 * timeTicks(Date.parse("2025-03-14T10:00Z"), Date.parse("2025-03-14T11:30Z"), 900, 70) // → 10:00, 10:15, …
 */
export function timeTicks(from: number, to: number, width: number, minGap = 70): { t: number; label: string }[] {
  const span = to - from;
  if (!(span > 0)) return [];
  const multiDay = span > 1440 * MIN;
  const gap = multiDay ? minGap * 1.4 : minGap;
  const step = TICK_STEPS.find((s) => (span / s) * gap <= width) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
  const ticks: { t: number; label: string }[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    ticks.push({
      t,
      label:
        step >= 1440 * MIN ? day(t) : multiDay && new Date(t).getUTCHours() === 0 && new Date(t).getUTCMinutes() === 0 ? day(t) : clock(t),
    });
  }
  return ticks;
}

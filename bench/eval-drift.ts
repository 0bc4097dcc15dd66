/**
 * The drift part of `npm run eval`: streams built from real classifications (the predictions the
 * full pipeline returned for test images and for the out-of-domain sets), each fed to a fresh
 * `DriftDetector` whose reference is the model's `drift_reference`.
 *   (a) the 10,000 test images in a seeded random order: alerts are false alarms;
 *   (b) 1000 in-domain test images, then 300 of a shifted stream: the delay is the number of
 *       shifted requests seen when the alert fires.
 */
import type { DriftReference } from "../src/classifier/model-info.ts";
import { binomialTail, chiSquared } from "../src/monitor/significance.ts";
import { binOf, DriftDetector, type Observation } from "../src/monitor/drift.ts";
import type { Predictions } from "./eval-ood.ts";

export const PREFIX = 1000;
export const SHIFTED = 300;

/** mulberry32: a small seeded generator, so the streams are the same every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled(ids: number[], seed: number): number[] {
  const r = rng(seed);
  const a = [...ids];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export const observation = (p: Predictions, i: number): Observation => ({
  label: p.label[i]!,
  confidence: p.confidence[i]!,
  outOfDomain: p.flagged[i] === 1,
});

export interface Run {
  /** Request numbers (1-based) at which an alert started. */
  alerts: number[];
  /** Per request: the three tests' p-values over the detector's window (NaN until it is full). */
  p?: { classes: number[]; confidence: number[]; ood: number[] };
  oodRate?: number[];
  /** Per request: the window's share predicted as `focus` (with trace and focus). */
  share?: number[];
}

/** Feeds `stream` to a fresh detector; with `trace`, also recomputes its three p-values per request (for the picture). */
export function runStream(stream: Observation[], labels: string[], ref: DriftReference, trace = false, focus?: number): Run {
  const detector = new DriftDetector({
    labels,
    confidenceBins: ref.confidenceBins,
    reference: { classes: ref.classes, confidence: ref.confidence, oodRate: ref.oodRate },
  });
  const alerts: number[] = [];
  let was = false;
  stream.forEach((o, i) => {
    const s = detector.observe(o, new Date(Date.UTC(2026, 0, 1) + i * 1000));
    if (s.alert && !was) alerts.push(i + 1);
    was = s.alert;
  });
  if (!trace) return { alerts };
  // The detector keeps its p-values to itself; the same tests over the same window, for plotting.
  const w = detector.window;
  const bins = ref.confidenceBins.length - 1;
  const classes: number[] = [],
    confidence: number[] = [],
    ood: number[] = [],
    oodRate: number[] = [],
    share: number[] = [];
  const cc = new Array<number>(labels.length).fill(0),
    fc = new Array<number>(bins).fill(0);
  let oc = 0;
  stream.forEach((o, i) => {
    cc[o.label]!++;
    fc[binOf(o.confidence, ref.confidenceBins)]!++;
    oc += o.outOfDomain ? 1 : 0;
    if (i >= w) {
      const old = stream[i - w]!;
      cc[old.label]!--;
      fc[binOf(old.confidence, ref.confidenceBins)]!--;
      oc -= old.outOfDomain ? 1 : 0;
    }
    const full = i + 1 >= w;
    classes.push(full ? chiSquared(cc, ref.classes).p : NaN);
    confidence.push(full ? chiSquared(fc, ref.confidence).p : NaN);
    ood.push(full ? binomialTail(oc, w, ref.oodRate) : NaN);
    oodRate.push(oc / Math.min(i + 1, w));
    if (focus !== undefined) share.push(cc[focus]! / Math.min(i + 1, w));
  });
  return { alerts, p: { classes, confidence, ood }, oodRate, ...(focus !== undefined ? { share } : {}) };
}

export interface ShiftResult {
  name: string;
  /** Per seed: shifted requests seen when the alert fired (null: none within SHIFTED). */
  delays: (number | null)[];
  /** Alerts during the in-domain prefix, over all seeds. */
  early: number;
}

/** PREFIX random test images, then SHIFTED from `pool` (indices into `shifted`), for each seed. */
export function shiftedStreams(
  name: string,
  test: Predictions,
  shifted: Predictions,
  pool: number[],
  labels: string[],
  ref: DriftReference,
  seeds: number[],
): ShiftResult {
  const delays: (number | null)[] = [];
  let early = 0;
  const all = Array.from({ length: test.n }, (_, i) => i);
  for (const seed of seeds) {
    const prefix = shuffled(all, seed)
      .slice(0, PREFIX)
      .map((i) => observation(test, i));
    const after = shuffled(pool, seed + 1000)
      .slice(0, SHIFTED)
      .map((i) => observation(shifted, i));
    const { alerts } = runStream([...prefix, ...after], labels, ref);
    early += alerts.filter((a) => a <= PREFIX).length;
    const first = alerts.find((a) => a > PREFIX);
    delays.push(first === undefined ? null : first - PREFIX);
  }
  return { name, delays, early };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** −log10 p of the three tests and the window's out-of-domain rate over one stream, shift and alert marked. */
export function driftSvg(title: string, run: Run, alpha: number, shiftAt: number, focusName?: string, from = 150): string {
  const W = 980,
    left = 70,
    right = 30,
    top = 60,
    ph = 300,
    gap = 60,
    ph2 = 140;
  const n = run.p!.classes.length;
  const x = (i: number) => left + ((i - from) / (n - from)) * (W - left - right);
  const cap = 30;
  const y1 = (p: number) => top + ph - (Math.min(cap, -Math.log10(Math.max(p, 1e-300))) / cap) * ph;
  const top2 = top + ph + gap;
  const y2 = (r: number) => top2 + ph2 - r * ph2;
  const line = (ys: number[], f: (v: number) => number, colour: string) =>
    `<polyline fill="none" stroke="${colour}" stroke-width="1.6" points="${ys
      .map((v, i) => (i >= from && Number.isFinite(v) ? `${x(i + 1).toFixed(1)},${f(v).toFixed(1)}` : ""))
      .filter(Boolean)
      .join(" ")}"/>`;
  const series = [
    ["classes", "#1f77b4"],
    ["confidence", "#2ca02c"],
    ["ood", "#d62728"],
  ] as const;
  const alert = run.alerts.find((a) => a > shiftAt);
  const marks = [
    `<line x1="${x(shiftAt)}" y1="${top}" x2="${x(shiftAt)}" y2="${top2 + ph2}" stroke="#555" stroke-dasharray="6,4"/><text x="${x(shiftAt) - 4}" y="${top + 14}" text-anchor="end" font-size="13">shift starts (request ${shiftAt + 1})</text>`,
    alert
      ? `<line x1="${x(alert)}" y1="${top}" x2="${x(alert)}" y2="${top2 + ph2}" stroke="#d62728" stroke-width="2"/><text x="${x(shiftAt) - 4}" y="${top + 32}" text-anchor="end" font-size="13" fill="#d62728">alert at request ${alert} (${alert - shiftAt} after the shift) →</text>`
      : "",
  ];
  const ticks = [];
  for (let t = Math.ceil(from / 100) * 100; t <= n; t += 100)
    ticks.push(
      `<text x="${x(t)}" y="${top2 + ph2 + 18}" text-anchor="middle" font-size="11">${t}</text><line x1="${x(t)}" y1="${top2 + ph2}" x2="${x(t)}" y2="${top2 + ph2 + 4}" stroke="#333"/>`,
    );
  const yt = [0, 6, 10, 20, 30].map(
    (v) => `<text x="${left - 6}" y="${top + ph - (v / cap) * ph + 4}" text-anchor="end" font-size="11">${v === cap ? `≥${v}` : v}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top2 + ph2 + 50}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="26" text-anchor="middle" font-size="18" font-weight="bold">${esc(title)}</text>
<rect x="${left}" y="${top}" width="${W - left - right}" height="${ph}" fill="#fafafa" stroke="#999"/>
<line x1="${left}" y1="${y1(alpha)}" x2="${W - right}" y2="${y1(alpha)}" stroke="#e3b04b" stroke-width="1.5"/><text x="${left + 8}" y="${y1(alpha) - 5}" font-size="12" fill="#b07d10">p = α = ${alpha.toExponential(0)}: an alert when any test goes above this line</text>
<text transform="translate(20,${top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13">−log10 p over the last 200 requests</text>
${yt.join("\n")}
${series.map(([k, c]) => line(run.p![k], y1, c)).join("\n")}
${series.map(([k, c], i) => `<text x="${left + 10 + i * 150}" y="${top + 20}" font-size="13" fill="${c}">${k === "ood" ? "out-of-domain rate" : k}</text>`).join("\n")}
<rect x="${left}" y="${top2}" width="${W - left - right}" height="${ph2}" fill="#fafafa" stroke="#999"/>
<text transform="translate(20,${top2 + ph2 / 2}) rotate(-90)" text-anchor="middle" font-size="12">share of window</text>
<text x="${left + 10}" y="${top2 + 18}" font-size="13" fill="#d62728">out of domain</text>${run.share ? `<text x="${left + 130}" y="${top2 + 18}" font-size="13" fill="#1f77b4">predicted ${esc(focusName ?? "")}</text>` : ""}
${[0, 0.5, 1].map((v) => `<text x="${left - 6}" y="${y2(v) + 4}" text-anchor="end" font-size="11">${v}</text>`).join("")}
${line(run.oodRate!, y2, "#d62728")}
${run.share ? line(run.share, y2, "#1f77b4") : ""}
${ticks.join("\n")}
<text x="${(left + W - right) / 2}" y="${top2 + ph2 + 38}" text-anchor="middle" font-size="13">request</text>
${marks.join("\n")}
</svg>`;
}

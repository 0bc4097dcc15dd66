/**
 * The owner's `/monitor` page (issue 10): the monitor's snapshot as pictures. Every chart is
 * SVG drawn here, on the server, so the page is complete without JavaScript and without a chart
 * library; its one script (ui/owner/monitor.ts) only offers an optional reload every 10 s. The drawing lives
 * in `./charts/`, one kind of chart per file; this file decides what each section says.
 *
 * Everything taken from the snapshot that becomes text (labels, revisions, reasons, the
 * reference's source) goes through `escapeHtml`: a label is whatever the model's metadata says.
 */
import { escapeHtml } from "../html.ts";
import { documentOf } from "../owner/layout.ts";
import type { DriftReason, MonitorSnapshot } from "./snapshot.ts";
import { histogramChart, requestsChart, revisionsChart } from "./charts/bars.ts";
import { columnsOf, type Columns } from "./charts/columns.ts";
import { lineChart } from "./charts/line.ts";
import { clock, count, duration, ms, percent, pValue } from "./charts/scale.ts";
import { classesChart, colourClass, periodShares, topShares } from "./charts/stacked.ts";
import { alertSpans, timelineChart } from "./charts/timeline.ts";

const EMPTY = "No requests yet in this period";
const COLLECTING = "Collecting the first requests as the reference";
const PERIODS = [
  { minutes: 60, name: "Last hour" },
  { minutes: 1440, name: "24 hours" },
  { minutes: 10080, name: "7 days" },
];
const STATISTIC = { classes: "Predicted classes", confidence: "Top-1 confidence", out_of_domain_rate: "Out-of-domain rate" } as const;

/** A reason's test in words: "chi-squared 83.2, 9 dof" or "binomial, 72 of 200". */
const testText = (r: DriftReason) =>
  r.test === "binomial" ? `binomial, ${r.value} of ${r.dof}` : `${escapeHtml(r.test)} ${r.value.toFixed(1)}, ${r.dof} dof`;

/** "per minute", "per 12 minutes", "per hour". */
const per = (width: number) => (width === 60_000 ? "per minute" : width === 3_600_000 ? "per hour" : `per ${duration(width)}`);

/** A section: heading, caption in words, the picture, and what goes under it (a legend). */
const section = (id: string, heading: string, caption: string, svg: string, after = "", isWide = false) =>
  `<section class="card" aria-labelledby="h-${id}"><h2 id="h-${id}">${heading}</h2><p class="caption">${caption}</p><figure>${isWide ? wide(svg) : svg}${after}</figure></section>`;

/**
 * A full-width chart scrolls sideways on a phone rather than shrinking its text to 4 px. The
 * scroller is focusable so keyboard users can scroll it too (and axe asks for that).
 */
const wide = (svg: string) => `<div class="scroll" tabindex="0">${svg}</div>`;

const legend = (items: { cls: string; name: string; note?: string }[]) =>
  `<ul class="legend">${items.map((i) => `<li><span class="swatch ${i.cls}" aria-hidden="true"></span>${escapeHtml(i.name)}${i.note ? ` <span class="num">${escapeHtml(i.note)}</span>` : ""}</li>`).join("")}</ul>`;

/** The column with the largest value of `f`, and that value. */
function peak(cols: Columns, f: (c: Columns["columns"][number]) => number | null) {
  let best: { at: number; value: number } | null = null;
  for (const c of cols.columns) {
    const v = f(c);
    if (v !== null && (!best || v > best.value)) best = { at: c.start, value: v };
  }
  return best;
}

/** The newest column with data. */
const latest = (cols: Columns) => [...cols.columns].reverse().find((c) => c.requests > 0);

/** The drift banner, its reasons with their tests, and the history strip. */
function driftSection(s: MonitorSnapshot, cols: Columns): string {
  const d = s.drift;
  const reasons = d.reasons
    .map(
      (r) =>
        `<li><strong>${STATISTIC[r.statistic] ?? escapeHtml(String(r.statistic))}</strong>: ${escapeHtml(r.detail)} <span class="test">(${testText(r)}, ${pValue(r.p)})</span></li>`,
    )
    .join("");
  const window = `the last ${count(d.window)} predictions`;
  let banner: string;
  if (d.alert) {
    const since = d.since ? `<time datetime="${escapeHtml(d.since)}">${clock(Date.parse(d.since), true)} UTC</time>` : "an unknown time";
    banner = `<div class="banner alert"><h2 id="h-drift">Drift since ${since}</h2><p>${window[0]!.toUpperCase()}${window.slice(1)} differ from the reference:</p><ul>${reasons}</ul></div>`;
  } else if (!s.reference) {
    banner = `<div class="banner collecting"><h2 id="h-drift">No drift check yet</h2><p>${COLLECTING}: drift is checked against them once they are in.</p></div>`;
  } else {
    banner = `<div class="banner ok"><h2 id="h-drift">No drift detected</h2><p>${window[0]!.toUpperCase()}${window.slice(1)} look like the reference: ${escapeHtml(s.reference.source)}.</p></div>`;
  }
  const spans = alertSpans(d.history, d);
  const shown = spans.filter((sp) => (sp.end ?? Infinity) > cols.from && sp.start < cols.to);
  const from = (t: number) => (Number.isFinite(t) ? clock(t) : "before the period");
  const words = shown.map((sp) =>
    sp.end === null
      ? `since ${from(sp.start)} (still active)`
      : `${from(sp.start)} to ${Number.isFinite(sp.end) ? clock(sp.end) : "later"}`,
  );
  const summary = shown.length
    ? `Drift alerts between ${clock(cols.from)} and ${clock(cols.to)} UTC: ${words.join("; ")}.`
    : `No drift alerts between ${clock(cols.from)} and ${clock(cols.to)} UTC.`;
  return `<section class="card" aria-labelledby="h-drift">${banner}<p class="caption">Drift history over this period: red where an alert was on. An alert starts when a test of the last ${window} predictions against the reference gives a p-value below its alerting level (one in a million unless configured otherwise), and ends once every test has been calm for a whole window.</p><figure>${wide(timelineChart(spans, cols.from, cols.to, summary))}</figure></section>`;
}

/**
 * The `/monitor` page: drift state and history, predicted classes against the reference,
 * confidence, out-of-domain rate, latency, requests and errors, and each revision's numbers.
 *
 * @example
 * app.get("/monitor", async (c) => c.html(renderMonitorPage(await monitor.snapshot({ minutes: 60 }), { title: iface.title, root })));
 */
export function renderMonitorPage(snapshot: MonitorSnapshot, options: { title: string; root: string }): string {
  const s = snapshot;
  const root = escapeHtml(options.root);
  const cols = columnsOf(s);
  const unit = per(cols.width);
  const range = `${clock(cols.from, true)} – ${clock(cols.to, true)} UTC`;
  const minutes = Math.round((Date.parse(s.period.to) - Date.parse(s.period.from)) / 60_000);
  const periods = PERIODS.map(
    (p) => `<a href="?minutes=${p.minutes}"${p.minutes === minutes ? ` aria-current="page"` : ""}>${p.name}</a>`,
  ).join("");
  const ref = s.reference;
  const refNote = ref ? `The reference is ${escapeHtml(ref.source)}.` : `${COLLECTING}.`;

  // Totals: the period's big numbers.
  const t = s.totals;
  const predictions = cols.columns.reduce((a, c) => a + c.predictions, 0);
  // The mean of the buckets' means, weighted by their predictions (buckets without one left out).
  let confSum = 0;
  let confN = 0;
  for (const b of s.buckets) {
    if (b.mean_confidence === null) continue;
    const n = Object.values(b.classes).reduce((x, y) => x + y, 0);
    confSum += b.mean_confidence * n;
    confN += n;
  }
  const served = Math.max(0, t.requests - t.errors);
  const totals = `<ul class="totals" aria-label="Totals over this period">
<li><span class="n">${count(t.requests)}</span><span class="what">requests</span></li>
<li><span class="n">${count(t.errors)}</span><span class="what">errors${t.requests ? ` (${percent(t.errors / t.requests)})` : ""}</span></li>
<li><span class="n">${count(t.out_of_domain)}</span><span class="what">out of domain${served ? ` (${percent(t.out_of_domain / served)})` : ""}</span></li>
<li><span class="n">${confN ? percent(confSum / confN) : "–"}</span><span class="what">mean top-1 confidence</span></li>
</ul>`;

  // 2. Predicted classes.
  const shares = periodShares(cols, s.labels);
  const refShares = ref ? s.labels.map((l) => ref.classes[l] ?? 0) : null;
  const last = latest(cols);
  const lastShares = last?.predictions ? last.classes.map((v) => v / last.predictions) : null;
  const off = refShares
    ? shares.map((v, i) => [i, v - refShares[i]!] as const).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))[0]
    : undefined;
  const classSummary = [
    `Share of each predicted class ${unit}, ${range}.`,
    `Over the period: ${topShares(s.labels, shares, 3)}.`,
    lastShares ? `Latest column (${clock(last!.start)}): ${topShares(s.labels, lastShares, 3)}.` : "",
    off && refShares
      ? `Largest difference from the reference: ${s.labels[off[0]]} ${percent(shares[off[0]]!)} vs ${percent(refShares[off[0]]!)}.`
      : `${COLLECTING}.`,
  ].join(" ");
  const classes = section(
    "classes",
    "Predicted classes over time",
    `Each bar is one column of time (${unit}), split by the share of each predicted label${ref ? "; the bar at the right is the reference" : ""}. A healthy Space looks ${ref ? "like the reference" : "much the same"} everywhere; one colour swallowing the recent bars is a flood of one class. ${refNote}`,
    classesChart(cols, s.labels, refShares, classSummary, EMPTY),
    legend(s.labels.map((l, i) => ({ cls: colourClass(i), name: l, note: predictions ? percent(shares[i]!) : undefined }))),
    true,
  );

  // 3. Confidence histogram.
  const edges = s.confidence_bins;
  const bins = edges.slice(1).map((_, b) => cols.columns.reduce((a, c) => a + (c.confidence[b] ?? 0), 0));
  const binTotal = bins.reduce((a, v) => a + v, 0);
  const binShares = bins.map((v) => (binTotal ? v / binTotal : 0));
  const binName = (b: number) => `${edges[b]!.toFixed(1)}–${edges[b + 1]!.toFixed(1)}`;
  const topBins = binShares
    .map((v, b) => [b, v] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3);
  const confSummary = binTotal
    ? `Top-1 confidence of ${count(binTotal)} predictions: ${topBins.map(([b, v]) => `${binName(b)} ${percent(v)}${ref ? ` (reference ${percent(ref.confidence[b] ?? 0)})` : ""}`).join(", ")}.`
    : EMPTY;
  const confidence = section(
    "confidence",
    "Confidence",
    `How sure the model was of its top label, over the whole period, bin by bin${ref ? ", beside the reference" : ""}. Bars moving left of the reference mean the model sees inputs it finds hard. ${ref ? "" : `${COLLECTING}.`}`,
    histogramChart(edges, binShares, ref ? ref.confidence : null, confSummary, EMPTY),
    binTotal ? legend([{ cls: "s-period", name: "this period" }, ...(ref ? [{ cls: "s-ref", name: "reference" }] : [])]) : "",
  );

  // 4. Out-of-domain rate.
  const oodRates = cols.columns.map((c) => (c.predictions ? c.outOfDomain / c.predictions : null));
  const oodPeak = peak(cols, (c) => (c.predictions ? c.outOfDomain / c.predictions : null));
  const lastRate = last?.predictions ? last.outOfDomain / last.predictions : null;
  const oodSummary = oodPeak
    ? `Out-of-domain rate ${unit}: ${percent(served ? t.out_of_domain / served : 0)} over the period, highest ${percent(oodPeak.value)} at ${clock(oodPeak.at)} UTC${lastRate !== null ? `, latest ${percent(lastRate)}` : ""}. ${ref ? `Reference ${percent(ref.out_of_domain_rate)}.` : `${COLLECTING}.`}`
    : EMPTY;
  const ood = section(
    "ood",
    "Out-of-domain rate",
    `The share of predictions whose input did not look like the training images, ${unit}${ref ? "; the dashed line is the reference rate" : ""}. A rise well above ${ref ? "the line" : "the usual level"} means people send things the model was not trained on. ${ref ? "" : `${COLLECTING}.`}`,
    lineChart(
      {
        series: [{ values: oodRates, cls: "s-ood", area: true }],
        reference: ref ? { value: ref.out_of_domain_rate } : undefined,
        format: (v) => `${Math.round(v * 100)}%`,
        minMax: 0.1,
        summary: oodSummary,
        emptyMessage: EMPTY,
        testId: "ood",
      },
      cols,
    ),
    oodPeak
      ? legend([
          { cls: "s-ood", name: "out of domain" },
          ...(ref ? [{ cls: "dash", name: "reference", note: percent(ref.out_of_domain_rate) }] : []),
        ])
      : "",
  );

  // 5. Latency.
  const p99Peak = peak(cols, (c) => c.p99);
  const p50s = cols.columns
    .map((c) => c.p50)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  const latSummary = p99Peak
    ? `Latency ${unit}: typical p50 ${ms(p50s[Math.floor(p50s.length / 2)] ?? 0)}, highest p99 ${ms(p99Peak.value)} at ${clock(p99Peak.at)} UTC${last?.p50 != null && last.p99 != null ? `; latest p50 ${ms(last.p50)}, p99 ${ms(last.p99)}` : ""}.`
    : EMPTY;
  const latency = section(
    "latency",
    "Latency",
    `Time to answer a prediction, ${unit}: the median (p50) and the slowest 1 % (p99). Where a column sums several buckets, p50 is their mean and p99 their maximum. A p99 climbing away from p50 means a queue is building.`,
    lineChart(
      {
        series: [
          { values: cols.columns.map((c) => c.p99), cls: "s-p99" },
          { values: cols.columns.map((c) => c.p50), cls: "s-p50" },
        ],
        format: (v) => `${Math.round(v)} ms`,
        summary: latSummary,
        emptyMessage: EMPTY,
        testId: "latency",
      },
      cols,
    ),
    p99Peak
      ? legend([
          { cls: "s-p50", name: "p50" },
          { cls: "s-p99", name: "p99" },
        ])
      : "",
  );

  // 6. Requests and errors, and each revision.
  const busiest = peak(cols, (c) => c.requests || null);
  const reqSummary = busiest
    ? `${count(t.requests)} requests and ${count(t.errors)} errors over the period, ${unit}; busiest ${clock(busiest.at)} UTC with ${busiest.value} requests.`
    : EMPTY;
  const requests = section(
    "requests",
    "Requests and errors",
    `Requests ${unit}, errors stacked on top in red. Gaps are time without traffic; a red cap that grows means predictions are failing.`,
    requestsChart(cols, reqSummary, EMPTY),
    busiest
      ? legend([
          { cls: "s-ok", name: "answered" },
          { cls: "s-error", name: "errors" },
        ])
      : "",
  );
  const rows = s.revisions.map((r) => ({ revision: r.revision, requests: r.requests, errors: r.errors, p99: r.latency_ms.p99 }));
  const revSummary = rows.length
    ? rows
        .map(
          (r) =>
            `${r.revision}: ${r.requests} requests, ${r.requests ? percent(r.errors / r.requests) : "no"} errors, p99 ${r.p99 === null ? "not measured" : ms(r.p99)}.`,
        )
        .join(" ")
    : EMPTY;
  const revisions = section(
    "revisions",
    "Revisions",
    "Each revision of the Space that served requests in this period: how many, how many failed, and its p99 latency. During a rollout, compare the new revision's bars with the old one's.",
    revisionsChart(rows, revSummary, EMPTY),
    "",
    true,
  );

  const body = `<main>
<header class="top"><h1>Monitor · ${escapeHtml(options.title)}</h1><nav class="links" aria-label="Links"><a href="${root}/">Back to the Space</a><a href="${root}/gradio_api/monitor">This snapshot as JSON</a></nav></header>
<div class="bar"><nav class="periods" aria-label="Period">${periods}</nav><span><time datetime="${new Date(cols.from).toISOString()}">${clock(cols.from, true)}</time> – <time datetime="${new Date(cols.to).toISOString()}">${clock(cols.to, true)}</time> UTC</span><label class="refresh" hidden><input type="checkbox" id="auto-refresh"> Refresh every 10 s</label></div>
${totals}
${driftSection(s, cols)}
${classes}
<div class="grid2">${confidence}${ood}</div>
<div class="grid2">${latency}${requests}</div>
${revisions}
</main>`;
  // The opt-in reload (ui/owner/monitor.ts); the checkbox stays hidden without JavaScript.
  return documentOf(`Monitor · ${options.title}`, body, { script: `${options.root}/assets/monitor.js` });
}

/**
 * The monitor's sign-in page, shown instead of the monitor when `MONITOR_TOKEN` is set and the
 * browser has not given it yet.
 *
 * @example
 * app.get("/monitor/login", (c) => c.html(renderMonitorLogin({ root })));
 * app.post("/monitor/login", async (c) => c.html(renderMonitorLogin({ root, error: "That token is not right." }), 401));
 */
export function renderMonitorLogin(options: { root: string; error?: string }): string {
  const root = escapeHtml(options.root);
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : "";
  return documentOf(
    "Sign in · Monitor",
    `<main><div class="login"><h1>Monitor</h1>
<p class="caption">The monitor of this Space is for its owner. Sign in with the token set in <code>MONITOR_TOKEN</code>.</p>
${error}<form method="post" action="${root}/monitor/login"><label for="token">Monitor token</label><input type="password" id="token" name="token" autocomplete="current-password" required${options.error ? ` aria-invalid="true"` : ""}><button type="submit">Open the monitor</button></form>
<p><a href="${root}/">Back to the Space</a></p></div></main>`,
  );
}

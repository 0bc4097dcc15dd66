/**
 * The model's report (its card), public at `/report`: what `npm run eval` measured on the test
 * set (accuracy, per-class precision and recall, the confusion matrix, the top losses, the
 * out-of-domain figures) and what the model says about itself, under the two lines of
 * `model-card.md` that say what it is for and not for. `report/report.json` is committed with
 * the model, so a pushed Space shows it without running the evaluation; without one the page
 * says how to make it.
 */
import { escapeHtml } from "../html.ts";
import { documentOf as pageOf } from "../owner/layout.ts";

const documentOf = (title: string, body: string) => pageOf(title, body, { css: REPORT_CSS });

/**
 * What `npm run eval` writes to `report/report.json` (pictures beside it).
 *
 * @example
 * { generated_at: "2026-12-02T10:00:00Z", accuracy: 0.9231, test_set: { name: "Fashion-MNIST t10k", n: 10000 }, … }
 */
export interface ModelReport {
  generated_at: string;
  model: {
    file: string;
    bytes: number;
    sha256: string;
    labels: string[];
    size: number[];
    channels: number;
    mean: number[];
    std: number[];
    resize: string;
    output: string;
    domain?: string;
    /** The model's `training` metadata (when and from what), if it has one. */
    training?: { at?: string; data?: string; epochs?: number; script?: string } | null;
  };
  test_set: { name: string; n: number };
  accuracy: number;
  per_class: { label: string; precision: number; recall: number; support: number }[];
  /** The confusion matrix as a picture beside report.json. */
  confusion_png: string;
  top_losses: { index: number; true: string; predicted: string; confidence: number; image: string }[];
  /** Out-of-domain figures, when the model has a calibrated score. */
  ood?: {
    threshold: number;
    warned_in_domain: number;
    calibration?: string;
    sets?: Record<string, { auroc?: number; warned?: number }>;
  } | null;
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;

const REPORT_CSS = `
.card-text p{margin:.3rem 0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--border)}
td.num,th.num{text-align:right}
.losses{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:.6rem}
.losses li{background:var(--bg);border:1px solid var(--border);border-radius:8px;padding:.4rem;font-size:.85rem}
.losses img{width:100%;aspect-ratio:1;image-rendering:pixelated;background:#000;border-radius:4px;display:block}
.confusion{max-width:100%;height:auto;background:#fff;border-radius:6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
`;

/**
 * The page. `cardHtml` is model-card.md already rendered (safe) HTML, or null when there is none.
 *
 * @example
 * renderReportPage(report, cardHtml, { title: "Fashion-MNIST classifier", root: "" })
 */
export function renderReportPage(report: ModelReport | null, cardHtml: string | null, options: { title: string; root: string }): string {
  const root = escapeHtml(options.root);
  const head = `<div class="top"><h1>Model report</h1><nav class="links" aria-label="Pages"><a href="${root}/">Back to the Space</a></nav></div>
<p class="caption">${escapeHtml(options.title)}: what the model is for, and how well it does on data it was not trained on.</p>`;
  const card = cardHtml
    ? `<section class="card card-text" aria-labelledby="card-h"><h2 id="card-h">Intended use</h2>${cardHtml}</section>`
    : `<section class="card"><h2>Intended use</h2><p class="caption">No <code>model-card.md</code> beside the model: write one (what the model should and should not be used for; <code>training/train.py</code> and <code>training/export_fastai.py</code> start one for you).</p></section>`;
  if (!report) {
    return documentOf(
      `Model report · ${options.title}`,
      `<main>${head}${card}<section class="card" aria-labelledby="none-h"><h2 id="none-h">No report yet</h2>
<p>This Space's model has no evaluation report. To make one, with the model in <code>model.onnx</code>:</p>
<ol><li>Run <code>npm run eval</code> (for Fashion-MNIST it needs Debian's <code>dataset-fashion-mnist</code>). It writes <code>report/</code>: <code>report.json</code> and a few pictures (under 300 KB).</li>
<li>Commit <code>report/</code> with the model and push: the Space serves it here.</li></ol></section></main>`,
    );
  }
  const m = report.model;
  const classes = report.per_class
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.label)}</td><td class="num">${pct(c.precision)}</td><td class="num">${pct(c.recall)}</td><td class="num">${c.support}</td></tr>`,
    )
    .join("");
  const losses = report.top_losses
    .map(
      (l) =>
        `<li><img src="${root}/report/${encodeURIComponent(l.image)}" alt="${escapeHtml(`test image ${l.index}: a ${l.true} predicted as ${l.predicted}`)}" width="112" height="112" loading="lazy"><span><b>${escapeHtml(l.predicted)}</b> ${pct(l.confidence, 0)}<br>truly ${escapeHtml(l.true)} · #${l.index}</span></li>`,
    )
    .join("");
  const ood = report.ood
    ? `<section class="card" aria-labelledby="ood-h"><h2 id="ood-h">Out-of-domain warnings</h2>
<p class="caption">Each prediction carries a score; above ${report.ood.threshold} the Space warns that the picture is unlike the training data.</p>
<dl><dt>In-domain test images warned</dt><dd>${pct(report.ood.warned_in_domain, 2)} of ${report.test_set.n}</dd>${report.ood.calibration ? `<dt>Calibrated on</dt><dd>${escapeHtml(report.ood.calibration)}</dd>` : ""}</dl>
${
  report.ood.sets
    ? `<table><thead><tr><th>Set</th><th class="num">AUROC</th><th class="num">Warned</th></tr></thead><tbody>${Object.entries(
        report.ood.sets,
      )
        .map(
          ([name, s]) =>
            `<tr><td>${escapeHtml(name)}</td><td class="num">${s.auroc === undefined ? "—" : s.auroc.toFixed(3)}</td><td class="num">${s.warned === undefined ? "—" : pct(s.warned)}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : ""
}</section>`
    : "";
  const training = m.training
    ? `<dt>Trained</dt><dd>${escapeHtml([m.training.at, m.training.data, m.training.epochs ? `${m.training.epochs} epochs` : "", m.training.script].filter(Boolean).join(" · "))}</dd>`
    : `<dt>Trained</dt><dd>not recorded in the model (see the card above)</dd>`;
  const body = `<main>${head}${card}
<ul class="totals"><li><span class="n">${pct(report.accuracy, 2)}</span><span class="what">accuracy on ${report.test_set.n.toLocaleString("en")} test images</span></li>
<li><span class="n">${m.labels.length}</span><span class="what">classes</span></li>
<li><span class="n">${escapeHtml(m.size.join("×"))}</span><span class="what">input, ${m.channels === 1 ? "grayscale" : "RGB"}</span></li></ul>
<div class="grid2">
<section class="card" aria-labelledby="classes-h"><h2 id="classes-h">Per class</h2><p class="caption">Precision: of the pictures called this class, the share that were. Recall: of this class's pictures, the share found.</p>
<table><thead><tr><th>Class</th><th class="num">Precision</th><th class="num">Recall</th><th class="num">Images</th></tr></thead><tbody>${classes}</tbody></table></section>
<section class="card" aria-labelledby="cm-h"><h2 id="cm-h">Confusion matrix</h2><p class="caption">Rows: the true class; columns: the prediction.</p>
<img class="confusion" src="${root}/report/${encodeURIComponent(report.confusion_png)}" alt="Confusion matrix of ${m.labels.length} classes on ${report.test_set.n} test images" width="560"></section>
</div>
<section class="card" aria-labelledby="loss-h"><h2 id="loss-h">Top losses</h2><p class="caption">The test images the model got most confidently wrong: the prediction and its confidence, then the true class.</p><ul class="losses">${losses}</ul></section>
${ood}
<section class="card" aria-labelledby="meta-h"><h2 id="meta-h">The model</h2><dl>
<dt>File</dt><dd>${escapeHtml(m.file)} (${(m.bytes / 1e6).toFixed(2)} MB, sha256 ${escapeHtml(m.sha256.slice(0, 12))}…)</dd>
<dt>Labels</dt><dd>${escapeHtml(m.labels.join(", "))}</dd>
<dt>Input</dt><dd>${escapeHtml(`${m.size.join("×")}, ${m.channels} channel(s), resize ${m.resize}, output ${m.output}`)}</dd>
<dt>Normalisation</dt><dd>${escapeHtml(`mean ${JSON.stringify(m.mean)}, std ${JSON.stringify(m.std)}`)}</dd>
${m.domain ? `<dt>Domain</dt><dd>${escapeHtml(m.domain)}</dd>` : ""}${training}
<dt>Test set</dt><dd>${escapeHtml(report.test_set.name)} (${report.test_set.n} images)</dd>
<dt>Evaluated</dt><dd>${escapeHtml(report.generated_at)} with <code>npm run eval</code></dd>
</dl></section>
</main>`;
  return documentOf(`Model report · ${options.title}`, body);
}

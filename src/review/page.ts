/**
 * The owner's `/review` page: the queue as a grid, drawn on the server in the monitor's look,
 * with one small module for the keyboard and the decisions (fetch), `ui/owner/review.ts`, which
 * reads its data from the page's #review-data. Every text taken from an item (labels are
 * whatever the model's metadata says; a flag's prediction is whatever the client sent) goes
 * through `escapeHtml`; the script writes only `textContent`.
 *
 * Keys: arrows move, Enter accepts the prediction, a digit relabels to that class (0 = the first),
 * Delete (or Backspace) discards. A decision that someone else made first comes back 409: the
 * page reloads that item and says so.
 */
import { escapeHtml } from "../html.ts";
import { documentOf } from "../owner/layout.ts";
import { REASONS, STATUSES, type ListQuery, type ReviewItem } from "./store.ts";

/** What the page shows: the filtered items, the queue's counts, the model's classes. */
export interface ReviewView {
  items: ReviewItem[];
  counts: { status: Record<string, number>; reason: Record<string, number>; label: Record<string, number>; total: number; bytes: number };
  classes: string[];
  query: ListQuery;
  /** Items matching the filter (the grid shows at most `query.limit`). */
  matching: number;
}

const REASON_TEXT: Record<string, string> = {
  flag: "flagged",
  low_confidence: "low confidence",
  out_of_domain: "out of domain",
  sample: "random sample",
};
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

const REVIEW_CSS = `
.keys{color:var(--muted);font-size:.92rem;margin:.25rem 0 1rem}
kbd{font-family:ui-monospace,monospace;border:1px solid var(--border);border-bottom-width:2px;border-radius:4px;padding:0 .3rem;background:var(--panel);color:var(--text)}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin-bottom:1rem}
.filters label{display:flex;flex-direction:column;font-size:.9rem;color:var(--muted)}
select,.filters button,.item button{font:inherit;padding:.3rem .5rem;border:1px solid var(--border);border-radius:6px;background:var(--bg);color:var(--text)}
.items{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.75rem}
.item{background:var(--panel);border:2px solid var(--border);border-radius:10px;padding:.5rem;display:flex;flex-direction:column;gap:.3rem}
.item:focus{outline:3px solid var(--accent);outline-offset:2px}
.item img{width:100%;aspect-ratio:1;object-fit:contain;image-rendering:pixelated;background:#000;border-radius:6px}
.item .pred{font-weight:600;overflow-wrap:anywhere}
.item .meta{font-size:.85rem;color:var(--muted)}
.item .actions{display:flex;gap:.3rem;flex-wrap:wrap}
.item .actions select{flex:1;min-width:0}
.item[data-status="accepted"],.item[data-status="relabeled"]{border-color:var(--ok-border)}
.item[data-status="discarded"]{opacity:.5}
.item .broken{display:none;color:var(--error);font-weight:600;font-size:.9rem}
.item.is-broken .broken{display:block}
.item.is-broken img{display:none}
.status{font-weight:600}
#review-message{min-height:1.5em;font-weight:600}
`;

function option(value: string, text: string, selected: boolean): string {
  return `<option value="${escapeHtml(value)}"${selected ? " selected" : ""}>${escapeHtml(text)}</option>`;
}

function card(item: ReviewItem, classes: string[], api: string): string {
  const id = escapeHtml(item.id);
  const status = item.status === "pending" ? "pending" : item.status === "discarded" ? "discarded" : `${item.status}: ${item.label}`;
  const picker = classes.map((c, i) => option(c, `${i < 10 ? `${i} · ` : ""}${c}`, c === (item.label ?? item.prediction))).join("");
  return `<li class="item" tabindex="0" data-id="${id}" data-version="${item.version}" data-status="${escapeHtml(item.status)}" aria-label="${escapeHtml(`${item.prediction}, ${pct(item.confidence)}`)}">
<img src="${escapeHtml(`${api}/${item.id}/image`)}" alt="${escapeHtml(`input predicted as ${item.prediction}`)}" loading="lazy" width="160" height="160">
<span class="broken" role="img" aria-label="unreadable picture">Picture unreadable: Delete removes it</span>
<span class="pred">${escapeHtml(item.prediction)} <span class="meta">${pct(item.confidence)}</span></span>
<span class="meta">${escapeHtml(item.reasons.map((r) => REASON_TEXT[r] ?? r).join(", "))}${item.ood_score !== null ? ` · OOD ${item.ood_score.toFixed(2)}` : ""} · ${escapeHtml(item.created_at.slice(0, 16).replace("T", " "))}</span>
<span class="meta status">${escapeHtml(status)}</span>
<span class="actions"><select aria-label="class" tabindex="-1">${picker}</select><button type="button" data-action="label" tabindex="-1">Set</button></span>
<span class="actions"><button type="button" data-action="accept" tabindex="-1">Accept</button><button type="button" data-action="discard" tabindex="-1">Discard</button></span>
</li>`;
}

/**
 * The whole page.
 *
 * @example
 * renderReviewPage({ items, counts, classes: model.info.labels, query: {}, matching: 12 }, { title: "Fashion-MNIST classifier", root: "" })
 */
export function renderReviewPage(view: ReviewView, options: { title: string; root: string }): string {
  const root = escapeHtml(options.root);
  const api = `${options.root}/gradio_api/review`;
  const { counts, query } = view;
  const n = (k: string) => counts.status[k] ?? 0;
  const countsHtml = `<ul class="totals">
<li><span class="n">${n("pending")}</span><span class="what">to review</span></li>
<li><span class="n">${n("accepted")}</span><span class="what">accepted</span></li>
<li><span class="n">${n("relabeled")}</span><span class="what">relabeled</span></li>
<li><span class="n">${n("discarded")}</span><span class="what">discarded</span></li>
<li><span class="n">${(counts.bytes / 1e6).toFixed(1)} MB</span><span class="what">pictures held</span></li>
</ul>`;
  const filters = `<form class="filters" method="get" action="${root}/review">
<label>Status<select name="status">${option("", "any", !query.status)}${STATUSES.map((s) => option(s, `${s} (${counts.status[s] ?? 0})`, query.status === s)).join("")}</select></label>
<label>Why<select name="reason">${option("", "any", !query.reason)}${REASONS.map((r) => option(r, `${REASON_TEXT[r]} (${counts.reason[r] ?? 0})`, query.reason === r)).join("")}</select></label>
<label>Class<select name="label">${option("", "any", !query.label)}${view.classes.map((c) => option(c, `${c} (${counts.label[c] ?? 0})`, query.label === c)).join("")}</select></label>
<button type="submit">Filter</button>
</form>`;
  const digits = view.classes
    .slice(0, 10)
    .map((c, i) => `<kbd>${i}</kbd> ${escapeHtml(c)}`)
    .join(" · ");
  const grid = view.items.length
    ? `<ul class="items" aria-label="Review items">${view.items.map((i) => card(i, view.classes, api)).join("\n")}</ul>`
    : `<p class="caption">${counts.total ? "No item matches this filter." : "The queue is empty. Flagged inputs arrive here; with REVIEW_LIVE=1, so do unsure, out-of-domain and sampled live inputs."}</p>`;
  const data = JSON.stringify({ api, classes: view.classes }).replace(/</g, "\\u003c");
  const body = `<main>
<div class="top"><h1>Review queue</h1><nav class="links" aria-label="Pages"><a href="${root}/">Space</a><a href="${root}/monitor">Monitor</a><a href="${root}/report">Model report</a><a href="${root}/gradio_api/review/export.tar.gz" download>Export reviewed (.tar.gz)</a></nav></div>
<p class="caption">${escapeHtml(options.title)}: inputs to check. Decisions become a dataset (<code>npm run review -- export DIR</code>) for <code>training/train.py --extra DIR</code>.</p>
${countsHtml}
${filters}
<p class="keys"><kbd>←</kbd><kbd>→</kbd><kbd>↑</kbd><kbd>↓</kbd> move · <kbd>Enter</kbd> accept the prediction · <kbd>Delete</kbd> discard · relabel: ${digits}</p>
<p id="review-message" role="status" aria-live="polite"></p>
<p class="caption">Showing ${view.items.length} of ${view.matching} matching item(s), newest first.</p>
${grid}
</main>
<script type="application/json" id="review-data">${data}</script>`;
  return documentOf(`Review · ${options.title}`, body, { script: `${options.root}/assets/review.js`, css: REVIEW_CSS });
}

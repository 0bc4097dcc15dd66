/**
 * The Space page at /spaces/<owner>/<name>, as on Hugging Face: a header with the card's emoji
 * and title, owner/name and a live status chip; the app in an iframe; Build and Container logs
 * that follow live; the files at HEAD; a link to the app's "Use via API"; and, while a new
 * revision is rolled out (or after), a Rollout tab: its stages (shadow, canary steps, everyone)
 * with the current one marked, the split, calls, errors, latency and (shadow) agreement per
 * revision, the decisions — and Promote (to the next stage) / Roll back for the owner.
 */
import type { SpaceCard } from "../build/card.ts";
import { csrfField, csrfMeta, escapeHtml as esc } from "./layout.ts";
import { SPACE_SCRIPT_PATH } from "./script.ts";

/**
 * The page's HTML; its script (`client/space.ts`, served bundled) polls the runtime, draws the
 * rollout and follows the logs. `csrf`, the session's CSRF token, goes into the owner's forms and
 * a `<meta name="csrf-token">` the script sends back on its API calls. The app is embedded from
 * its own origin (`app.origin`), at `app.url` (which carries the owner's pass: the page is never
 * cached).
 *
 * @example
 * c.html(spacePage("alice/demo", { title: "Demo", emoji: "🧪", app_port: 7860 }, "alice",
 *   { origin: "http://alice-demo.spaces.localhost:7861", url: "http://alice-demo.spaces.localhost:7861/?__sign=…" }, c.var.csrf))
 */
export function spacePage(
  id: string,
  card: Partial<SpaceCard>,
  user: string | undefined,
  app: { origin: string; url: string },
  csrf?: string,
  /** More of the header's controls, as HTML: the Clone and Duplicate menus (`new-space.ts`). */
  menus = "",
): string {
  const title = esc(String(card.title ?? id));
  const base = `/spaces/${id}`;
  const owner = user !== undefined && user === id.split("/")[0];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${esc(id)}</title><link rel="icon" href="data:,">${csrfMeta(csrf)}
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif;--border:#d4d4d8;--muted:#52525b}
body{margin:0}header{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap;padding:.75rem 1rem;border-bottom:1px solid var(--border)}
h1{font-size:1.2rem;margin:0}.id{color:var(--muted)}.chip{border-radius:99px;padding:.15rem .6rem;font-size:.8rem;font-weight:600;background:#e4e4e7;color:#18181b}
#drift{text-decoration:none}#drift[data-alert=false]{background:#dcfce7;color:#14532d}#drift[data-alert=true]{background:#fee2e2;color:#7f1d1d}
.chip[data-stage=RUNNING]{background:#bbf7d0;color:#14532d}.chip[data-stage$=ERROR]{background:#fecaca;color:#7f1d1d}.chip[data-stage=SLEEPING]{background:#e0e7ff;color:#312e81}
nav{display:flex;gap:.25rem;margin-left:auto}nav button,nav a{font:inherit;padding:.35rem .8rem;border:1px solid var(--border);border-radius:8px;background:none;color:inherit;text-decoration:none;cursor:pointer}
nav [aria-pressed=true]{background:#27272a;color:#fff}main>section{height:calc(100vh - 3.6rem)}iframe{border:0;width:100%;height:100%}
pre{margin:0;padding:1rem;height:calc(100% - 3rem);overflow:auto;font-size:.8rem;background:#18181b;color:#e4e4e7}
.tabs{display:flex;gap:.25rem;padding:.5rem 1rem}table{border-collapse:collapse;margin:1rem}td{padding:.2rem .8rem;border-bottom:1px solid var(--border)}
[hidden]{display:none!important}
#rollout{padding:1rem 1.25rem;overflow:auto;box-sizing:border-box}#rollout h2{font-size:1rem;margin:1rem 0 .4rem}
.split{display:flex;height:1.6rem;border-radius:6px;overflow:hidden;max-width:40rem;font-size:.8rem;font-weight:600}.split>div{display:flex;align-items:center;padding:0 .5rem;white-space:nowrap;min-width:2.5rem}
.stable{background:#bfdbfe;color:#1e3a8a}.candidate{background:#fde68a;color:#78350f}.copy{background:repeating-linear-gradient(45deg,#fde68a,#fde68a 6px,#fef3c7 6px,#fef3c7 12px);color:#78350f}
#rollout table{margin:0}#rollout th{text-align:left;font-weight:600;padding:.2rem .8rem;border-bottom:1px solid var(--border)}.bar{display:inline-block;height:.6rem;border-radius:3px;vertical-align:middle;margin-right:.4rem}
.bar.stable{background:#3b82f6}.bar.candidate{background:#f59e0b}#ro-state[data-state=active]{background:#fef3c7;color:#78350f}#ro-state[data-state=promoted]{background:#bbf7d0;color:#14532d}#ro-state[data-state="rolled back"]{background:#fecaca;color:#7f1d1d}
.stages{display:flex;flex-wrap:wrap;gap:.3rem 1.4rem;list-style:none;padding:0;margin:0}.stages li{position:relative;padding:.2rem .7rem;border:1px solid var(--border);border-radius:99px;font-size:.85rem;color:var(--muted)}
.stages li+li::before{content:"→";position:absolute;left:-1.1rem;color:var(--muted)}.stages li[data-step=done]{background:#dcfce7;color:#14532d}.stages [aria-current]{background:#fde68a;color:#78350f;font-weight:600;border-color:#f59e0b}
#ro-stages[data-state=promoted] [aria-current]{background:#bbf7d0;color:#14532d;border-color:#22c55e}#ro-stages[data-state="rolled back"] [aria-current]{background:#fecaca;color:#7f1d1d;border-color:#ef4444}
#ro-history{padding-left:1.2rem;font-size:.9rem}#ro-history li{margin:.2rem 0}.owner form{display:inline}.owner button{font:inherit;padding:.35rem .9rem;border-radius:8px;border:1px solid var(--border);cursor:pointer;margin-right:.5rem}
</style></head>
<body data-space="${esc(id)}">
<header><a href="/" aria-label="All Spaces" style="text-decoration:none">🤗</a><span aria-hidden="true" style="font-size:1.6rem">${esc(String(card.emoji ?? "🤗"))}</span><h1>${title}</h1><span class="id">${esc(id)}</span>
<span class="chip" id="stage" role="status" aria-live="polite">…</span><a class="chip" id="drift" hidden>Monitor</a><span class="chip" id="ro-chip" hidden></span>
${menus}
<nav aria-label="Space"><button data-tab="app" aria-pressed="true">App</button><button data-tab="logs" aria-pressed="false">Logs</button><button data-tab="files" aria-pressed="false">Files</button><button data-tab="rollout" id="ro-tab" aria-pressed="false" hidden>Rollout</button><a href="${esc(app.origin)}/?view=api" target="_blank" rel="noopener">Use via API</a>${owner ? `<a href="${base}/settings">Settings</a>` : ""}${user ? `<a href="/spaces/${esc(user)}">${esc(user)}</a>` : `<a href="/login?next=${encodeURIComponent(base)}">Sign in</a>`}</nav></header>
<main>
<section id="app"><iframe title="${title}" src="${esc(app.url)}" allow="clipboard-read; clipboard-write; camera; microphone; fullscreen"></iframe></section>
<section id="logs" hidden><div class="tabs"><button data-log="build" aria-pressed="true">Build</button><button data-log="run" aria-pressed="false">Container</button></div><pre id="log" aria-label="Log" tabindex="0"></pre></section>
<section id="files" hidden><table><tbody id="tree"></tbody></table></section>
<section id="rollout" hidden aria-label="Rollout"><p><span class="chip" id="ro-state"></span> <span id="ro-what"></span></p>
<p id="ro-policy" class="id"></p>
<h2>Stages</h2><ol class="stages" id="ro-stages" aria-label="Stages"></ol>
<h2>Split of new sessions and calls</h2><div class="split" id="ro-split" role="img"></div>
<h2>Per revision</h2><table><thead><tr><th>Revision</th><th>Calls</th><th>Errors</th><th>Error rate</th><th>p50</th><th>p99</th></tr></thead><tbody id="ro-rows"></tbody></table>
<div id="ro-agreement" hidden><h2>Agreement with the current revision (shadow)</h2><p id="ro-agree"></p></div>
${owner ? `<div class="owner" id="ro-owner" hidden><h2>Decide</h2><form method="post" action="${base}/rollout/promote">${csrfField(csrf)}<button type="submit" id="ro-promote">Promote to everyone</button></form><form method="post" action="${base}/rollout/rollback">${csrfField(csrf)}<button type="submit">Roll back</button></form></div>` : ""}
<h2>Decisions</h2><ol id="ro-history"></ol></section>
</main>
<script type="module" src="${SPACE_SCRIPT_PATH}"></script>
</body></html>`;
}

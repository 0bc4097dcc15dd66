/**
 * The Space page at /spaces/<owner>/<name>, as on Hugging Face: a header with the card's emoji
 * and title, owner/name and a live status chip; the app in an iframe; Build and Container logs
 * that follow live; the files at HEAD; a link to the app's "Use via API".
 */
import type { SpaceCard } from "../card.ts";
import { escapeHtml as esc, STAGE_NAMES } from "./layout.ts";

/**
 * The page's HTML; its small script polls the runtime and follows the logs.
 *
 * @example
 * c.html(spacePage("alice/demo", { title: "Demo", emoji: "🧪", app_port: 7860 }, "alice"))
 */
export function spacePage(id: string, card: Partial<SpaceCard>, user: string | undefined): string {
  const title = esc(String(card.title ?? id));
  const base = `/spaces/${id}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${esc(id)}</title><link rel="icon" href="data:,">
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif;--border:#d4d4d8;--muted:#52525b}
body{margin:0}header{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap;padding:.75rem 1rem;border-bottom:1px solid var(--border)}
h1{font-size:1.2rem;margin:0}.id{color:var(--muted)}.chip{border-radius:99px;padding:.15rem .6rem;font-size:.8rem;font-weight:600;background:#e4e4e7;color:#18181b}
#drift{text-decoration:none}#drift[data-alert=false]{background:#dcfce7;color:#14532d}#drift[data-alert=true]{background:#fee2e2;color:#7f1d1d}
.chip[data-stage=RUNNING]{background:#bbf7d0;color:#14532d}.chip[data-stage$=ERROR]{background:#fecaca;color:#7f1d1d}.chip[data-stage=SLEEPING]{background:#e0e7ff;color:#312e81}
nav{display:flex;gap:.25rem;margin-left:auto}nav button,nav a{font:inherit;padding:.35rem .8rem;border:1px solid var(--border);border-radius:8px;background:none;color:inherit;text-decoration:none;cursor:pointer}
nav [aria-selected=true]{background:#27272a;color:#fff}main>section{height:calc(100vh - 3.6rem)}iframe{border:0;width:100%;height:100%}
pre{margin:0;padding:1rem;height:calc(100% - 3rem);overflow:auto;font-size:.8rem;background:#18181b;color:#e4e4e7}
.tabs{display:flex;gap:.25rem;padding:.5rem 1rem}table{border-collapse:collapse;margin:1rem}td{padding:.2rem .8rem;border-bottom:1px solid var(--border)}
[hidden]{display:none!important}
</style></head>
<body>
<header><a href="/" aria-label="All Spaces" style="text-decoration:none">🤗</a><span aria-hidden="true" style="font-size:1.6rem">${esc(String(card.emoji ?? "🤗"))}</span><h1>${title}</h1><span class="id">${esc(id)}</span>
<span class="chip" id="stage" role="status" aria-live="polite">…</span><a class="chip" id="drift" hidden></a>
<nav aria-label="Space"><button data-tab="app" aria-selected="true">App</button><button data-tab="logs">Logs</button><button data-tab="files">Files</button><a href="${base}/app/?view=api" target="_blank" rel="noopener">Use via API</a>${user ? `<a href="/spaces/${esc(user)}">${esc(user)}</a>` : `<a href="/login?next=${encodeURIComponent(base)}">Sign in</a>`}</nav></header>
<main>
<section id="app"><iframe title="${title}" src="${base}/app/"></iframe></section>
<section id="logs" hidden><div class="tabs"><button data-log="build" aria-pressed="true">Build</button><button data-log="run" aria-pressed="false">Container</button></div><pre id="log" aria-label="Log" tabindex="0"></pre></section>
<section id="files" hidden><table><tbody id="tree"></tbody></table></section>
</main>
<script type="module">
const base=${JSON.stringify(base)},api=${JSON.stringify(`/api/spaces/${id}`)};
const stage=document.getElementById("stage");
const names=${JSON.stringify(STAGE_NAMES)};
async function poll(){try{const r=await(await fetch(api+"/runtime")).json();stage.dataset.stage=r.stage;stage.textContent=names[r.stage]??r.stage;stage.title=r.errorMessage??""}catch{stage.textContent="Host unreachable"}setTimeout(poll,2000)}
poll();
// The monitor is the owner's: for anyone else the host answers 404 and nothing is shown.
const drift=document.getElementById("drift");
async function pollDrift(){try{const r=await fetch(base+"/app/gradio_api/monitor?minutes=60");if(r.ok){const m=await r.json();drift.hidden=false;drift.href=base+"/app/monitor";drift.dataset.alert=String(m.drift.alert);drift.textContent=m.drift.alert?"Drift since "+new Date(m.drift.since).toLocaleTimeString():"No drift";drift.title=m.drift.reasons.map((x)=>x.detail).join("\\n")||"Monitor: requests, latency, classes, out-of-domain rate"}}catch{}setTimeout(pollDrift,10000)}
pollDrift();
let source;const log=document.getElementById("log");
function follow(kind){source?.close();log.textContent="";source=new EventSource(api+"/logs/"+kind);source.onmessage=(e)=>{const l=JSON.parse(e.data);log.textContent+=l.data+"\\n";log.scrollTop=log.scrollHeight}}
document.querySelectorAll("[data-log]").forEach((b)=>b.onclick=()=>{document.querySelectorAll("[data-log]").forEach((x)=>x.setAttribute("aria-pressed",String(x===b)));follow(b.dataset.log)});
document.querySelectorAll("[data-tab]").forEach((b)=>b.onclick=async()=>{document.querySelectorAll("[data-tab]").forEach((x)=>x.setAttribute("aria-selected",String(x===b)));
for(const s of ["app","logs","files"])document.getElementById(s).hidden=s!==b.dataset.tab;
if(b.dataset.tab==="logs"&&!source)follow("build");
if(b.dataset.tab==="files"){const t=await(await fetch(api+"/tree")).json();const rows=t.map((f)=>{const tr=document.createElement("tr");for(const v of [f.path,f.size+" B"]){const td=document.createElement("td");td.textContent=v;tr.append(td)}return tr});document.getElementById("tree").replaceChildren(...rows)}});
</script>
</body></html>`;
}

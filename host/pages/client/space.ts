/**
 * The Space page's script (`host/pages/space.ts` draws the page; `npm run build:ui` bundles this
 * into `host/pages/dist/space.js`, which the host serves): the status chip polled from the
 * runtime, the Rollout tab drawn from its numbers, the owner's Monitor chip, the logs followed
 * live, the files at HEAD, and the tabs. Everything from the server is shown with
 * `textContent`, never as HTML.
 */
import { STAGE_NAMES } from "../stage-names.ts";

/** One revision's numbers in a rollout, as `Rollout.toJSON()` gives them. */
interface SideStats {
  sha: string;
  requests: number;
  errors: number;
  error_rate: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** The part of `Rollout.toJSON()` the page shows. */
interface RolloutView {
  state: "active" | "promoted" | "rolled back";
  mode: "canary" | "shadow";
  percent: number;
  stage: number;
  stages: ("shadow" | number)[];
  description: string;
  started: string;
  stable: SideStats;
  candidate: SideStats;
  agreement?: { rate: number | null; agreed: number; compared: number; mean_confidence_diff: number | null };
  shadow: { dropped: number };
  history: { at: string; action: string; by: string; reason: string }[];
}

/** The part of the runtime (`GET /api/spaces/<id>/runtime`) the page shows. */
interface RuntimeView {
  stage: string;
  errorMessage?: string;
  rollout?: RolloutView;
}

/** The owner's monitor summary (`/app/gradio_api/monitor`), as much as the chip needs. */
interface MonitorView {
  drift: { alert: boolean; since: string; reasons: { detail: string }[] };
}

const id = document.body.dataset.space!;
const base = `/spaces/${id}`;
const api = `/api/spaces/${id}`;
const byId = <T extends HTMLElement = HTMLElement>(name: string) => document.getElementById(name) as T;

/** The session's CSRF token (only a signed-in visitor's page has one). */
const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;
/**
 * fetch for the host's own API, with the CSRF token the host asks of a signed-in browser on
 * anything that changes state. Never for an app's URL: the token is the host's alone.
 */
function hostFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (csrf) headers.set("x-csrf-token", csrf);
  return fetch(url, { ...init, headers });
}

const stage = byId("stage");
/** The stage the last poll saw: when the app comes up (a new Space, a wake, a restart), its frame loads again. */
let seen: string | undefined;
async function poll(): Promise<void> {
  try {
    const r = (await (await hostFetch(`${api}/runtime`)).json()) as RuntimeView;
    if (seen !== undefined && seen !== "RUNNING" && r.stage === "RUNNING") {
      const frame = document.querySelector<HTMLIFrameElement>("#app iframe");
      // Its first URL again: the pass in it may have expired, but the app's origin kept its cookie.
      if (frame) frame.setAttribute("src", frame.getAttribute("src") ?? "");
    }
    seen = r.stage;
    stage.dataset.stage = r.stage;
    stage.textContent = STAGE_NAMES[r.stage] ?? r.stage;
    stage.title = r.errorMessage ?? "";
    showRollout(r.rollout);
  } catch {
    stage.textContent = "Host unreachable";
  }
  setTimeout(poll, 2000);
}

// The rollout, drawn with textContent only: its stages, a split bar, a row (with bars) per revision, the decisions.
function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...kids);
  return e;
}
const pc = (x: number | null | undefined) => (x == null ? "–" : `${Math.round(x * 1000) / 10} %`);
const ms = (x: number | null | undefined) => (x == null ? "–" : `${Math.round(x)} ms`);
const STATES: Record<string, string> = { active: "Rolling out", promoted: "Promoted", "rolled back": "Rolled back" };

function showRollout(r: RolloutView | undefined): void {
  const tab = byId("ro-tab");
  const chip = byId("ro-chip");
  if (!r) {
    tab.hidden = chip.hidden = true;
    return;
  }
  tab.hidden = false;
  chip.hidden = r.state !== "active";
  chip.textContent = `${r.mode === "canary" ? `Canary ${r.percent} %` : "Shadow"} · ${r.candidate.sha.slice(0, 7)}`;
  const st = byId("ro-state");
  st.dataset.state = r.state;
  st.textContent = STATES[r.state] ?? r.state;
  byId("ro-what").textContent =
    `${r.mode} of ${r.candidate.sha.slice(0, 12)} next to ${r.stable.sha.slice(0, 12)}, since ${new Date(r.started).toLocaleString()}`;
  byId("ro-policy").textContent = r.description;

  const steps = [...r.stages, "everyone"];
  const at = r.state === "promoted" ? steps.length - 1 : r.stage;
  const ss = byId("ro-stages");
  ss.dataset.state = r.state;
  ss.replaceChildren(
    ...steps.map((s, i) => {
      const li = el("li", { textContent: s === "shadow" ? "Shadow" : s === "everyone" ? "Everyone" : `Canary ${s} %` });
      li.dataset.step = i < at ? "done" : i === at ? "current" : "next";
      if (i === at) li.setAttribute("aria-current", "step");
      return li;
    }),
  );

  const split = byId("ro-split");
  const cur = r.mode === "canary" ? 100 - r.percent : 100;
  const current = el("div", { className: "stable", textContent: `current ${cur} %` });
  current.style.flex = String(cur);
  split.replaceChildren(current);
  if (r.mode === "canary") {
    const candidate = el("div", { className: "candidate", textContent: `new ${r.percent} %` });
    candidate.style.flex = String(r.percent);
    split.append(candidate);
  }
  if (r.mode === "shadow") {
    const copy = el("div", { className: "copy", textContent: "+ a copy to new" });
    copy.style.flex = "40";
    split.append(copy);
  }
  split.setAttribute(
    "aria-label",
    r.mode === "canary"
      ? `${cur} % to the current revision, ${r.percent} % to the new one`
      : "every answer from the current revision; a copy of each prediction to the new one",
  );

  const maxP = Math.max(r.stable.p99_ms ?? 0, r.candidate.p99_ms ?? 0, 1);
  const bar = (cls: string, frac: number, label: string) => {
    const b = el("span", { className: `bar ${cls}`, title: label });
    b.style.width = `${Math.max(2, Math.round(frac * 120))}px`;
    return el("td", {}, b, label);
  };
  const row = (name: string, cls: string, s: SideStats) =>
    el(
      "tr",
      {},
      el("td", { textContent: `${name} ${s.sha.slice(0, 12)}` }),
      el("td", { textContent: String(s.requests) }),
      el("td", { textContent: String(s.errors) }),
      bar(cls, s.error_rate ?? 0, pc(s.error_rate)),
      el("td", { textContent: ms(s.p50_ms) }),
      bar(cls, (s.p99_ms ?? 0) / maxP, ms(s.p99_ms)),
    );
  byId("ro-rows").replaceChildren(row("current", "stable", r.stable), row("new", "candidate", r.candidate));

  const ag = byId("ro-agreement");
  ag.hidden = !r.agreement;
  if (r.agreement) {
    const diff = r.agreement.mean_confidence_diff;
    byId("ro-agree").textContent =
      `Same top label: ${pc(r.agreement.rate)} (${r.agreement.agreed} of ${r.agreement.compared}), mean confidence difference ` +
      `${diff == null ? "–" : diff.toFixed(3)}; copies dropped under load: ${r.shadow.dropped}`;
  }
  const own = document.getElementById("ro-owner");
  if (own) {
    own.hidden = r.state !== "active";
    const next = r.stages[r.stage + 1];
    byId("ro-promote").textContent = next === undefined ? "Promote to everyone" : `Promote to ${next} %`;
  }
  byId("ro-history").replaceChildren(
    ...r.history.map((d) => el("li", { textContent: `${new Date(d.at).toLocaleTimeString()} — ${d.action} (${d.by}): ${d.reason}` })),
  );
}
void poll();

// The monitor is the owner's: for anyone else the host answers 404 and nothing is shown.
const drift = byId<HTMLAnchorElement>("drift");
async function pollDrift(): Promise<void> {
  try {
    const r = await fetch(`${base}/app/gradio_api/monitor?minutes=60`);
    if (r.ok) {
      const m = (await r.json()) as MonitorView;
      drift.hidden = false;
      drift.href = `${base}/app/monitor`;
      drift.dataset.alert = String(m.drift.alert);
      drift.textContent = m.drift.alert ? `Drift since ${new Date(m.drift.since).toLocaleTimeString()}` : "No drift";
      drift.title = m.drift.reasons.map((x) => x.detail).join("\n") || "Monitor: requests, latency, classes, out-of-domain rate";
    }
  } catch {
    /* the chip stays hidden */
  }
  setTimeout(pollDrift, 10000);
}
void pollDrift();

// The logs, followed live (build or container).
let source: EventSource | undefined;
const log = byId("log");
function follow(kind: string): void {
  source?.close();
  log.textContent = "";
  source = new EventSource(`${api}/logs/${kind}`);
  source.onmessage = (e: MessageEvent<string>) => {
    const line = JSON.parse(e.data) as { data: string };
    log.textContent += `${line.data}\n`;
    log.scrollTop = log.scrollHeight;
  };
}
const logButtons = document.querySelectorAll<HTMLButtonElement>("[data-log]");
for (const b of logButtons)
  b.onclick = () => {
    for (const x of logButtons) x.setAttribute("aria-pressed", String(x === b));
    follow(b.dataset.log!);
  };

// The tabs: App, Logs, Files, Rollout.
const tabButtons = document.querySelectorAll<HTMLButtonElement>("[data-tab]");
for (const b of tabButtons)
  b.onclick = async () => {
    for (const x of tabButtons) x.setAttribute("aria-pressed", String(x === b));
    for (const s of ["app", "logs", "files", "rollout"]) byId(s).hidden = s !== b.dataset.tab;
    if (b.dataset.tab === "logs" && !source) follow("build");
    if (b.dataset.tab === "files") {
      const files = (await (await hostFetch(`${api}/tree`)).json()) as { path: string; size: number }[];
      byId("tree").replaceChildren(...files.map((f) => el("tr", {}, ...[f.path, `${f.size} B`].map((v) => el("td", { textContent: v })))));
    }
  };
if (new URLSearchParams(location.search).get("tab") === "rollout") {
  const t = byId("ro-tab");
  t.hidden = false;
  t.click();
}

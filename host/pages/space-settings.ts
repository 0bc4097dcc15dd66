/**
 * A Space's settings page (`/spaces/<owner>/<name>/settings`), for its owner, as on Hugging Face:
 * variables (shown, editable) and secrets (write-only: only their names come back), visibility,
 * resource limits within the host's ceiling, sleep time, rename, and delete with the Space's name
 * typed to confirm. Every section is a plain form (POST, then 303 back here), so it works
 * without JavaScript; a refused one is shown again with the message in an alert.
 */
import type { SpaceRecord } from "../accounts/accounts.ts";
import { type HostLimits, LIMIT_NAMES, type Limits } from "../apps/limits.ts";
import { csrfField, escapeHtml as esc, layout } from "./layout.ts";

/** The sections of the page, each a form posted to `settings/<section>`. */
export type SettingsSection = "variables" | "secrets" | "visibility" | "limits" | "sleep" | "rename" | "delete";

/** What the page shows besides the Space's record. */
export interface SettingsView {
  space: SpaceRecord;
  user: string;
  csrf: string | undefined;
  host: HostLimits;
  /** The host's sleep time (SPACE_SLEEP_AFTER) in seconds. */
  hostSleepSeconds: number;
  /** The section just saved (from `?saved=`), said in a status line. */
  saved?: string | undefined;
  /** A refused form: its section, the message, and the fields to fill it with again (never a secret's value). */
  error?: { section: SettingsSection; message: string; fields: Record<string, string> } | undefined;
  /** A variable to fill the variable form with (`?edit=`). */
  edit?: string | undefined;
}

const SLEEP_CHOICES: [number, string][] = [
  [300, "5 minutes"],
  [900, "15 minutes"],
  [1800, "30 minutes"],
  [3600, "1 hour"],
  [36_000, "10 hours"],
  [86_400, "24 hours"],
  [172_800, "48 hours"],
  [259_200, "72 hours"],
  [-1, "Never"],
];

/** "48 hours", "90 seconds": a sleep time in words. */
export function describeSeconds(seconds: number): string {
  if (seconds === -1) return "never";
  const named = SLEEP_CHOICES.find(([s]) => s === seconds);
  if (named) return named[1];
  for (const [unit, size] of [
    ["hours", 3600],
    ["minutes", 60],
  ] as const)
    if (seconds % size === 0) return `${seconds / size} ${unit}`;
  return `${seconds} seconds`;
}

const STYLE = `<style>
main.page{max-width:56rem}section{border:1px solid var(--border);border-radius:12px;padding:.25rem 1.25rem 1rem;margin:1.25rem 0}
h2{font-size:1.15rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--border);vertical-align:top}
td form{display:inline;margin:0}.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
input[type=number],select,textarea{font:inherit;padding:.45rem .6rem;border:1px solid var(--border);border-radius:8px;background:var(--bg);color:inherit}
.hint{font-size:.85rem;margin:.2rem 0 0}.row{display:flex;flex-wrap:wrap;gap:0 1.5rem}fieldset{border:0;padding:0;margin:.5rem 0}legend{font-weight:600}
fieldset label{display:inline;font-weight:400;margin-right:1rem}.danger{border-color:#dc2626}button.delete{border-color:#dc2626;color:#b91c1c}
@media (prefers-color-scheme:dark){button.delete{color:#fca5a5}}.saved{background:#dcfce7;color:#14532d;padding:.5rem .8rem;border-radius:8px}
</style>`;

/**
 * The page's HTML; every value from the Space's record or the visitor is escaped.
 *
 * @example
 * c.html(spaceSettingsPage({ space, user: "alice", csrf: c.var.csrf, host: spaces.sandboxing.limits, hostSleepSeconds: 172800 }))
 */
export function spaceSettingsPage(view: SettingsView): string {
  const { space, csrf, error } = view;
  const id = `${space.owner}/${space.name}`;
  const base = `/spaces/${esc(id)}/settings`;
  const alert = (section: SettingsSection) =>
    error?.section === section ? `<p class="error" role="alert" id="${section}-error">${esc(error.message)}</p>` : "";
  const refill = (section: SettingsSection, field: string, fallback = "") =>
    esc(error?.section === section ? (error.fields[field] ?? fallback) : fallback);
  const described = (section: SettingsSection) => (error?.section === section ? ` aria-describedby="${section}-error"` : "");
  const form = (action: string, inner: string, extra = "") =>
    `<form method="post" action="${base}/${action}"${extra}>${csrfField(csrf)}${inner}</form>`;

  const envInfo = (kind: "variables" | "secrets", key: string) => space.envInfo?.[kind]?.[key];
  const variableRows = Object.keys(space.variables)
    .sort()
    .map(
      (key) => `<tr><th scope="row"><code>${esc(key)}</code></th><td><code>${esc(space.variables[key] ?? "")}</code></td>
<td>${esc(envInfo("variables", key)?.description ?? "")}</td>
<td><a href="${base}?edit=${encodeURIComponent(key)}#variable-form">Edit<span class="vh"> ${esc(key)}</span></a>
${form("variables/delete", `<input type="hidden" name="key" value="${esc(key)}"><button class="delete">Delete<span class="vh"> variable ${esc(key)}</span></button>`)}</td></tr>`,
    )
    .join("");
  const editing = view.edit !== undefined && Object.hasOwn(space.variables, view.edit) ? view.edit : undefined;
  const variables = `<section aria-labelledby="variables"><h2 id="variables">Variables</h2>
<p class="muted">Given to the app as environment variables, and shown here to you.</p>
${variableRows ? `<table><thead><tr><th scope="col">Name</th><th scope="col">Value</th><th scope="col">Description</th><th scope="col">Actions</th></tr></thead><tbody>${variableRows}</tbody></table>` : `<p>No variables yet.</p>`}
${alert("variables")}${form(
  "variables",
  `<h3>${editing ? `Edit ${esc(editing)}` : "New variable"}</h3>
<label for="variable-key">Name</label><input type="text" id="variable-key" name="key" required pattern="[A-Za-z_][A-Za-z0-9_]*" value="${refill("variables", "key", editing ?? "")}"${described("variables")}>
<label for="variable-value">Value</label><input type="text" id="variable-value" name="value" value="${refill("variables", "value", editing ? (space.variables[editing] ?? "") : "")}">
<label for="variable-description">Description (optional)</label><input type="text" id="variable-description" name="description" value="${refill("variables", "description", editing ? (envInfo("variables", editing)?.description ?? "") : "")}">
<p><button class="primary">Save variable</button></p>`,
  ' id="variable-form"',
)}</section>`;

  const secretRows = Object.keys(space.secrets)
    .sort()
    .map(
      (key) => `<tr><th scope="row"><code>${esc(key)}</code></th><td>${esc(envInfo("secrets", key)?.description ?? "")}</td>
<td>${esc(envInfo("secrets", key)?.updatedAt?.slice(0, 16).replace("T", " ") ?? "")}</td>
<td>${form("secrets/delete", `<input type="hidden" name="key" value="${esc(key)}"><button class="delete">Delete<span class="vh"> secret ${esc(key)}</span></button>`)}</td></tr>`,
    )
    .join("");
  const secrets = `<section aria-labelledby="secrets"><h2 id="secrets">Secrets</h2>
<p class="muted">Given to the app as environment variables; their values are never shown again, here or anywhere. Set one again to replace it.</p>
${secretRows ? `<table><thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Updated (UTC)</th><th scope="col">Actions</th></tr></thead><tbody>${secretRows}</tbody></table>` : `<p>No secrets yet.</p>`}
${alert("secrets")}${form(
  "secrets",
  `<h3>New secret or new value</h3>
<label for="secret-key">Name</label><input type="text" id="secret-key" name="key" required pattern="[A-Za-z_][A-Za-z0-9_]*" value="${refill("secrets", "key")}"${described("secrets")}>
<label for="secret-value">Value</label><input type="password" id="secret-value" name="value" autocomplete="off">
<label for="secret-description">Description (optional)</label><input type="text" id="secret-description" name="description" value="${refill("secrets", "description")}">
<p><button class="primary">Save secret</button></p>`,
)}</section>`;

  const visibility = `<section aria-labelledby="visibility"><h2 id="visibility">Visibility</h2>
${alert("visibility")}${form(
  "visibility",
  `<fieldset><legend>This Space is ${space.private ? "private" : "public"}</legend>
<input type="radio" id="visibility-public" name="visibility" value="public"${space.private ? "" : " checked"}><label for="visibility-public">Public: anyone can see and use it</label>
<input type="radio" id="visibility-private" name="visibility" value="private"${space.private ? " checked" : ""}><label for="visibility-private">Private: only you</label></fieldset>
<p><button class="primary">Save visibility</button></p>`,
)}</section>`;

  const limitFields = (Object.keys(LIMIT_NAMES) as (keyof Limits)[])
    .map((key) => {
      const names = LIMIT_NAMES[key];
      const label = { memoryMb: "Memory (MB)", cpus: "CPUs (cores)", pids: "Processes", diskMb: "Disk (MB)" }[key];
      const own = space.limits?.[key];
      return `<div><label for="limit-${key}">${label}</label><input type="number" id="limit-${key}" name="${key}" min="${key === "cpus" ? "0.01" : "1"}" step="${key === "cpus" ? "any" : "1"}" value="${refill("limits", key, own === undefined ? "" : String(own))}" aria-describedby="limit-${key}-hint${error?.section === "limits" ? " limits-error" : ""}">
<p class="hint muted" id="limit-${key}-hint">Host default ${view.host.defaults[key]} ${names.unit}, at most ${view.host.max[key]} ${names.unit}. Empty: the default.</p></div>`;
    })
    .join("");
  const limits = `<section aria-labelledby="limits"><h2 id="limits">Resources</h2>
<p class="muted">What the app may use, within this host's maximum. Saving a change restarts the app.</p>
${alert("limits")}${form("limits", `<div class="row">${limitFields}</div><p><button class="primary">Save resources</button></p>`)}</section>`;

  const current = space.sleepTime;
  const choices = [...SLEEP_CHOICES];
  if (current !== undefined && !choices.some(([s]) => s === current)) choices.push([current, describeSeconds(current)]);
  const sleep = `<section aria-labelledby="sleep"><h2 id="sleep">Sleep time</h2>
<p class="muted">After this long without visitors the app stops; the next visit wakes it.</p>
${alert("sleep")}${form(
  "sleep",
  `<label for="sleep-seconds">Sleep after</label><select id="sleep-seconds" name="seconds">
<option value=""${current === undefined ? " selected" : ""}>The host's default (${esc(describeSeconds(view.hostSleepSeconds))})</option>
${choices.map(([s, words]) => `<option value="${s}"${current === s ? " selected" : ""}>${esc(words)}</option>`).join("")}</select>
<p><button class="primary">Save sleep time</button></p>`,
)}</section>`;

  const rename = `<section aria-labelledby="rename"><h2 id="rename">Rename</h2>
<p class="muted">The Space, its repository, files, data and app move to the new name; links, git remotes and API calls to the old name are redirected until another Space takes it. Its app gets the new name's address.</p>
${alert("rename")}${form(
  "rename",
  `<label for="rename-name">New name</label><span class="muted">${esc(space.owner)}/</span><input type="text" id="rename-name" name="name" required value="${refill("rename", "name", space.name)}"${described("rename")}>
<p><button class="primary">Rename</button></p>`,
)}</section>`;

  const remove = `<section class="danger" aria-labelledby="delete"><h2 id="delete">Delete this Space</h2>
<p>This removes the app, its repository, files, data, variables and secrets, for good.</p>
${alert("delete")}${form(
  "delete",
  `<label for="delete-confirm">Type <code>${esc(id)}</code> to confirm</label><input type="text" id="delete-confirm" name="confirm" required autocomplete="off"${described("delete")}>
<p><button class="delete">Delete ${esc(id)}</button></p>`,
)}</section>`;

  return layout({
    title: `${error ? "Error: " : ""}Settings · ${id}`,
    user: view.user,
    here: base,
    csrf,
    head: STYLE,
    body: `<main class="page"><p><a href="/spaces/${esc(id)}">← ${esc(id)}</a></p><h1>Settings of ${esc(id)}</h1>
${view.saved ? `<p class="saved" role="status">Saved: ${esc(view.saved)}.</p>` : ""}
${variables}${secrets}${visibility}${limits}${sleep}${rename}${remove}</main>`,
  });
}

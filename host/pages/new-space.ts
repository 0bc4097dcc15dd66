/**
 * The pages that make a Space from the browser, as on huggingface.co/new-space: the New Space
 * form (owner, name, visibility, a starting point), the Duplicate form of a Space, and the Space
 * page's Clone and Duplicate menus. Every form works without JavaScript: it posts, and either
 * lands on the new Space or comes back with its values and a message.
 */
import type { SpaceTemplate } from "../spaces/templates.ts";
import { csrfField, escapeHtml, layout } from "./layout.ts";

const FORM_STYLE = `<style>
form.make{max-width:40rem}fieldset{border:1px solid var(--border);border-radius:8px;margin:1rem 0;padding:.4rem 1rem .8rem}
legend{font-weight:600;padding:0 .3rem}fieldset label{display:flex;gap:.5rem;align-items:baseline;font-weight:400;margin:.5rem 0}
fieldset label span{display:block}select{font:inherit;padding:.45rem .6rem;border:1px solid var(--border);border-radius:8px;background:var(--bg);color:inherit;min-width:16rem}
.hint{font-size:.85rem;margin:.3rem 0 0}
</style>`;

/** The visibility radios, one checked. */
const visibilityFields = (isPrivate: boolean) => `<fieldset><legend>Visibility</legend>
<label><input type="radio" name="visibility" value="public"${isPrivate ? "" : " checked"}><span>Public: anyone can see and use it; only you can change it.</span></label>
<label><input type="radio" name="visibility" value="private"${isPrivate ? " checked" : ""}><span>Private: only you can see it.</span></label></fieldset>`;

/** The form's values as sent (or their defaults). */
export interface NewSpaceValues {
  name: string;
  private: boolean;
  template: string;
}

/**
 * The New Space form (`GET /new`), with `error` in an alert when a post was refused.
 *
 * @example
 * c.html(newSpacePage({ user: "alice", csrf: c.var.csrf, templates: TEMPLATES, values: { name: "", private: false, template: "blank" } }))
 */
export function newSpacePage({
  user,
  csrf,
  templates,
  values,
  error,
}: {
  user: string;
  csrf: string | undefined;
  templates: readonly SpaceTemplate[];
  values: NewSpaceValues;
  error?: string;
}): string {
  const choices = templates
    .map(
      (t) =>
        `<label><input type="radio" name="template" value="${escapeHtml(t.id)}"${t.id === values.template ? " checked" : ""}><span><strong>${escapeHtml(t.title)}</strong><span class="muted hint">${escapeHtml(t.description)}</span></span></label>`,
    )
    .join("\n");
  return layout({
    title: "New Space · Spaces",
    user,
    here: "/new",
    csrf,
    head: FORM_STYLE,
    body: `<main class="page"><h1>Create a new Space</h1>
<p class="muted">A Space is a git repository the host builds and serves at each push to main.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form class="make" method="post" action="/new">${csrfField(csrf)}
<label for="owner">Owner</label><select id="owner" name="owner"><option value="${escapeHtml(user)}" selected>${escapeHtml(user)}</option></select>
<label for="name">Space name</label><input type="text" id="name" name="name" required maxlength="96" pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]*" autocomplete="off" aria-describedby="name-hint" value="${escapeHtml(values.name)}">
<p class="muted hint" id="name-hint">Letters, digits, "-", "_" and "." (not first, no ".."), at most 96 characters.</p>
${visibilityFields(values.private)}
<fieldset><legend>Start from</legend>
${choices}</fieldset>
<p><button class="primary">Create Space</button></p></form></main>`,
  });
}

/**
 * The Duplicate form of `source` (`GET /spaces/<owner>/<name>/duplicate`, and the page a refused
 * post comes back to).
 *
 * @example
 * c.html(duplicatePage({ user: "alice", csrf: c.var.csrf, source: "bob/demo", values: { name: "demo", private: false } }))
 */
export function duplicatePage({
  user,
  csrf,
  source,
  values,
  error,
}: {
  user: string;
  csrf: string | undefined;
  source: string;
  values: { name: string; private: boolean };
  error?: string;
}): string {
  return layout({
    title: `Duplicate ${source} · Spaces`,
    user,
    here: `/spaces/${source}/duplicate`,
    csrf,
    head: FORM_STYLE,
    body: `<main class="page"><h1>Duplicate ${escapeHtml(source)}</h1>
<p class="muted">A copy of its files and history in your namespace, with its variables. Its secrets are not copied: set your own.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
${duplicateForm(source, user, csrf, values, "dup")}</main>`,
  });
}

/** The Duplicate form itself (the page's and the Space page's menu), its ids prefixed by `prefix`. */
function duplicateForm(source: string, user: string, csrf: string | undefined, values: { name: string; private: boolean }, prefix: string) {
  return `<form class="make" method="post" action="/spaces/${escapeHtml(source)}/duplicate">${csrfField(csrf)}
<p>Owner: <strong>${escapeHtml(user)}</strong></p>
<label for="${prefix}-name">New Space name</label><input type="text" id="${prefix}-name" name="name" required maxlength="96" autocomplete="off" value="${escapeHtml(values.name)}">
${visibilityFields(values.private)}
<p><button class="primary">Duplicate Space</button></p></form>`;
}

/**
 * The two commands that clone a Space and push a change to it.
 *
 * @example
 * cloneCommands("http://localhost:7861", "alice/demo") // → "git clone http://localhost:7861/spaces/alice/demo\ncd demo\n…"
 */
export function cloneCommands(base: string, id: string): string {
  const name = id.split("/")[1] ?? id;
  return `git clone ${base}/spaces/${id}\ncd ${name}\n# change something, commit it, then:\ngit push`;
}

const MENU_STYLE = `<style>
details.menu{position:relative}details.menu>summary{list-style:none;font:inherit;padding:.35rem .8rem;border:1px solid var(--border);border-radius:8px;cursor:pointer}
details.menu>summary::-webkit-details-marker{display:none}details.menu>div{position:absolute;z-index:5;left:0;top:2.4rem;width:min(34rem,90vw);padding:.4rem 1rem;border:1px solid var(--border);border-radius:8px;background:Canvas;color:CanvasText;box-shadow:0 4px 16px #0003}
details.menu pre{height:auto;border-radius:8px}details.menu fieldset{border:1px solid var(--border);border-radius:8px;margin:.6rem 0}details.menu label{display:block;margin:.4rem 0}
details.menu input[type=text]{font:inherit;padding:.4rem .6rem;width:90%}details.menu button{font:inherit;padding:.35rem .9rem;border-radius:8px;border:1px solid var(--border);cursor:pointer}
</style>`;

/**
 * The Space page's menus: Clone (the commands; open with a "created" note right after the Space
 * was made) and, for a signed-in visitor, Duplicate (its form).
 *
 * @example
 * spaceMenus({ id: "bob/demo", base: "http://localhost:7861", user: "alice", csrf: c.var.csrf })
 */
export function spaceMenus({
  id,
  base,
  user,
  csrf,
  created = false,
}: {
  id: string;
  base: string;
  user: string | undefined;
  csrf: string | undefined;
  created?: boolean;
}): string {
  const clone = `<details class="menu"${created ? " open" : ""}><summary>Clone</summary><div>
${created ? `<p role="status"><strong>${escapeHtml(id)} is created</strong> and is being built. Clone it and push a change:</p>` : "<p>Clone it and push a change:</p>"}
<pre class="cmd" tabindex="0" aria-label="Commands to clone and push">${escapeHtml(cloneCommands(base, id))}</pre>
<p class="id">git asks for your user name and a write token to push.</p></div></details>`;
  const duplicate = user
    ? `<details class="menu"><summary>Duplicate</summary><div>${duplicateForm(id, user, csrf, { name: id.split("/")[1] ?? "", private: false }, "menu")}</div></details>`
    : "";
  return `${MENU_STYLE}${clone}${duplicate}`;
}

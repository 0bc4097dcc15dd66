/**
 * The front door (`/`) and an owner's page (`/spaces/<owner>`), as on huggingface.co/spaces: the
 * Spaces as cards (emoji on the card's colours, title, owner/name, status, short description),
 * newest first, with a search box, and the two commands that make a new one.
 */
import { cardColour, escapeHtml, layout } from "./layout.ts";
import { STAGE_NAMES } from "./stage-names.ts";

/** One Space as a card shows it. */
export interface SpaceSummary {
  id: string;
  private: boolean;
  stage: string;
  card: { title?: unknown; emoji?: unknown; colorFrom?: unknown; colorTo?: unknown; short_description?: unknown };
}

const CARDS_STYLE = `<style>
.search{display:flex;gap:.5rem;margin:0 0 1.25rem}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:1rem;padding:0;list-style:none}
.card{display:block;border-radius:12px;padding:1rem;min-height:7.5rem;color:#18181b;text-decoration:none;position:relative}
.card:hover{filter:brightness(1.05)}.card .emoji{font-size:1.8rem}.card h2{font-size:1.05rem;margin:.3rem 0}
.card .id,.card p{margin:.2rem 0;font-size:.85rem;color:#27272a}.card .chip{position:absolute;top:.8rem;right:.8rem}
.new{border:1px dashed var(--border);border-radius:12px;padding:1rem;margin-top:2rem}
</style>`;

function cardHtml(s: SpaceSummary): string {
  const from = cardColour(s.card.colorFrom, "#c7d2fe");
  const to = cardColour(s.card.colorTo, "#fbcfe8");
  const title = escapeHtml(String(s.card.title ?? s.id.split("/")[1]));
  return `<li><a class="card" href="/spaces/${escapeHtml(s.id)}" style="background:linear-gradient(135deg,${from},${to})">
<span class="chip" data-stage="${escapeHtml(s.stage)}">${escapeHtml(STAGE_NAMES[s.stage] ?? s.stage)}</span>
<span class="emoji" aria-hidden="true">${escapeHtml(String(s.card.emoji ?? "🤗"))}</span><h2>${title}</h2>
<p class="id">${escapeHtml(s.id)}${s.private ? " · 🔒 private" : ""}</p>${s.card.short_description ? `<p>${escapeHtml(String(s.card.short_description))}</p>` : ""}</a></li>`;
}

/**
 * The list page: every Space the visitor may see (`spaces`, newest first), filtered by `search`.
 *
 * @example
 * c.html(spacesPage({ heading: "Spaces", spaces, search: "", user: "alice", here: "/", origin: "http://127.0.0.1:7861", csrf: c.var.csrf }))
 */
export function spacesPage({
  heading,
  spaces,
  search,
  user,
  here,
  origin,
  csrf,
  admin,
}: {
  heading: string;
  spaces: SpaceSummary[];
  search: string;
  user: string | undefined;
  here: string;
  origin: string;
  /** The session's CSRF token (for the sign-out form). */
  csrf?: string | undefined;
  /** Whether the user is an admin (the header links to /admin). */
  admin?: boolean;
}): string {
  const shown = search
    ? spaces.filter((s) => `${s.id} ${s.card.title ?? ""} ${s.card.short_description ?? ""}`.toLowerCase().includes(search.toLowerCase()))
    : spaces;
  const owner = user ?? "<you>";
  const list = shown.length
    ? `<ul class="grid" aria-label="Spaces">${shown.map(cardHtml).join("\n")}</ul>`
    : `<p class="muted">${search ? `No Space matches “${escapeHtml(search)}”.` : "No Spaces yet."}</p>`;
  return layout({
    title: heading,
    user,
    here,
    csrf,
    admin,
    head: CARDS_STYLE,
    body: `<main class="page"><h1>${escapeHtml(heading)}</h1>
<form class="search" role="search" method="get" action="${escapeHtml(here)}"><input type="search" name="search" value="${escapeHtml(search)}" placeholder="Search Spaces" aria-label="Search Spaces"><button>Search</button></form>
${list}
<section class="new" aria-labelledby="new"><h2 id="new">Make a Space</h2>
${
  user
    ? `<p><a class="button primary" href="/new">New Space</a> from a template, or push a folder with <code>README.md</code>, <code>package.json</code> and its lockfile, with a write token from <a href="/settings/tokens">Settings</a>:</p>`
    : `<p><a href="/login?next=/new">Sign in</a> (new here? ask the host's admin for an invite link) to make a Space from a template, or push a folder with <code>README.md</code>, <code>package.json</code> and its lockfile, with a write token from your Settings:</p>`
}
<pre class="cmd" tabindex="0"># $TOKEN: a write token (Settings → Tokens)
git push http://${escapeHtml(owner)}:$TOKEN@${escapeHtml(new URL(origin).host)}/spaces/${escapeHtml(owner)}/my-space main</pre></section></main>`,
  });
}

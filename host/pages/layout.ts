/**
 * The shell every host page shares: the header (the host's name, sign-in state), the styles,
 * and HTML escaping — every value that came from a user (names, card fields, messages) goes
 * through `escapeHtml` before it is part of a page.
 */

/** Escapes text for HTML content and quoted attributes. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Hugging Face's card colours (colorFrom/colorTo) as CSS colours. */
const COLOURS: Record<string, string> = {
  red: "#f87171",
  yellow: "#facc15",
  green: "#4ade80",
  blue: "#60a5fa",
  indigo: "#818cf8",
  purple: "#c084fc",
  pink: "#f472b6",
  gray: "#9ca3af",
};
export const cardColour = (name: unknown, fallback: string): string => COLOURS[String(name)] ?? fallback;

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,sans-serif;--border:#d4d4d8;--muted:#52525b;--bg:#fff;--fg:#18181b;--accent:#4338ca}
@media (prefers-color-scheme:dark){:root{--border:#3f3f46;--muted:#a1a1aa;--bg:#18181b;--fg:#f4f4f5;--accent:#a5b4fc}}
body{margin:0;background:var(--bg);color:var(--fg)}a{color:var(--accent)}
.top{display:flex;gap:1rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--border)}
.top .brand{font-weight:700;text-decoration:none;color:inherit}.top .who{margin-left:auto;display:flex;gap:.6rem;align-items:center}
.top form{margin:0}button,.button{font:inherit;padding:.35rem .8rem;border:1px solid var(--border);border-radius:8px;background:none;color:inherit;text-decoration:none;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
@media (prefers-color-scheme:dark){button.primary{color:#18181b}}
main.page{max-width:72rem;margin:0 auto;padding:1.25rem 1rem}h1{font-size:1.5rem;margin:.25rem 0 1rem}
.muted{color:var(--muted)}pre.cmd{background:#18181b;color:#e4e4e7;padding:.8rem 1rem;border-radius:8px;overflow-x:auto;font-size:.85rem}
.chip{border-radius:99px;padding:.1rem .55rem;font-size:.75rem;font-weight:600;background:#e4e4e7;color:#18181b;white-space:nowrap}
.chip[data-stage=RUNNING]{background:#bbf7d0;color:#14532d}.chip[data-stage$=ERROR]{background:#fecaca;color:#7f1d1d}.chip[data-stage=SLEEPING]{background:#e0e7ff;color:#312e81}
input[type=text],input[type=search],input[type=password]{font:inherit;padding:.45rem .6rem;border:1px solid var(--border);border-radius:8px;background:var(--bg);color:inherit;min-width:16rem}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}.error{color:#b91c1c;font-weight:600}
@media (prefers-color-scheme:dark){.error{color:#fca5a5}}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
`;

/**
 * The session's CSRF token as a form's hidden `csrf` field (nothing without a session): every
 * host form that changes something carries it (`checkCsrf` in accounts/auth.ts).
 */
export const csrfField = (csrf: string | undefined): string =>
  csrf ? `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">` : "";

/** The same token for the page's scripts, which send it as `x-csrf-token` (`hostFetch` in client/space.ts). */
export const csrfMeta = (csrf: string | undefined): string => (csrf ? `<meta name="csrf-token" content="${escapeHtml(csrf)}">` : "");

/** The header's right side: who is signed in, their settings (and the admin page), a sign-out button — or a sign-in link. */
function who(user: string | undefined, here: string, csrf: string | undefined, admin: boolean): string {
  if (!user) return `<a class="button" href="/login?next=${encodeURIComponent(here)}">Sign in</a>`;
  return `<a href="/spaces/${escapeHtml(user)}">${escapeHtml(user)}</a><a href="/settings/tokens">Settings</a>${admin ? `<a href="/admin">Admin</a>` : ""}<form method="post" action="/logout">${csrfField(csrf)}<button>Sign out</button></form>`;
}

/**
 * A whole page: `body` is HTML the caller built (escaping what it took from users).
 *
 * @example
 * c.html(layout({ title: "Spaces", user: c.var.user, here: "/", body: "<h1>Spaces</h1>", csrf: c.var.csrf }))
 */
export function layout({
  title,
  user,
  here,
  body,
  head = "",
  csrf,
  admin = false,
}: {
  title: string;
  user: string | undefined;
  here: string;
  body: string;
  head?: string;
  /** The session's CSRF token, for the sign-out form and any script (a session only). */
  csrf?: string | undefined;
  /** Whether the user is an admin (the header links to /admin). */
  admin?: boolean;
}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="data:,">${csrfMeta(csrf)}<style>${STYLE}</style>${head}</head>
<body><header class="top"><a class="brand" href="/">🤗 Spaces</a><nav class="who" aria-label="Account">${who(user, here, csrf, admin)}</nav></header>
${body}
</body></html>`;
}

/** What a browser sees for a refused or failed request. */
export function errorPage(status: number, message: string, user?: string, csrf?: string): string {
  return layout({
    title: `${status} · Spaces`,
    user,
    csrf,
    here: "/",
    body: `<main class="page"><h1>${status === 404 ? "Not found" : `Error ${status}`}</h1><p>${escapeHtml(message)}</p>
<p><a href="/">All Spaces</a>${user ? "" : ` · <a href="/login">Sign in</a> to see your private Spaces.`}</p></main>`,
  });
}

/** What a browser sees while a sleeping Space starts: it says so, and reloads until the app answers. */
export function wakingPage(id: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>${escapeHtml(id)} is waking up</title>
<style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;color:#3f3f46}</style></head>
<body><main><h1>${escapeHtml(id)} is waking up…</h1><p>It was asleep after a while without visitors. This page reloads by itself in a few seconds.</p></main></body></html>`;
}

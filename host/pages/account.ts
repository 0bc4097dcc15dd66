/**
 * The account pages: joining with an invite link (`/join/<code>`), the signed-in user's tokens
 * (`/settings/tokens`), and the admin's page (`/admin`: users, invite links). A token is shown
 * once, as plain text on the page that made it; its Copy button is progressive enhancement (a
 * small inline script shows it), so the pages work without JavaScript.
 */
import type { TokenInfo, UserInfo } from "../accounts/accounts.ts";
import { csrfField, escapeHtml as esc, layout } from "./layout.ts";

const STYLE = `<style>
table{border-collapse:collapse;margin:.5rem 0 1.5rem;min-width:min(100%,40rem)}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{text-align:left;padding:.4rem .8rem;border-bottom:1px solid var(--border);vertical-align:middle}td form{margin:0}
select{font:inherit;padding:.4rem .5rem;border:1px solid var(--border);border-radius:8px;background:var(--bg);color:inherit}
.secret{display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}.secret code{font-size:1rem;padding:.4rem .6rem;border:1px solid var(--border);border-radius:8px;word-break:break-all;user-select:all}
.tag{font-size:.75rem;font-weight:600;border-radius:99px;padding:.05rem .5rem;background:#e0e7ff;color:#312e81;margin-left:.4rem}
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;padding:0}.inline{display:inline-flex;gap:.4rem;align-items:center;font-weight:400;margin:.3rem 1rem .3rem 0}
section{margin:1.5rem 0}h2{font-size:1.15rem}
</style>`;

/**
 * The Copy buttons' script: shows each `[data-copy]` button (hidden without JavaScript) and copies
 * the text of the element it names — with the clipboard API where the page is a secure context,
 * else by selecting the text and `execCommand("copy")` (plain http on a LAN).
 */
const COPY_SCRIPT = `<script>
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy);
    let copied = false;
    try { await navigator.clipboard.writeText(text.textContent); copied = true; } catch {}
    if (!copied) {
      const range = document.createRange();
      range.selectNodeContents(text);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      copied = document.execCommand("copy");
    }
    document.getElementById(button.dataset.copy + "-status").textContent = copied ? "Copied." : "Selected: press Ctrl+C to copy.";
  });
}
</script>`;

/** A secret shown once, with its Copy button (and where the button says what it did). */
const shownOnce = (id: string, label: string, value: string) =>
  `<p class="secret"><code id="${id}" aria-label="${esc(label)}">${esc(value)}</code><button type="button" data-copy="${id}" hidden>Copy</button><span id="${id}-status" role="status"></span></p>`;

const alert = (error: string | undefined) => (error ? `<p class="error" role="alert">${esc(error)}</p>` : "");

/** The name rules, as the join form states them. */
const NAME_RULES =
  'Letters, digits, "-", "_" and "." (not first or last, no ".."), at most 96 characters. It is part of your Spaces\' addresses.';

/**
 * The join form: a user name, for an invite link's code. `nonce` is the sign-in nonce (no
 * session yet): the form sends it back.
 *
 * @example
 * c.html(joinPage({ code, nonce: signInNonce(c, key), admin: false }))
 */
export function joinPage({
  code,
  nonce,
  admin,
  error,
  name,
}: {
  code: string;
  nonce: string;
  admin: boolean;
  error?: string;
  name?: string;
}): string {
  return layout({
    title: "Join · Spaces",
    user: undefined,
    here: "/",
    head: STYLE,
    body: `<main class="page"><h1>Join this Space host</h1>
<p>You were invited to make an account${admin ? " (as an admin)" : ""}. Pick your user name: your Spaces will live under <code>/spaces/&lt;name&gt;/…</code>.</p>
${alert(error)}
<form method="post" action="/join/${esc(encodeURIComponent(code))}">${csrfField(nonce)}
<label for="user">User name</label><input type="text" id="user" name="user" autocomplete="username" required maxlength="96" aria-describedby="user-rules" value="${esc(name ?? "")}">
<p id="user-rules" class="muted">${esc(NAME_RULES)}</p>
<p><button class="primary">Create account</button></p></form></main>`,
  });
}

/**
 * The page that shows a new token, once: after joining (its first write token) or after making
 * one on the tokens page. `host` is the host's address as git reaches it.
 *
 * @example
 * c.html(tokenShownPage({ user: "carol", csrf, token, info, origin: "http://localhost:7861", joined: true }))
 */
export function tokenShownPage({
  user,
  csrf,
  admin,
  token,
  info,
  origin,
  joined = false,
}: {
  user: string;
  csrf: string | undefined;
  admin?: boolean;
  token: string;
  info: Pick<TokenInfo, "name" | "role">;
  origin: string;
  joined?: boolean;
}): string {
  const host = new URL(origin);
  const remote = `${host.protocol}//${user}:${token}@${host.host}/spaces/${user}`;
  const command = info.role === "write" ? `git push ${remote}/my-space main` : `git clone ${remote}/<space>`;
  return layout({
    title: "Your new token · Spaces",
    user,
    csrf,
    admin,
    here: "/settings/tokens",
    head: STYLE,
    body: `<main class="page"><h1>${joined ? `Welcome, ${esc(user)}` : "Your new token"}</h1>
${joined ? `<p>Your account is made and this browser is signed in. Here is your first token, a write token named “first token”.</p>` : `<p>A ${esc(info.role)} token named “${esc(info.name)}”.</p>`}
<h2>Your token</h2>
<p><strong>It is shown only now:</strong> copy it and keep it somewhere safe. You can make more, and revoke any, in <a href="/settings/tokens">Settings</a>.</p>
${shownOnce("token", "Your new token", token)}
<h2>${info.role === "write" ? "Push a Space" : "Clone a Space"}</h2>
<p>${info.role === "write" ? "Push a folder with <code>README.md</code>, <code>package.json</code> and its lockfile: the Space is made by the push." : "A read token clones and reads your Spaces, private ones too; it can't push."}</p>
${shownOnce("command", info.role === "write" ? "The git push command" : "The git clone command", command)}
<p><a href="/">All Spaces</a></p></main>${COPY_SCRIPT}`,
  });
}

/** A date as the tokens table shows it: day and minute, UTC. */
const when = (iso: string | undefined) =>
  iso ? `<time datetime="${esc(iso)}">${esc(iso.slice(0, 16).replace("T", " "))} UTC</time>` : `<span class="muted">never</span>`;

/**
 * The tokens page: the user's tokens (name, role, created, last used), each with Revoke, and a
 * form to make one. `current` is the id of the token this browser's session was made with.
 *
 * @example
 * c.html(tokensPage({ user: "alice", csrf, tokens: accounts.tokens("alice"), current: c.var.token?.id }))
 */
export function tokensPage({
  user,
  csrf,
  admin,
  tokens,
  current,
  error,
  name,
}: {
  user: string;
  csrf: string | undefined;
  admin?: boolean;
  tokens: TokenInfo[];
  current?: string | undefined;
  error?: string;
  name?: string;
}): string {
  const rows = tokens
    .map(
      (
        t,
      ) => `<tr><th scope="row">${esc(t.name)}${t.id === current ? `<span class="tag">this browser</span>` : ""}</th><td>${esc(t.role)}</td><td>${when(t.created)}</td><td>${when(t.lastUsed)}</td>
<td><form method="post" action="/settings/tokens/${esc(t.id)}/revoke">${csrfField(csrf)}<button aria-label="Revoke ${esc(t.name)}">Revoke</button></form></td></tr>`,
    )
    .join("\n");
  return layout({
    title: "Tokens · Settings · Spaces",
    user,
    csrf,
    admin,
    here: "/settings/tokens",
    head: STYLE,
    body: `<main class="page"><h1>Access tokens</h1>
<p class="muted">A token signs git, the Hub API and <code>@gradio/client</code> in as you. A <strong>write</strong> token pushes and changes your Spaces; a <strong>read</strong> token only clones and reads them (private ones too). Revoking one stops it at once, and signs out any browser signed in with it.</p>
${alert(error)}
${
  tokens.length
    ? `<table><caption>Your tokens</caption><thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${rows}</tbody></table>`
    : `<p>You have no tokens.</p>`
}
<section aria-labelledby="new-token"><h2 id="new-token">New token</h2>
<form method="post" action="/settings/tokens">${csrfField(csrf)}
<label for="token-name">Name</label><input type="text" id="token-name" name="name" required maxlength="100" value="${esc(name ?? "")}" aria-describedby="token-name-hint">
<p id="token-name-hint" class="muted">What it is for, e.g. “laptop” or “CI”.</p>
<fieldset><legend>Role</legend>
<label class="inline"><input type="radio" name="role" value="write" checked> write — push and change Spaces</label>
<label class="inline"><input type="radio" name="role" value="read"> read — clone and read only</label></fieldset>
<p><button class="primary">Create token</button></p></form></section></main>`,
  });
}

/**
 * The admin page: every user (admin, disabled, Spaces) with Disable/Enable, and a form that
 * makes an invite link — shown here once, as `invite`.
 *
 * @example
 * c.html(adminPage({ user: "root", csrf, users: accounts.users() }))
 */
export function adminPage({
  user,
  csrf,
  users,
  invite,
  error,
}: {
  user: string;
  csrf: string | undefined;
  users: UserInfo[];
  invite?: { url: string; admin: boolean };
  error?: string;
}): string {
  const rows = users
    .map((u) => {
      const action = u.disabled ? "enable" : "disable";
      const button =
        u.name === user
          ? `<span class="muted">you</span>`
          : `<form method="post" action="/admin/users/${esc(encodeURIComponent(u.name))}/${action}">${csrfField(csrf)}<button aria-label="${u.disabled ? "Enable" : "Disable"} ${esc(u.name)}">${u.disabled ? "Enable" : "Disable"}</button></form>`;
      return `<tr><th scope="row"><a href="/spaces/${esc(encodeURIComponent(u.name))}">${esc(u.name)}</a></th><td>${u.admin ? "admin" : ""}</td><td>${u.disabled ? "disabled" : "active"}</td><td>${u.spaces}</td><td>${button}</td></tr>`;
    })
    .join("\n");
  return layout({
    title: "Admin · Spaces",
    user,
    csrf,
    admin: true,
    here: "/admin",
    head: STYLE,
    body: `<main class="page"><h1>Admin</h1>
${alert(error)}
<section aria-labelledby="invite"><h2 id="invite">Invite someone</h2>
<p class="muted">An invite link makes one account: whoever opens it picks a user name. It is good once, for 7 days.</p>
${invite ? `<p role="status">A new invite link${invite.admin ? " for an admin" : ""}, shown only now:</p>${shownOnce("invite-link", "The new invite link", invite.url)}` : ""}
<form method="post" action="/admin/invites">${csrfField(csrf)}
<label class="inline"><input type="checkbox" name="admin" value="1"> The new account is an admin</label>
<p><button class="primary">Create invite link</button></p></form></section>
<section aria-labelledby="users"><h2 id="users">Users</h2>
<p class="muted">A disabled account's tokens and sessions stop working at once; its Spaces keep serving.</p>
<table><caption>Users</caption><thead><tr><th scope="col">Name</th><th scope="col">Admin</th><th scope="col">Status</th><th scope="col">Spaces</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${rows}</tbody></table></section></main>${COPY_SCRIPT}`,
  });
}

/**
 * The sign-in page: a user name and a write token (the same one git pushes with) set a session
 * cookie, so a browser can open its owner's private Spaces and owner-only pages. Its form carries
 * the nonce the page set as a cookie (`signInNonce` in accounts/auth.ts), which the post must match.
 */
import { csrfField, escapeHtml, layout } from "./layout.ts";

/** Any base: only whether a `next` stays on it matters. */
const BASE = "http://host.invalid";
/** "//x" and "/\\x" are another host to a browser; control characters are dropped by its URL parser. */
const LEAVES = /^[/\\][/\\]|[\\\x00-\x1f\x7f]/;

/**
 * Where sign-in may return to: a path on this host, normalised as a browser would resolve it,
 * or "/" for anything else — another origin, a scheme (`javascript:`, `https://…`), `//` or
 * `/\` (alone or made by `.` segments), backslashes, control characters (a tab in `/\t/x` is
 * dropped by the URL parser, leaving `//x`), and the same once percent-decoded (`/%2F%2Fx`).
 *
 * @example
 * safeNext("/spaces/alice/demo?tab=files") // → "/spaces/alice/demo?tab=files"
 * safeNext("/%09/evil.example")            // → "/"
 */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith("/") || LEAVES.test(next)) return "/";
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return "/";
  }
  if (LEAVES.test(decoded)) return "/";
  const url = new URL(next, BASE);
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === BASE && !LEAVES.test(path) ? path : "/";
}

/**
 * @example
 * c.html(signInPage({ next: "/spaces/alice/private", nonce: signInNonce(c, sessionKey) }))
 */
export function signInPage({ next, error, user, nonce }: { next: string; error?: string; user?: string; nonce: string }): string {
  return layout({
    title: "Sign in · Spaces",
    user: undefined,
    here: next,
    body: `<main class="page"><h1>Sign in</h1>
<p class="muted">With your user name and a write token (<code>npm run spaces -- token &lt;user&gt;</code> makes one).</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/login"><input type="hidden" name="next" value="${escapeHtml(safeNext(next))}">${csrfField(nonce)}
<label for="user">User name</label><input type="text" id="user" name="user" autocomplete="username" required value="${escapeHtml(user ?? "")}">
<label for="token">Token</label><input type="password" id="token" name="token" autocomplete="current-password" required>
<p><button class="primary">Sign in</button></p></form></main>`,
  });
}

/**
 * The sign-in page: a user name and a write token (the same one git pushes with) set a session
 * cookie, so a browser can open its owner's private Spaces and owner-only pages. Its form carries
 * the nonce the page set as a cookie (`signInNonce` in accounts/auth.ts), which the post must match.
 */
import { csrfField, escapeHtml, layout } from "./layout.ts";

/** Only a local path may be where sign-in returns to: never another site. */
export const safeNext = (next: string | undefined): string => (next && /^\/(?![/\\])/.test(next) ? next : "/");

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

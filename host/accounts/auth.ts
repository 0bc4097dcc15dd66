/**
 * Who is asking, and what they may do — decided here and nowhere else.
 *
 * A caller is identified by a token (`Authorization: Bearer hf_…` from @gradio/client and
 * scripts, `Basic user:token` from git and git-lfs) or, in a browser, by the session cookie the
 * sign-in page sets, which is bound to the token it was made with. Anyone may read a public
 * Space; only its owner may write to it or read it when private — and only with a write token
 * (or a session made with one): a read token reads, and is refused every write
 * ({@link refuseReadOnly}). A revoked token, and every token and session of a disabled user,
 * stop counting at once (`Accounts.useToken`, `Accounts.sessionToken`).
 *
 * The session cookie is `__Host-space_session` over https (Secure, Path=/, no Domain: no other
 * origin, not even a subdomain, can set or replace it) and a host-only `space_session` over
 * plain http. A request carrying more than one cookie that could be the session (another origin
 * or path set a look-alike to shadow it) has no session at all: the host never picks one.
 *
 * A Space's pages run on the app's own origin (`routes/app.ts`), where this host-only cookie is
 * never sent. As a second wall, the cookie counts only for requests a browser makes on the
 * visitor's own behalf — typed or bookmarked (`Sec-Fetch-Site: none`), or from a host page (same
 * origin, with a Referer that is not an app's path form) — never for a request from another site,
 * an app's origin among them (same-site under `*.localhost`). The proxy removes it before a
 * request reaches an app.
 *
 * Against CSRF, a cookie-authenticated request that changes state (any method but GET, HEAD and
 * OPTIONS, on a host route) must also carry the session's CSRF token — HMAC(session key,
 * "csrf:" + the cookie's value), so the host keeps no state for it — in an `x-csrf-token` header
 * (the host's page scripts) or a `csrf` form field (the host's forms, checked by
 * {@link checkCsrf}). Until it does, the caller counts as anonymous. Sign-in, with no session
 * yet, is guarded by a double-submit nonce ({@link signInNonce}, {@link checkSignInNonce}).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, generateSignedCookie, getCookie, getSignedCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import type { Accounts, SpaceRecord, TokenInfo } from "./accounts.ts";
import { HostError } from "../errors.ts";
import { publicBase } from "../public-url.ts";
import { isValidName } from "./names.ts";

/** The session cookie's name without its `__Host-` prefix (which it has over https). */
export const SESSION_COOKIE = "space_session";
/** The sign-in page's nonce cookie's name without its `__Host-` prefix. */
export const SIGN_IN_COOKIE = "space_signin";
const SESSION_DAYS = 30;
/** How long a sign-in page's nonce stays good. */
const SIGN_IN_MINUTES = 30;

/** An app's path: /spaces/<owner>/<name>/app or below. */
const APP_PATH = /^\/spaces\/[^/]+\/[^/]+\/app(\/|$)/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What `identify` leaves on the context for every route. */
export type HostEnv = {
  Variables: {
    user: string | undefined;
    via: "token" | "session" | undefined;
    /** The session's CSRF token, for the pages to put in their forms and scripts (a session only). */
    csrf: string | undefined;
    /** A valid session's user on a state-changing request that has not shown its CSRF token yet. */
    unconfirmed: string | undefined;
    /** The token the caller came with, or the one its session was made from: its id, name and role. */
    token: TokenInfo | undefined;
  };
};

/**
 * A cookie name without whitespace, case or the `__Host-`/`__Secure-` prefixes: what it could pass for.
 *
 * @example
 * bareName(" __Secure-Space_Pass") // → "space_pass"
 */
export const bareName = (name: string): string => {
  let bare = name.trim().toLowerCase();
  while (/^__(host|secure)-/.test(bare)) bare = bare.replace(/^__(host|secure)-/, "");
  return bare;
};

/**
 * Whether a cookie name is, or could pass for, one of the host's own cookies (the session or the
 * sign-in nonce) — to a browser, to hono, or to anything that compares names loosely. An app
 * must never receive, set or clear such a cookie.
 *
 * @example
 * isHostCookie("__Host-space_session") // → true
 * isHostCookie(" Space_Session ")      // → true
 * isHostCookie("theme")                // → false
 */
export function isHostCookie(name: string): boolean {
  const bare = bareName(name);
  return bare === SESSION_COOKIE || bare === SIGN_IN_COOKIE;
}

/** Whether the host is reached over https, where its cookies carry `__Host-`. */
const secure = (c: Context): boolean => publicBase(c).startsWith("https:");

/**
 * The session cookie's name for this request: `__Host-space_session` over https, else `space_session`.
 *
 * @example
 * sessionCookieName(c) // → "__Host-space_session" behind an https proxy
 */
export const sessionCookieName = (c: Context): string => (secure(c) ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE);
/** The sign-in nonce cookie's name for this request, as {@link sessionCookieName}. */
export const signInCookieName = (c: Context): string => (secure(c) ? `__Host-${SIGN_IN_COOKIE}` : SIGN_IN_COOKIE);

/**
 * The names in a Cookie header, every one of them, duplicates included (hono's `parse` keeps only
 * the first of a name, and compares names exactly). A pair without "=" is a nameless cookie
 * whose value a server may read as a name, so it counts by that too.
 *
 * @example
 * cookieNames("a=1; space_session=x; Space_Session=y") // → ["a", "space_session", "Space_Session"]
 */
export function cookieNames(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(";")
    .map((pair) => (pair.includes("=") ? pair.slice(0, pair.indexOf("=")) : pair).trim())
    .filter(Boolean);
}

/** The token in an `Authorization` header: Bearer `token`, or Basic `user:token`. */
function bearerOrBasic(header: string | undefined): string | undefined {
  const [scheme = "", value = ""] = (header ?? "").split(" ", 2);
  if (scheme.toLowerCase() === "bearer") return value || undefined;
  if (scheme.toLowerCase() === "basic") return Buffer.from(value, "base64").toString().split(":").slice(1).join(":") || undefined;
  return undefined;
}

/** Whether the browser sent this request on the visitor's own behalf (see the module comment). */
function sessionCounts(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site === undefined || site === "none") return true;
  if (site !== "same-origin") return false;
  const referer = c.req.header("referer");
  if (!referer) return false;
  try {
    return !APP_PATH.test(new URL(referer).pathname);
  } catch {
    return false;
  }
}

/** The CSRF token of a session cookie's value: derived, so nothing is stored. */
const csrfToken = (sessionKey: string, cookieValue: string): string =>
  createHmac("sha256", sessionKey).update(`csrf:${cookieValue}`).digest("base64url");

/** Whether two secrets are equal, in constant time. */
const same = (a: string | undefined, b: string | undefined): boolean => {
  if (!a || !b) return false;
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * The user a request's session cookie names, and its CSRF token — or nothing when there is no
 * valid session, or more than one cookie that could be the session.
 */
async function session(
  c: Context,
  accounts: Accounts,
  sessionKey: string,
): Promise<{ user: string; csrf: string; token: TokenInfo } | undefined> {
  const names = cookieNames(c.req.header("cookie")).filter((n) => bareName(n) === SESSION_COOKIE);
  const name = sessionCookieName(c);
  if (names.length !== 1 || names[0] !== name) return undefined;
  const value = await getSignedCookie(c, sessionKey, name);
  const [user = "", tag = "", expires = "0"] = (value || "").split(":");
  // The token it was made from, while it is not revoked and its user not disabled.
  const token = Number(expires) > Date.now() ? accounts.sessionToken(user, tag) : undefined;
  return token && { user, csrf: csrfToken(sessionKey, getCookie(c, name)!), token };
}

/**
 * Middleware: sets `c.var.user` (undefined for anonymous callers), `c.var.via` and, for a
 * session, `c.var.csrf`. A session's state-changing request on a host route counts only with
 * the CSRF token in `x-csrf-token`; without it the user is left in `c.var.unconfirmed` for a
 * form's {@link checkCsrf}, and anything that needs a user refuses it (403).
 *
 * @example
 * app.use(identify(accounts, sessionKey));
 * app.get("/whoami", (c) => c.text(c.var.user ?? "anonymous"));
 */
export function identify(accounts: Accounts, sessionKey: string): MiddlewareHandler<HostEnv> {
  return async (c, next) => {
    const token = bearerOrBasic(c.req.header("authorization"));
    let used = token ? accounts.useToken(token) : undefined;
    let user = used?.user;
    let via: HostEnv["Variables"]["via"] = user ? "token" : undefined;
    let unconfirmed: string | undefined;
    let csrfValue: string | undefined;
    const found = !user && !token && sessionCounts(c) ? await session(c, accounts, sessionKey) : undefined;
    if (found) {
      csrfValue = found.csrf;
      used = { user: found.user, ...found.token };
      // An app's path form is no exception: its pages run on the app's own origin, which never has this cookie.
      if (SAFE_METHODS.has(c.req.method) || same(c.req.header("x-csrf-token"), found.csrf)) {
        user = found.user;
        via = "session";
      } else unconfirmed = found.user;
    }
    c.set("user", user);
    c.set("via", via);
    c.set("csrf", csrfValue);
    c.set("unconfirmed", unconfirmed);
    if (used) {
      const { user: _, ...info } = used;
      c.set("token", info);
    } else c.set("token", undefined);
    await next();
  };
}

const CSRF_REFUSAL = "Refused: this request is signed in by a cookie but has a missing or wrong CSRF token; reload the page and try again.";

/**
 * For a host form: a session's request counts once its `csrf` field (parsed by the route) is the
 * session's token. Token callers and anonymous ones pass as they are.
 *
 * @throws {HostError} 403 when a session's form has a missing or wrong token.
 * @example
 * const form = await c.req.parseBody();
 * checkCsrf(c, form.csrf);
 */
export function checkCsrf(c: Context<HostEnv>, field: unknown): void {
  const user = c.var.unconfirmed;
  if (user === undefined) return;
  if (typeof field !== "string" || !same(field, c.var.csrf)) throw new HostError(403, CSRF_REFUSAL);
  c.set("user", user);
  c.set("via", "session");
  c.set("unconfirmed", undefined);
}

/** Refuses a session's state-changing request that has not shown its CSRF token (anything that needs a user calls it). */
export function refuseUnconfirmed(c: Context<HostEnv>): void {
  if (c.var.unconfirmed !== undefined) throw new HostError(403, CSRF_REFUSAL);
}

/** What a read token (or a session made with one) is told when it tries to change something. */
export const READ_ONLY_REFUSAL = "This token is read-only: make a write token to push or change a Space.";

/**
 * Refuses (403) a caller whose token, or whose session's token, is a read token: every write
 * path calls it (`writable` does).
 *
 * @example
 * refuseReadOnly(c); // before creating a Space
 */
export function refuseReadOnly(c: Context<HostEnv>): void {
  if (c.var.token?.role === "read") throw new HostError(403, READ_ONLY_REFUSAL);
}

/** A sign-in nonce's signature: only nonces this host made, and not yet expired, count. */
const nonceTag = (sessionKey: string, body: string): string =>
  createHmac("sha256", sessionKey).update(`signin:${body}`).digest("base64url");

/**
 * A new sign-in nonce (its expiry, random bytes, and the host's signature of both): set as a
 * short-lived cookie (HttpOnly, SameSite=Strict) and returned for the sign-in form, which must
 * send it back ({@link checkSignInNonce}).
 *
 * @example
 * c.html(signInPage({ next, nonce: signInNonce(c, sessionKey) }))
 */
export function signInNonce(c: Context, sessionKey: string): string {
  const body = `${Date.now() + SIGN_IN_MINUTES * 60_000}.${randomBytes(18).toString("base64url")}`;
  const nonce = `${body}.${nonceTag(sessionKey, body)}`;
  setCookie(c, signInCookieName(c), nonce, {
    httpOnly: true,
    sameSite: "Strict",
    secure: secure(c),
    path: "/",
    maxAge: SIGN_IN_MINUTES * 60,
  });
  return nonce;
}

/**
 * Whether a sign-in form's `csrf` field is the nonce its page set: the only nonce cookie sent,
 * made by this host, not expired.
 *
 * @throws {HostError} 403 when it is missing, wrong or expired.
 * @example
 * checkSignInNonce(c, sessionKey, (await c.req.parseBody()).csrf);
 */
export function checkSignInNonce(c: Context, sessionKey: string, field: unknown): void {
  const names = cookieNames(c.req.header("cookie")).filter((n) => bareName(n) === SIGN_IN_COOKIE);
  const name = signInCookieName(c);
  const nonce = names.length === 1 && names[0] === name ? getCookie(c, name) : undefined;
  const [expires = "0", random = "", tag = ""] = (nonce ?? "").split(".");
  const genuine = Number(expires) > Date.now() && same(tag, nonceTag(sessionKey, `${expires}.${random}`));
  if (!genuine || typeof field !== "string" || !same(field, nonce))
    throw new HostError(
      403,
      "Refused: the sign-in form has a missing or wrong CSRF token (or its page is too old); reload the page and try again.",
    );
}

/**
 * Signs a browser in after checking that `token` is `user`'s; the sign-in nonce is spent.
 *
 * @returns the new session's CSRF token, for a page answered at once (its sign-out form).
 * @throws {HostError} 401 when the token is not the user's.
 */
export async function signIn(c: Context, accounts: Accounts, sessionKey: string, user: string, token: string): Promise<string> {
  if (!user || accounts.userForToken(token) !== user) throw new HostError(401, "That user name and token do not match.");
  const expires = Date.now() + SESSION_DAYS * 86_400_000;
  const cookie = await generateSignedCookie(sessionCookieName(c), `${user}:${accounts.tokenTag(token)}:${expires}`, sessionKey, {
    httpOnly: true,
    sameSite: "Lax",
    secure: secure(c),
    path: "/",
    maxAge: SESSION_DAYS * 86_400,
  });
  c.header("set-cookie", cookie, { append: true });
  deleteCookie(c, signInCookieName(c), { path: "/", secure: secure(c) });
  // A plain-http session from before the host was behind https would shadow the new one.
  if (secure(c)) deleteCookie(c, SESSION_COOKIE, { path: "/" });
  // The cookie's value as the browser will send it back (getCookie decodes it).
  return csrfToken(sessionKey, decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1, cookie.indexOf(";"))));
}

/** Signs a browser out: its session cookie (either name) is cleared. */
export function signOut(c: Context): void {
  deleteCookie(c, sessionCookieName(c), { path: "/", secure: secure(c) });
  if (secure(c)) deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** Whether `user` may read `space`. */
export const canRead = (user: string | undefined, space: SpaceRecord): boolean => !space.private || user === space.owner;
/** Whether `user` may push to, configure or delete the Spaces of `owner`. */
export const canWrite = (user: string | undefined, owner: string): boolean => user !== undefined && user === owner;

/** Rejects names that could form a path before anything looks them up. */
export function checkNames(owner: string, name: string): void {
  if (!isValidName(owner) || !isValidName(name)) {
    throw new HostError(
      400,
      `Invalid Space name ${JSON.stringify(`${owner}/${name}`).slice(1, -1)}: use letters, digits, "-", "_" and "." (not first, no ".."), at most 96 characters.`,
    );
  }
}

/**
 * The Space if the caller may read it. A private Space answers as if it did not exist, so its
 * name is not confirmed to strangers; `challenge` asks an anonymous caller for credentials (401)
 * instead, which is what makes git and git-lfs retry with a token.
 *
 * @throws {HostError} 400 for an invalid name, 401 or 404 otherwise.
 */
export function readable(accounts: Accounts, c: Context<HostEnv>, owner: string, name: string, challenge = false): SpaceRecord {
  checkNames(owner, name);
  const space = accounts.space(owner, name);
  if (space && canRead(c.var.user, space)) return space;
  throw new HostError(challenge && !c.var.user ? 401 : 404, `Repository not found: ${owner}/${name}.`);
}

/**
 * The Space if the caller owns it: 401 without credentials, 403 for someone else (404 when the
 * Space is private or absent, as for reads). With `create`, a missing Space of the caller's own
 * is created (push-to-create, as on Hugging Face).
 */
export function writable(accounts: Accounts, c: Context<HostEnv>, owner: string, name: string, { create = false } = {}): SpaceRecord {
  checkNames(owner, name);
  refuseUnconfirmed(c);
  const user = c.var.user;
  let space = accounts.space(owner, name);
  if (!user)
    throw new HostError(401, space && !space.private ? `Sign in to change ${owner}/${name}.` : `Repository not found: ${owner}/${name}.`);
  refuseReadOnly(c);
  if (!canWrite(user, owner))
    throw new HostError(
      space && !space.private ? 403 : 404,
      space && !space.private ? `Only ${owner} can change ${owner}/${name}.` : `Repository not found: ${owner}/${name}.`,
    );
  if (!space && create) space = accounts.createSpace(owner, name);
  if (!space) throw new HostError(404, `Repository not found: ${owner}/${name}.`);
  return space;
}

/**
 * Middleware for the host's own form posts (sign-in, sign-out, owner buttons): only from a page
 * of this host — same origin (hono's `csrf`), and sent from a host page rather than from a
 * Space's app (its Referer). The forms' CSRF token ({@link checkCsrf}, {@link checkSignInNonce})
 * is what makes them safe; these checks stay as defence in depth: apps run on their own origins,
 * and the path form serves only sandboxed documents, but were a page of an app ever to run on
 * the host's origin it could read the sign-in page's nonce, which the Referer check still refuses.
 */
export function formGuard(): MiddlewareHandler<HostEnv> {
  const sameOrigin = csrf({ origin: (origin, c) => origin === new URL(publicBase(c)).origin });
  return async (c, next) => {
    await sameOrigin(c, async () => {
      const referer = c.req.header("referer");
      let fromHostPage = false;
      try {
        fromHostPage = referer !== undefined && !APP_PATH.test(new URL(referer).pathname);
      } catch {
        /* not a URL */
      }
      if (!fromHostPage) throw new HostError(403, "This form can only be sent from the host's own pages.");
      await next();
    });
  };
}

/**
 * Who is asking, and what they may do — decided here and nowhere else.
 *
 * A caller is identified by a write token (`Authorization: Bearer hf_…` from @gradio/client and
 * scripts, `Basic user:token` from git and git-lfs) or, in a browser, by the session cookie the
 * sign-in page sets. Anyone may read a public Space; only its owner may write to it or read it
 * when private.
 *
 * A Space's pages run on the app's own origin (`routes/app.ts`), where this host-only cookie is
 * never sent. As a second wall, the cookie counts only for requests a browser makes on the
 * visitor's own behalf — typed or bookmarked (`Sec-Fetch-Site: none`), or from a host page (same
 * origin, with a Referer that is not an app's path form) — never for a request from another site,
 * an app's origin among them (same-site under `*.localhost`). The proxy removes it before a
 * request reaches an app.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import type { Accounts, SpaceRecord } from "./accounts.ts";
import { HostError } from "../errors.ts";
import { publicBase } from "../public-url.ts";
import { isValidName } from "./names.ts";

/** The cookie the sign-in page sets; the proxy removes it before a request reaches an app. */
export const SESSION_COOKIE = "space_session";
const SESSION_DAYS = 30;

/** An app's path: /spaces/<owner>/<name>/app or below. */
const APP_PATH = /^\/spaces\/[^/]+\/[^/]+\/app(\/|$)/;

/** What `identify` leaves on the context for every route. */
export type HostEnv = { Variables: { user: string | undefined; via: "token" | "session" | undefined } };

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

/**
 * Middleware: sets `c.var.user` (undefined for anonymous callers) and `c.var.via`.
 *
 * @example
 * app.use(identify(accounts, sessionKey));
 * app.get("/whoami", (c) => c.text(c.var.user ?? "anonymous"));
 */
export function identify(accounts: Accounts, sessionKey: string): MiddlewareHandler<HostEnv> {
  return async (c, next) => {
    const token = bearerOrBasic(c.req.header("authorization"));
    let user = token ? accounts.userForToken(token) : undefined;
    let via: HostEnv["Variables"]["via"] = user ? "token" : undefined;
    if (!user && !token && sessionCounts(c)) {
      const value = await getSignedCookie(c, sessionKey, SESSION_COOKIE);
      const [name = "", tag = "", expires = "0"] = (value || "").split(":");
      if (Number(expires) > Date.now() && accounts.hasTokenTag(name, tag)) {
        user = name;
        via = "session";
      }
    }
    c.set("user", user);
    c.set("via", via);
    await next();
  };
}

/**
 * Signs a browser in after checking that `token` is `user`'s.
 *
 * @throws {HostError} 401 when the token is not the user's.
 */
export async function signIn(c: Context, accounts: Accounts, sessionKey: string, user: string, token: string): Promise<void> {
  if (!user || accounts.userForToken(token) !== user) throw new HostError(401, "That user name and token do not match.");
  const expires = Date.now() + SESSION_DAYS * 86_400_000;
  await setSignedCookie(c, SESSION_COOKIE, `${user}:${accounts.tokenTag(token)}:${expires}`, sessionKey, {
    httpOnly: true,
    sameSite: "Lax",
    secure: publicBase(c).startsWith("https:"),
    path: "/",
    maxAge: SESSION_DAYS * 86_400,
  });
}

export function signOut(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
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
  const user = c.var.user;
  let space = accounts.space(owner, name);
  if (!user)
    throw new HostError(401, space && !space.private ? `Sign in to change ${owner}/${name}.` : `Repository not found: ${owner}/${name}.`);
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
 * Space's app, whose scripts share the host's origin.
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

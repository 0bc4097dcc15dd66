/**
 * Who may see the owner's pages (the monitor, the review queue): the Space's owner only, and the
 * one guard every owner-only route goes through ({@link ownerOnly}).
 *
 * - on the Space host (SPACE_ID is set): the signed-in owner, named by the host's `X-Space-User`
 *   (the host removes it from every other request, and the app listens on 127.0.0.1 only);
 * - standalone with `MONITOR_TOKEN`: `Authorization: Bearer <token>`, or the cookie that the
 *   `/monitor` sign-in form sets;
 * - standalone without a token: requests from this machine only.
 *
 * Whatever the rule, a request another site's page makes is refused: the app answers CORS with
 * credentials (Gradio does, for front-ends on other origins), so without this a page the owner
 * has open elsewhere could read the owner's data from a Space running on their machine.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { InputError } from "../../errors.ts";

/** The cookie the monitor's sign-in form sets (it opens /review too). */
export const OWNER_COOKIE = "monitor_token";
const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Compares two secrets in constant time.
 *
 * @example
 * sameSecret(sent, process.env.MONITOR_TOKEN!) // → true or false
 */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

/**
 * "owner", or why not: "login" when a token would open it, "denied" otherwise.
 *
 * @example
 * if (ownerAccess(c) !== "owner") throw new InputError("Not found.", 404);
 */
export function ownerAccess(c: Context): "owner" | "login" | "denied" {
  const env = process.env;
  const site = c.req.header("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") return "denied";
  const origin = c.req.header("origin");
  if (
    origin &&
    origin !== new URL(c.req.url).origin &&
    origin !== `${c.req.header("x-forwarded-proto") ?? "http"}://${c.req.header("x-forwarded-host") ?? ""}`
  )
    return "denied";
  if (env.SPACE_ID) return env.SPACE_AUTHOR_NAME && c.req.header("x-space-user") === env.SPACE_AUTHOR_NAME ? "owner" : "denied";
  const token = env.MONITOR_TOKEN;
  if (token) {
    const bearer = c.req.header("authorization")?.match(/^Bearer (.+)$/i)?.[1];
    const cookie = getCookie(c, OWNER_COOKIE);
    return (bearer && sameSecret(bearer, token)) || (cookie && sameSecret(cookie, token)) ? "owner" : "login";
  }
  // From this machine, and not relayed by a proxy on it for someone else.
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    address = undefined; // app.request() in tests: no socket
  }
  const local = address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
  return local && !c.req.header("x-forwarded-for") && !c.req.header("x-forwarded-host") ? "owner" : "denied";
}

/** An owner-only area, as {@link ownerOnly} refuses everyone else. */
export interface OwnerArea {
  /** Its name in the 401: "The monitor" → "The monitor needs the MONITOR_TOKEN: …". */
  name: string;
  /** The `WWW-Authenticate: Bearer realm="…"` of that 401. */
  realm: string;
  /** When set, a request a browser marks as from another site (or from none it names) is a 403 saying this, before anything else. */
  crossSite?: string;
  /** The sign-in page to answer (401) instead of the bare 401, on a page a browser opens. */
  signIn?: (c: Context) => string;
}

/**
 * The one guard of the owner's routes: lets the owner through ({@link ownerAccess}); anyone
 * else gets 401 (a token would open it: `WWW-Authenticate`, or the area's sign-in page) or 404,
 * never the data.
 *
 * @example
 * const monitorArea = { name: "The monitor", realm: "monitor" };
 * app.get("/gradio_api/monitor", ownerOnly(monitorArea), async (c) => c.json(await monitor.snapshot(query)));
 */
export function ownerOnly(area: OwnerArea): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    if (area.crossSite) {
      const site = c.req.header("sec-fetch-site");
      if (site && site !== "same-origin" && site !== "none") throw new InputError(area.crossSite, 403);
    }
    const who = ownerAccess(c);
    if (who === "login") {
      c.header("www-authenticate", `Bearer realm="${area.realm}"`);
      if (area.signIn) return c.html(area.signIn(c), 401);
      throw new InputError(`${area.name} needs the MONITOR_TOKEN: send Authorization: Bearer <token>.`, 401);
    }
    if (who === "denied") throw new InputError("Not found.", 404);
    await next();
  });
}

/**
 * Who may see the owner's pages (the monitor, the review queue): the Space's owner only.
 *
 * - on the Space host (SPACE_ID is set): the signed-in owner, named by the host's `X-Space-User`
 *   (the host removes it from every other request, and the app listens on 127.0.0.1 only);
 * - standalone with `MONITOR_TOKEN`: `Authorization: Bearer <token>`, or the cookie that the
 *   `/monitor` sign-in form sets;
 * - standalone without a token: requests from this machine only.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";

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

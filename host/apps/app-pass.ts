/**
 * How a signed-in owner gets into their Space's app on its own origin, where the host's session
 * cookie never goes: the host hands a short-lived signed pass in the app URL (`?__sign=…`, as
 * the Hub does for `*.hf.space`), and the app origin trades it for a cookie of its own. A pass
 * names the user, the token their session came from, and the Space, and expires; it is signed
 * with the host's session key, so a Space can neither forge one nor use one for another Space.
 * Whoever checks it also checks that the token still works (`Accounts.tokenLive`): revoking it,
 * or disabling the account, ends the pass at once.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The query parameter a pass comes in, as on Hugging Face. */
export const PASS_PARAM = "__sign";
/** The app origin's own cookie holding a pass. */
export const PASS_COOKIE = "space_pass";
/** A pass in a URL is good for minutes: long enough to follow a redirect or load an iframe. */
export const URL_PASS_MS = 5 * 60_000;
/** The cookie's pass lasts an hour; the Space page hands a new one at every visit. */
export const COOKIE_PASS_MS = 60 * 60_000;

type Kind = "url" | "cookie";

/** Who a pass is for: the user, and the id of the token their session was made with. */
export interface PassHolder {
  user: string;
  tokenId: string;
}

const mac = (key: string, kind: Kind, space: string, { user, tokenId }: PassHolder, expires: number) =>
  createHmac("sha256", key).update(`space-pass\0${kind}\0${space}\0${user}\0${tokenId}\0${expires}`).digest("base64url");

/**
 * A pass for `user` into the app of `space` ("owner/name").
 *
 * @example
 * const pass = makePass(sessionKey, "url", "alice/demo", { user: "alice", tokenId: "3f2a9c0b1d4e" });
 * passHolder(sessionKey, "url", "alice/demo", pass) // → { user: "alice", tokenId: "3f2a9c0b1d4e" }
 */
export function makePass(key: string, kind: Kind, space: string, holder: PassHolder, now = Date.now()): string {
  const expires = now + (kind === "url" ? URL_PASS_MS : COOKIE_PASS_MS);
  return `${Buffer.from(holder.user).toString("base64url")}.${holder.tokenId}.${expires}.${mac(key, kind, space, holder, expires)}`;
}

/**
 * Who a pass is for, if it is this kind's, for this Space, and not expired (whether their token
 * still works is the caller's to check).
 *
 * @example
 * passHolder(sessionKey, "cookie", "alice/demo", getCookie(c, PASS_COOKIE)) // → { user: "alice", tokenId: "…" } or undefined
 */
export function passHolder(key: string, kind: Kind, space: string, pass: string | undefined, now = Date.now()): PassHolder | undefined {
  const [encoded = "", tokenId = "", expiresText = "", sig = ""] = (pass ?? "").split(".");
  const expires = Number(expiresText);
  if (!encoded || !tokenId || !Number.isSafeInteger(expires) || expires <= now) return undefined;
  const holder = { user: Buffer.from(encoded, "base64url").toString(), tokenId };
  const expected = Buffer.from(mac(key, kind, space, holder, expires));
  const sent = Buffer.from(sig);
  return sent.length === expected.length && timingSafeEqual(sent, expected) ? holder : undefined;
}

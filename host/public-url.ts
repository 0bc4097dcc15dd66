/**
 * The host's address as the person asking sees it, for links shown back to them (the share URL
 * in the push output, the Space page's links, "Use via API"): `HOST_PUBLIC_URL` when the operator
 * set one, else the proxy's `X-Forwarded-Proto`/`X-Forwarded-Host`, else the request's own `Host`.
 */
import type { Context } from "hono";

/**
 * @example
 * publicBase(c) // → "https://spaces.example.com" behind a proxy, "http://192.168.1.5:7861" on a LAN
 */
export function publicBase(c: Context, configured = process.env.HOST_PUBLIC_URL): string {
  if (configured) return configured.replace(/\/+$/, "");
  const url = new URL(c.req.url);
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() || url.protocol.slice(0, -1);
  const host = c.req.header("x-forwarded-host")?.split(",")[0]?.trim() || c.req.header("host") || url.host;
  // Only what a URL's scheme and authority may hold: a forged header cannot inject a path or markup.
  const safeProto = proto === "https" ? "https" : "http";
  return /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `${safeProto}://${host}` : url.origin;
}

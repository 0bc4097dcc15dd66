/**
 * Forwards a visitor's request to a Space's app with `hono/proxy` (which drops hop-by-hop
 * headers both ways and re-encodes bodies), saying where the app is mounted so its Gradio root
 * is right, and taking out what the app must never see: the visitor's `Authorization` (a write
 * token) and the host's session cookie. A signed-in caller's name goes in `X-Space-User`, set
 * only here, so an app can tell who calls it without ever holding a credential.
 */
import { Agent, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { proxy } from "hono/proxy";
import { SESSION_COOKIE, type HostEnv } from "./auth.ts";
import { HostError } from "./errors.ts";
import { publicBase } from "./public-url.ts";
import type { SpaceRuntime } from "./runtime.ts";

/** The header that names a signed-in caller to the app (overwritten whatever the caller sent). */
export const USER_HEADER = "x-space-user";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"];

/** Kept-alive connections to the apps on loopback, so a proxied call does not open a socket. */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });

/**
 * The same forwarding as hono/proxy, on Node's own sockets: the visitor's request piped to the
 * app and the app's answer piped back, bytes as they are (no web streams, no fetch, no
 * re-encoding), through kept-alive connections. hono/proxy over fetch cost ~0.8 ms of CPU per
 * call, 4× what the app itself spends on a prediction. Resolves once the app's status line is
 * here (the body streams on), with undefined when the app does not answer.
 */
function pipeToApp(incoming: IncomingMessage, outgoing: ServerResponse, url: string, method: string, headers: Headers, body: string | null): Promise<Response | undefined> {
  return new Promise((resolve) => {
    const upstream = request(url, { method, headers: Object.fromEntries(headers), agent }, (res) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !HOP_BY_HOP.includes(name)) out[name] = value;
      // An app must not set (or clear) the host's session cookie.
      const cookies = res.headers["set-cookie"]?.filter((line) => !line.trimStart().startsWith(`${SESSION_COOKIE}=`));
      if (cookies?.length) out["set-cookie"] = cookies;
      else delete out["set-cookie"];
      outgoing.writeHead(res.statusCode ?? 502, out);
      if (String(res.headers["content-type"]).startsWith("text/event-stream")) outgoing.flushHeaders(); // before its first event
      res.pipe(outgoing);
      resolve(RESPONSE_ALREADY_SENT);
    });
    upstream.once("error", () => (outgoing.headersSent ? outgoing.destroy() : resolve(undefined)));
    // The visitor went away: so does the app's request (a queue stream, a long prediction).
    outgoing.once("close", () => !outgoing.writableFinished && upstream.destroy());
    if (typeof body === "string") upstream.end(body);
    else if (method === "GET" || method === "HEAD") upstream.end();
    else incoming.pipe(upstream);
  });
}

/** The Cookie header without the host's own cookies. */
function appCookies(header: string | undefined): string | undefined {
  const kept = (header ?? "")
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${SESSION_COOKIE}=`));
  return kept.length ? kept.join("; ") : undefined;
}

/**
 * @param prefix where the app is mounted, e.g. /spaces/alice/demo/app
 * @param path the rest of the URL path, e.g. /gradio_api/queue/join
 * @throws {HostError} 503 while the app is not running, 502 when it does not answer.
 */
export async function proxyToApp(c: Context<HostEnv>, rt: SpaceRuntime, prefix: string, path: string): Promise<Response> {
  if (!rt.port || !rt.serving) throw new HostError(503, `The Space is not running (stage ${rt.stage}).`, { "retry-after": "5" }, { stage: rt.stage });
  const url = new URL(c.req.url);
  let port = rt.port;
  // The request body is read (as a stream) only where it is forwarded: touching c.req.raw.body
  // makes @hono/node-server build a whole undici Request.
  let body: string | undefined;
  // A queue session lives in one app process: remember where each joined, so its stream (and
  // cancel) reach that process even if a newer revision takes over in between.
  if (path.endsWith("/gradio_api/queue/join") && c.req.method === "POST") {
    body = await c.req.text();
    let hash: unknown;
    try {
      hash = (JSON.parse(body || "{}") as { session_hash?: unknown }).session_hash;
    } catch {
      /* the app itself answers malformed JSON */
    }
    if (typeof hash === "string") {
      rt.sessions.set(hash, port);
      if (rt.sessions.size > 10_000) rt.sessions.delete(rt.sessions.keys().next().value!);
    }
  } else {
    const hash = url.searchParams.get("session_hash");
    if (hash && rt.sessions.has(hash)) port = rt.sessions.get(hash)!;
  }
  const base = new URL(publicBase(c));
  const headers = new Headers(c.req.raw.headers);
  // hono/proxy strips hop-by-hop headers only from a `raw` request, and we pass headers of our
  // own (to take credentials out), so drop them here: those the Connection header names too.
  for (const name of (headers.get("connection") ?? "").split(",").map((n) => n.trim())) if (TOKEN.test(name)) headers.delete(name);
  for (const name of HOP_BY_HOP) headers.delete(name);
  headers.delete("authorization");
  headers.delete("host");
  headers.delete(USER_HEADER);
  const cookies = appCookies(headers.get("cookie") ?? undefined);
  if (cookies) headers.set("cookie", cookies);
  else headers.delete("cookie");
  if (c.var.user) headers.set(USER_HEADER, c.var.user);
  headers.set("x-forwarded-host", base.host);
  headers.set("x-forwarded-proto", base.protocol.slice(0, -1));
  headers.set("x-forwarded-prefix", prefix);
  if (typeof body === "string") headers.delete("content-length"); // re-sent from a string: fetch sets it
  const target = `http://127.0.0.1:${port}${path || "/"}${url.search}`;
  // Served by @hono/node-server (the host's own process): pipe on its sockets. Else (app.request
  // in tests) the standard way.
  const node = c.env as Partial<HttpBindings> | undefined;
  if (node?.incoming && node.outgoing) {
    if (typeof body === "string") headers.set("content-length", String(Buffer.byteLength(body)));
    const sent = await pipeToApp(node.incoming, node.outgoing, target, c.req.method, headers, body ?? null);
    if (!sent) throw new HostError(502, "The Space did not answer.");
    return sent;
  }
  const response = await proxy(target, {
    method: c.req.method,
    headers,
    body: c.req.method === "GET" || c.req.method === "HEAD" ? null : (body ?? c.req.raw.body),
    // @ts-expect-error Node's fetch needs duplex for a streamed request body
    duplex: "half",
    redirect: "manual",
    signal: c.req.raw.signal,
  }).catch(() => undefined);
  if (!response) throw new HostError(502, "The Space did not answer.");
  // An app must not set (or clear) the host's session cookie.
  const setCookies = response.headers.getSetCookie().filter((line) => !line.trimStart().startsWith(`${SESSION_COOKIE}=`));
  response.headers.delete("set-cookie");
  for (const line of setCookies) response.headers.append("set-cookie", line);
  return response;
}

/**
 * Forwards a visitor's request to a Space's app, piped on Node's own kept-alive sockets, dropping
 * hop-by-hop headers both ways, saying where the app is (its origin, or the host and the path it
 * is mounted at) so its Gradio root is right, and taking out what the app must never see: the
 * visitor's `Authorization` (a write token) and the host's cookies. A signed-in caller's name goes
 * in `X-Space-User`, set only here, so an app can tell who calls it without ever holding a
 * credential. Going back, an app sets no cookie of the host's (its session, an app's pass) in any
 * spelling; on the path form it sets none at all, and its answers are sandboxed (docs/origins.md).
 *
 * It also routes: a queue session to the process it joined (even across a swap), and while a
 * rollout runs (`rollout/rollout.ts`) a canary's share to the new revision (a session stays on the
 * revision it joined, a curl `/call` result on the one that took the call). What a rollout reads
 * of each call as its bytes pass (counts, answers, shadow copies) is `rollout/tap.ts`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Agent, request } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { bareName, isHostCookie, type HostEnv } from "../accounts/auth.ts";
import { PASS_COOKIE } from "./app-pass.ts";
import { callKind, parseObject, pin, resultEvent } from "../rollout/calls.ts";
import { HostError } from "../errors.ts";
import { readCapped } from "../routes/body.ts";
import { type Tap, tapCall } from "../rollout/tap.ts";
import { type AppAddress, appRequestOptions } from "./address.ts";
import type { SpaceRuntime } from "../spaces/runtime.ts";

/** The most of a call's body the host reads (a queue join, a shadowed prediction); files go to /upload, piped. */
const APP_READ_BYTES = 64 * 1024 * 1024;

/** The header that names a signed-in caller to the app (overwritten whatever the caller sent). */
export const USER_HEADER = "x-space-user";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/**
 * Where the visitor reached the app: its own origin (`prefix` ""), or the host's path form.
 *
 * @example
 * { prefix: "", host: "alice-demo.spaces.localhost:7861", scheme: "http" }
 * { prefix: "/spaces/alice/demo/app", host: "127.0.0.1:7861", scheme: "http", pathForm: true }
 */
export interface AppForm {
  /** The path the app is mounted at, "" on its own origin. */
  prefix: string;
  /** The host (and port) the visitor used, for the app's X-Forwarded-Host. */
  host: string;
  scheme: string;
  /** The path form on the host's origin: no cookie of the app's, every answer sandboxed. */
  pathForm?: boolean;
}

/**
 * Whether a cookie is the host's own — its session, its sign-in nonce, an app origin's pass — in
 * any case, spacing or `__Host-`/`__Secure-` prefix: an app neither receives nor sets one.
 */
const reserved = (name: string): boolean => isHostCookie(name) || bareName(name) === PASS_COOKIE;

/** The cookie a Set-Cookie line sets. */
const cookieName = (line: string) => line.split(";", 1)[0]!.split("=", 1)[0]!;

/** Kept-alive connections to the apps (their sockets or loopback ports), so a proxied call does not open a connection. */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });

/**
 * The visitor's request piped to the app and the app's answer piped back, bytes as they are,
 * through kept-alive connections: no web streams, no fetch, no re-encoding — hono/proxy over
 * fetch cost ~0.8 ms of CPU per call, 4× what the app itself spends on a prediction. A rollout's
 * `tap` sees the status and the answer's bytes as they pass (or, for a small answer that must be
 * routed first, the whole of it before the visitor does). Resolves once the app's status line is
 * here (the body streams on), with undefined when the app does not answer.
 */
function pipeToApp(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  address: AppAddress,
  path: string,
  method: string,
  headers: Headers,
  body: string | undefined,
  tap: Tap | undefined,
  pathForm: boolean,
): Promise<Response | undefined> {
  return new Promise((resolve) => {
    const sent = performance.now();
    let gone = false;
    const upstream = request({ ...appRequestOptions(address), path, method, headers: Object.fromEntries(headers), agent }, (res) => {
      const status = res.statusCode ?? 502;
      safely(() => tap?.status(status, performance.now() - sent));
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !HOP_BY_HOP.includes(name)) out[name] = value;
      // An app sets no cookie of the host's; on the host's own origin, none at all (it would be the host's).
      const cookies = pathForm ? [] : (res.headers["set-cookie"] ?? []).filter((line) => !reserved(cookieName(line)));
      if (cookies.length) out["set-cookie"] = cookies;
      else delete out["set-cookie"];
      // On the host's origin, whatever the app sends is no page of the host's: a document it makes
      // runs in an opaque origin, with no access to the host's cookies, storage or answers.
      if (pathForm) out["content-security-policy"] = [out["content-security-policy"] ?? []].flat().concat("sandbox");
      outgoing.writeHead(status, out);
      const ok = status >= 200 && status < 300;
      if (tap?.whole && ok) {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.once("error", () => outgoing.destroy());
        res.once("end", () => {
          const whole = Buffer.concat(parts);
          safely(() => tap.whole!(whole.toString()));
          outgoing.end(whole);
        });
      } else {
        if (String(res.headers["content-type"]).startsWith("text/event-stream")) outgoing.flushHeaders(); // before its first event
        if (tap?.chunk && ok) {
          res.on("data", (d: Buffer) => safely(() => tap.chunk!(d)));
          res.once("end", () => safely(() => tap.end?.()));
        }
        res.pipe(outgoing);
      }
      resolve(RESPONSE_ALREADY_SENT);
    });
    upstream.once("error", () => {
      if (outgoing.headersSent) return outgoing.destroy();
      if (!gone) safely(() => tap?.status(0, performance.now() - sent));
      resolve(undefined);
    });
    // The visitor went away: so does the app's request (a queue stream, a long prediction).
    outgoing.once("close", () => {
      gone = !outgoing.writableFinished;
      if (gone) upstream.destroy();
    });
    if (typeof body === "string") upstream.end(body);
    else if (method === "GET" || method === "HEAD") upstream.end();
    else incoming.pipe(upstream);
  });
}

/** Runs a rollout's reading of an answer: it reads what an app sent, and a slip there must not take the visitor's call (or the host) down. */
function safely(read: () => void): void {
  try {
    read();
  } catch (error) {
    console.error("Space host: rollout tap:", error);
  }
}

/** The Cookie header without the host's own cookies. */
function appCookies(header: string | undefined): string | undefined {
  const kept = (header ?? "")
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c && !reserved(cookieName(c)));
  return kept.length ? kept.join("; ") : undefined;
}

/**
 * @param form where the visitor reached the app (its origin, or the path form)
 * @param path the rest of the URL path, e.g. /gradio_api/queue/join
 * @throws {HostError} 503 while the app is not running, 502 when it does not answer.
 */
export async function proxyToApp(c: Context<HostEnv>, rt: SpaceRuntime, form: AppForm, path: string): Promise<Response> {
  if (!rt.address || !rt.serving)
    throw new HostError(503, `The Space is not running (stage ${rt.stage}).`, { "retry-after": "5" }, { stage: rt.stage });
  const node = c.env as Partial<HttpBindings> | undefined;
  if (!node?.incoming || !node.outgoing) throw new HostError(500, "The Space host proxies only when served by @hono/node-server.");
  const url = new URL(c.req.url);
  const kind = callKind(c.req.method, path);
  const rollout = rt.rollout?.active && rt.candidate ? rt.rollout : undefined;
  const candidateAddress = rollout ? rt.candidate!.address : undefined;
  const shadow = rollout?.shadowing;
  let address = rt.address;
  // The body is read here only where it is needed (to route a join; to copy a prediction to a
  // shadow); elsewhere it is piped. Touching c.req.raw.body would make @hono/node-server build a whole undici Request.
  let text: string | undefined;
  if (kind === "join" || (shadow && (kind === "predict" || kind === "call")))
    text = (await readCapped(c, APP_READ_BYTES, "call read by the host")).toString("utf8");
  // A queue session lives in one app process: remember where each joined, so its stream (and
  // cancel) reach that process even if a newer revision takes over in between. In a canary, a
  // new session starts on the revision its hash picks, and stays there.
  if (kind === "join") {
    const hash = parseObject(text || "{}")?.session_hash;
    if (typeof hash === "string") {
      const pinned = rt.sessions.get(hash);
      address =
        pinned !== undefined && (pinned === rt.address || pinned === candidateAddress)
          ? pinned
          : rollout?.sessionToCandidate(hash)
            ? candidateAddress!
            : rt.address;
      pin(rt.sessions, hash, address);
    }
  } else {
    const hash = url.searchParams.get("session_hash");
    const event = kind === "call-result" ? resultEvent(path) : undefined;
    if (hash && rt.sessions.has(hash)) address = rt.sessions.get(hash)!;
    else if (event && rt.events.has(event)) address = rt.events.get(event)!;
    else if (rollout && hash && rollout.sessionToCandidate(hash)) address = candidateAddress!;
    else if (rollout && (kind === "predict" || kind === "call") && rollout.callToCandidate()) address = candidateAddress!;
  }
  const headers = new Headers(c.req.raw.headers);
  // Hop-by-hop headers are the connection's, not the request's: those the Connection header names too.
  for (const name of (headers.get("connection") ?? "").split(",").map((n) => n.trim())) if (TOKEN.test(name)) headers.delete(name);
  for (const name of HOP_BY_HOP) headers.delete(name);
  headers.delete("authorization");
  headers.delete("x-csrf-token");
  headers.delete("host");
  headers.delete(USER_HEADER);
  const cookies = appCookies(headers.get("cookie") ?? undefined);
  if (cookies) headers.set("cookie", cookies);
  else headers.delete("cookie");
  if (c.var.user) headers.set(USER_HEADER, c.var.user);
  headers.set("x-forwarded-host", form.host);
  headers.set("x-forwarded-proto", form.scheme);
  headers.set("x-forwarded-prefix", form.prefix);
  if (typeof text === "string") headers.set("content-length", String(Buffer.byteLength(text)));
  const side = address === candidateAddress ? "candidate" : "stable";
  const tap =
    rollout && kind
      ? tapCall({ rt, rollout, kind, side, address, candidateAddress: candidateAddress!, path, search: url.search, text, headers })
      : undefined;
  const sent = await pipeToApp(
    node.incoming,
    node.outgoing,
    address,
    `${path || "/"}${url.search}`,
    c.req.method,
    headers,
    text,
    tap,
    form.pathForm === true,
  );
  if (!sent) throw new HostError(502, "The Space did not answer.");
  return sent;
}

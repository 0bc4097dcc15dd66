/**
 * Forwards a visitor's request to a Space's app — piped on Node's own kept-alive sockets when
 * the host serves it, through `hono/proxy` when a rollout must read the answer (or under
 * app.request in tests) — dropping hop-by-hop headers both ways, saying where the app is mounted
 * so its Gradio root is right, and taking out what the app must never see: the visitor's `Authorization` (a write
 * token) and the host's session cookie. A signed-in caller's name goes in `X-Space-User`, set
 * only here, so an app can tell who calls it without ever holding a credential.
 *
 * While a rollout runs (`rollout.ts`) it also routes a canary's share (a session stays on the
 * revision it joined, a curl `/call` result on the one that took the call), counts each call per
 * revision, and in shadow mode sends the new revision a copy of each prediction after the
 * visitor's answer is on its way, comparing the two answers' labels in the background.
 */
import { randomUUID } from "node:crypto";
import { Agent, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { proxy } from "hono/proxy";
import { SESSION_COOKIE, type HostEnv } from "./auth.ts";
import { HostError } from "./errors.ts";
import { publicBase } from "./public-url.ts";
import { callStreamAnswer, queueStreamAnswers, topLabel, type Rollout } from "./rollout.ts";
import type { SpaceRuntime } from "./runtime.ts";

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

/** How long a shadow copy (and the reading of an answer to compare) may take. */
const SHADOW_TIMEOUT_MS = 60_000;

/** The calls a rollout counts and mirrors, and the result streams it follows. */
type CallKind = "predict" | "call" | "join" | "call-result" | "queue-data";
const PREDICT = /^(\/gradio_api)?\/(api|run)\/[^/]+\/?$/;
const CALL = /^(\/gradio_api)?\/call\/(v2\/)?[^/]+\/?$/;
const CALL_RESULT = /^(\/gradio_api)?\/call\/(v2\/)?[^/]+\/([^/]+)\/?$/;

function callKind(method: string, path: string): CallKind | undefined {
  if (method === "POST") {
    if (path.endsWith("/gradio_api/queue/join")) return "join";
    if (PREDICT.test(path)) return "predict";
    if (CALL.test(path)) return "call";
  } else if (method === "GET") {
    if (path.endsWith("/gradio_api/queue/data")) return "queue-data";
    if (CALL_RESULT.test(path)) return "call-result";
  }
  return undefined;
}

const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** Remembers `key` → `port`, keeping the map bounded. */
const pin = (map: Map<string, number>, key: string, port: number) => {
  map.set(key, port);
  if (map.size > 10_000) map.delete(map.keys().next().value!);
};

/** Kept-alive connections to the apps on loopback, so a proxied call does not open a socket. */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });

/**
 * The same forwarding as hono/proxy, on Node's own sockets: the visitor's request piped to the
 * app and the app's answer piped back, bytes as they are (no web streams, no fetch, no
 * re-encoding), through kept-alive connections. hono/proxy over fetch cost ~0.8 ms of CPU per
 * call, 4× what the app itself spends on a prediction. Resolves once the app's status line is
 * here (the body streams on), with undefined when the app does not answer.
 */
function pipeToApp(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  url: string,
  method: string,
  headers: Headers,
  body: string | null,
): Promise<Response | undefined> {
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
  if (!rt.port || !rt.serving)
    throw new HostError(503, `The Space is not running (stage ${rt.stage}).`, { "retry-after": "5" }, { stage: rt.stage });
  const url = new URL(c.req.url);
  const kind = callKind(c.req.method, path);
  const rollout = rt.rollout?.active && rt.candidate ? rt.rollout : undefined;
  const candidatePort = rollout ? rt.candidate!.port : undefined;
  const shadow = rollout?.policy.mode === "shadow" ? rollout : undefined;
  let port = rt.port;
  // The request body is read (as a stream) only where it is forwarded: touching c.req.raw.body
  // makes @hono/node-server build a whole undici Request.
  let body: BodyInit | null | undefined;
  let text: string | undefined;
  if (kind === "join" || (shadow && (kind === "predict" || kind === "call"))) body = text = await c.req.text();
  // A queue session lives in one app process: remember where each joined, so its stream (and
  // cancel) reach that process even if a newer revision takes over in between. In a canary, a
  // new session starts on the revision its hash picks, and stays there.
  if (kind === "join") {
    const hash = parse(text || "{}")?.session_hash; // the app itself answers malformed JSON
    if (typeof hash === "string") {
      const pinned = rt.sessions.get(hash);
      port =
        pinned !== undefined && (pinned === rt.port || pinned === candidatePort)
          ? pinned
          : rollout?.sessionToCandidate(hash)
            ? candidatePort!
            : rt.port;
      pin(rt.sessions, hash, port);
    }
  } else {
    const hash = url.searchParams.get("session_hash");
    const event = kind === "call-result" ? path.match(CALL_RESULT)![3]! : undefined;
    if (hash && rt.sessions.has(hash)) port = rt.sessions.get(hash)!;
    else if (event && rt.events.has(event)) port = rt.events.get(event)!;
    else if (rollout && hash && rollout.sessionToCandidate(hash)) port = candidatePort!;
    else if (rollout && (kind === "predict" || kind === "call") && rollout.callToCandidate()) port = candidatePort!;
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
  const target = `http://127.0.0.1:${port}${path || "/"}${url.search}`;
  // Served by @hono/node-server with no rollout to count or mirror: pipe on its own sockets. A
  // rollout needs the answer as a Response (to count, tee and compare), as app.request in tests does.
  const node = c.env as Partial<HttpBindings> | undefined;
  if (!rollout && node?.incoming && node.outgoing) {
    if (typeof text === "string") headers.set("content-length", String(Buffer.byteLength(text)));
    const sent = await pipeToApp(node.incoming, node.outgoing, target, c.req.method, headers, text ?? null);
    if (!sent) throw new HostError(502, "The Space did not answer.");
    return sent;
  }
  if (typeof body === "string") headers.delete("content-length"); // re-sent from a string: fetch sets it
  const started = performance.now();
  let response = await proxy(target, {
    method: c.req.method,
    headers,
    body: c.req.method === "GET" || c.req.method === "HEAD" ? null : (body ?? c.req.raw.body),
    // @ts-expect-error Node's fetch needs duplex for a streamed request body
    duplex: "half",
    redirect: "manual",
    signal: c.req.raw.signal,
  }).catch(() => undefined);
  const side = port === candidatePort ? "candidate" : "stable";
  if (rollout && (kind === "predict" || kind === "call" || kind === "join"))
    rollout.observe(side, response?.status ?? 0, performance.now() - started);
  if (!response) throw new HostError(502, "The Space did not answer.");
  if (rollout && kind)
    response = await follow(response, {
      rt,
      rollout,
      kind,
      side,
      port,
      candidatePort: candidatePort!,
      path,
      search: url.search,
      text,
      headers,
    });
  // An app must not set (or clear) the host's session cookie.
  const setCookies = response.headers.getSetCookie().filter((line) => !line.trimStart().startsWith(`${SESSION_COOKIE}=`));
  response.headers.delete("set-cookie");
  for (const line of setCookies) response.headers.append("set-cookie", line);
  return response;
}

/** What {@link follow} needs of the call it follows. */
interface Followed {
  rt: SpaceRuntime;
  rollout: Rollout;
  kind: CallKind;
  side: "stable" | "candidate";
  port: number;
  candidatePort: number;
  path: string;
  search: string;
  /** The request body, when it was read (joins; predictions and curl calls in shadow mode). */
  text: string | undefined;
  headers: Headers;
}

/**
 * During a rollout: pins a curl call's event to the revision that took it, and in shadow mode
 * sends the new revision its copy (queued, never awaited) and reads the visitor's answer on a
 * tee to compare the labels. The visitor's response is the app's, byte for byte.
 */
async function follow(response: Response, f: Followed): Promise<Response> {
  const { rt, rollout, kind, side } = f;
  const shadow = rollout.policy.mode === "shadow" && side === "stable";
  const target = (path: string) => `http://127.0.0.1:${f.candidatePort}${path}`;
  const copyHeaders = () => {
    const headers = new Headers(f.headers);
    headers.set("x-space-shadow", "1");
    return headers;
  };
  /** Posts the copy to the new revision, counted as its call. */
  const post = async (body: string, signal: AbortSignal) => {
    const started = performance.now();
    const res = await fetch(target(`${f.path}${f.search}`), { method: "POST", headers: copyHeaders(), body, signal }).catch(
      () => undefined,
    );
    rollout.observe("candidate", res?.status ?? 0, performance.now() - started);
    return res?.ok ? res : undefined;
  };
  if (!response.ok && kind !== "queue-data" && kind !== "call-result") return response;

  if ((kind === "call" || (shadow && kind === "join")) && response.body) {
    // {"event_id": …}: small, read whole, so the result stream can be routed (and compared).
    const answer = await response.text();
    const eventId = parse(answer)?.event_id;
    response = new Response(answer, response);
    if (typeof eventId !== "string") return response;
    if (kind === "call") pin(rt.events, eventId, f.port);
    if (!shadow || f.text === undefined) return response;
    const text = f.text;
    rollout.expect(eventId);
    const accepted = rollout.enqueueShadow(async () => {
      const signal = AbortSignal.timeout(SHADOW_TIMEOUT_MS);
      if (kind === "call") {
        const res = await post(text, signal);
        const theirs = res && parse(await res.text())?.event_id;
        const stream =
          typeof theirs === "string"
            ? await fetch(target(`${f.path.replace(/\/$/, "")}/${theirs}`), { headers: copyHeaders(), signal }).catch(() => undefined)
            : undefined;
        rollout.answer(
          eventId,
          "shadow",
          stream?.body ? ((await callStreamAnswer(stream.body, signal).catch(() => undefined)) ?? null) : null,
        );
      } else {
        // A queue copy needs a session of its own on the new revision: the same join under a fresh hash, its stream read to the end.
        const session = `shadow-${randomUUID()}`;
        const res = await post(JSON.stringify({ ...parse(text), session_hash: session }), signal);
        const theirs = res && parse(await res.text())?.event_id;
        let got: TopLabelAnswer;
        const stream =
          typeof theirs === "string"
            ? await fetch(target(`${f.path.replace(/queue\/join$/, "queue/data")}?session_hash=${session}`), {
                headers: copyHeaders(),
                signal,
              }).catch(() => undefined)
            : undefined;
        if (stream?.body)
          await queueStreamAnswers(
            stream.body,
            (id, a) => {
              if (id !== theirs) return false;
              got = a;
              return true;
            },
            signal,
          ).catch(() => undefined);
        rollout.answer(eventId, "shadow", got ?? null);
      }
    });
    if (!accepted) rollout.forget(eventId);
    return response;
  }

  if (shadow && kind === "predict" && response.body && f.text !== undefined) {
    const key = rollout.newPairKey();
    const text = f.text;
    rollout.expect(key);
    const accepted = rollout.enqueueShadow(async () => {
      const signal = AbortSignal.timeout(SHADOW_TIMEOUT_MS);
      const res = await post(text, signal);
      rollout.answer(key, "shadow", res ? (topLabel(await res.json().catch(() => undefined)) ?? null) : null);
    });
    if (!accepted) {
      rollout.forget(key);
      return response;
    }
    const [mine, peek] = response.body.tee();
    void new Response(peek).json().then(
      (v) => rollout.answer(key, "stable", topLabel(v) ?? null),
      () => rollout.answer(key, "stable", null),
    );
    return new Response(mine, response);
  }

  // The visitor's result streams: their answers are the current revision's half of each pair.
  if (shadow && response.ok && response.body && (kind === "queue-data" || kind === "call-result")) {
    const event = kind === "call-result" ? f.path.match(CALL_RESULT)![3]! : undefined;
    if (event && !rollout.expects(event)) return response;
    const [mine, peek] = response.body.tee();
    const signal = AbortSignal.timeout(SHADOW_TIMEOUT_MS);
    if (event)
      void callStreamAnswer(peek, signal).then(
        (a) => rollout.answer(event, "stable", a ?? null),
        () => {},
      );
    else void queueStreamAnswers(peek, (id, a) => void (rollout.expects(id) && rollout.answer(id, "stable", a)), signal).catch(() => {});
    return new Response(mine, response);
  }
  return response;
}

type TopLabelAnswer = ReturnType<typeof topLabel> | null | undefined;

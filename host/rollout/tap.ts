/**
 * What a rollout reads of a proxied call as its bytes pass to the visitor, and the shadow's
 * copies. For each call the proxy forwards during a rollout, {@link tapCall} gives it a
 * {@link Tap} that:
 * - counts the call on the revision that took it: a prediction by its status and latency, a
 *   queue join or curl `/call` once its result stream says how it ended (a call that fails
 *   inside the stream answered 200), an error when the app did not answer;
 * - pins a curl call's event to that revision, so its result stream reaches it;
 * - in shadow mode, queues a copy for the new revision (never awaited: the visitor's answer does
 *   not wait for it) and reads the current revision's answer off the visitor's bytes to compare.
 *
 * Copies go on their own kept-alive connections, so under load they never take a socket the
 * visitors' calls need.
 */
import { randomUUID } from "node:crypto";
import { Agent, type IncomingMessage, request } from "node:http";
import { callCompletion, type Completion, queueCompletion, SseParser, sseFrames, topLabel } from "./answers.ts";
import { type CallKind, parseObject, pin, resultEvent } from "./calls.ts";
import type { Rollout, Side } from "./rollout.ts";
import type { SpaceRuntime } from "../spaces/runtime.ts";
import { type AppAddress, appRequestOptions } from "../apps/address.ts";

/** What the proxy shows a rollout of one call (`pipeToApp` calls these as the answer passes). */
export interface Tap {
  /** The app's status line is here (0: it did not answer), `ms` after the call was sent. */
  status(code: number, ms: number): void;
  /** A successful answer, read whole before the visitor gets it: a small `{"event_id"}` that must be routed first. */
  whole?(body: string): void;
  /** Each chunk of a successful answer as it goes to the visitor, then its end. */
  chunk?(data: Buffer): void;
  end?(): void;
}

/** The call being tapped. */
export interface TappedCall {
  rt: SpaceRuntime;
  rollout: Rollout;
  kind: CallKind;
  /** The revision that takes the call, and its address; the new revision's address. */
  side: Side;
  address: AppAddress;
  candidateAddress: AppAddress;
  /** The app's path and query, e.g. /gradio_api/queue/join and "". */
  path: string;
  search: string;
  /** The request body, when the proxy read it (joins; predictions and curl calls in shadow mode). */
  text: string | undefined;
  /** The headers sent to the app (credentials already out): a copy carries the same. */
  headers: Headers;
}

/** How long a shadow copy (its call and result stream) may take. */
const SHADOW_TIMEOUT_MS = 60_000;
/** A prediction answer longer than this is not read for its label (it still reaches the visitor whole). */
const MAX_ANSWER = 4 << 20;

/**
 * @example
 * const tap = tapCall({ rt, rollout, kind: "predict", side: "stable", address, candidateAddress, path: "/api/predict", search: "", text, headers });
 * tap.status(200, 4.2); tap.chunk?.(bytes); tap.end?.(); // counted; in shadow, the copy queued and the answers compared
 */
export function tapCall(call: TappedCall): Tap {
  const { rollout, kind, side } = call;
  const shadow = rollout.shadowing && side === "stable" && call.text !== undefined;

  if (kind === "predict") {
    let key: string | undefined;
    const parts: Buffer[] = [];
    let size = 0;
    return {
      status(code, ms) {
        rollout.observe(side, code, ms);
        if (!shadow || !ok(code)) return;
        key = rollout.newPairKey();
        rollout.expect(key);
        if (!rollout.enqueueShadow(() => copyPrediction(call, key!))) {
          rollout.forget(key);
          key = undefined;
        }
      },
      chunk(data) {
        size += data.length;
        if (key && size <= MAX_ANSWER) parts.push(data);
      },
      end() {
        if (key)
          rollout.answer(key, "stable", size <= MAX_ANSWER ? (topLabel(parseObject(Buffer.concat(parts).toString())) ?? null) : null);
      },
    };
  }

  if (kind === "join" || kind === "call")
    return {
      status(code, ms) {
        if (!ok(code)) rollout.observe(side, code, ms); // a 200 is counted when its result stream ends
      },
      whole(body) {
        const eventId = parseObject(body)?.event_id;
        if (typeof eventId !== "string") return;
        if (kind === "call") pin(call.rt.events, eventId, call.address);
        rollout.began(eventId, side);
        if (!shadow) return;
        rollout.expect(eventId);
        if (!rollout.enqueueShadow(() => copyStreamed(call, eventId))) rollout.forget(eventId);
      },
    };

  // A result stream: each call it ends is counted, and (shadow) is the current revision's half of a pair.
  const opened = performance.now();
  const parser = new SseParser();
  const event = kind === "call-result" ? resultEvent(call.path) : undefined;
  return {
    status() {},
    chunk(data) {
      for (const frame of parser.push(data)) {
        const done = event ? callCompletion(frame) : queueCompletion(frame);
        const id = event ?? done?.eventId;
        if (!done || !id) continue;
        rollout.ended(id, done.ok, opened);
        if (rollout.expects(id)) rollout.answer(id, "stable", done.answer);
      }
    },
  };
}

const ok = (code: number | undefined) => code !== undefined && code >= 200 && code < 300;

/** Keep-alive connections for shadow copies, apart from the visitors'. */
const copies = new Agent({ keepAlive: true, maxSockets: 64 });

/** One request to the new revision, marked as a shadow copy; undefined when it does not answer. */
function send(call: TappedCall, pathAndQuery: string, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage | undefined> {
  const headers = Object.fromEntries(call.headers);
  headers["x-space-shadow"] = "1";
  if (body === undefined) {
    delete headers["content-length"];
    delete headers["content-type"];
  } else headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve) => {
    const req = request(
      {
        ...appRequestOptions(call.candidateAddress),
        path: pathAndQuery,
        method: body === undefined ? "GET" : "POST",
        headers,
        agent: copies,
        signal,
      },
      resolve,
    );
    req.once("error", () => resolve(undefined));
    req.end(body);
  });
}

/** A response's body, whole (a shadow's answer to compare); undefined when it failed. */
async function text(res: IncomingMessage | undefined): Promise<string | undefined> {
  if (!res) return undefined;
  if (!ok(res.statusCode)) {
    res.resume();
    return undefined;
  }
  const parts: Buffer[] = [];
  for await (const chunk of res) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString();
}

/** The shadow's copy of a one-shot prediction: counted on the new revision, its label the pair's other half. */
async function copyPrediction(call: TappedCall, key: string): Promise<void> {
  const { rollout } = call;
  const started = performance.now();
  const res = await send(call, `${call.path}${call.search}`, call.text!, AbortSignal.timeout(SHADOW_TIMEOUT_MS));
  rollout.observe("candidate", res?.statusCode ?? 0, performance.now() - started);
  const body = await text(res).catch(() => undefined);
  rollout.answer(key, "shadow", body === undefined ? null : (topLabel(parseObject(body)) ?? null));
}

/**
 * The shadow's copy of a queue join or curl call: the same call on the new revision (a queue
 * copy under a session of its own), its result stream read to its end, counted there.
 */
async function copyStreamed(call: TappedCall, eventId: string): Promise<void> {
  const { rollout } = call;
  const signal = AbortSignal.timeout(SHADOW_TIMEOUT_MS);
  const started = performance.now();
  const session = `shadow-${randomUUID()}`;
  const body = call.kind === "join" ? JSON.stringify({ ...parseObject(call.text!), session_hash: session }) : call.text!;
  const res = await send(call, `${call.path}${call.search}`, body, signal);
  const theirs = parseObject((await text(res).catch(() => undefined)) ?? "")?.event_id;
  let done: Completion | undefined;
  if (typeof theirs === "string") {
    const stream = await send(
      call,
      call.kind === "join"
        ? `${call.path.replace(/queue\/join$/, "queue/data")}?session_hash=${session}`
        : `${call.path.replace(/\/$/, "")}/${theirs}`,
      undefined,
      signal,
    );
    done = stream ? await completion(stream, call.kind === "join" ? theirs : undefined).catch(() => undefined) : undefined;
  }
  rollout.observe("candidate", !res ? 0 : !ok(res.statusCode) ? res.statusCode! : done?.ok ? 200 : 500, performance.now() - started);
  rollout.answer(eventId, "shadow", done?.answer ?? null);
}

/** Reads a result stream until it ends `eventId` (a queue stream) or its one call (a curl stream), then closes it. */
async function completion(stream: IncomingMessage, eventId: string | undefined): Promise<Completion | undefined> {
  try {
    for await (const frame of sseFrames(stream)) {
      const done = eventId ? queueCompletion(frame) : callCompletion(frame);
      if (done && (!eventId || done.eventId === eventId)) return done;
    }
    return undefined;
  } finally {
    stream.destroy();
  }
}

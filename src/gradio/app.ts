/**
 * `createApp(blocks)`: the Hono route table of a Blocks (an Interface is one). Every route is a
 * thin transport around the one execution core (`runDependency`) or the queue in front of it,
 * and `errorResponse` below is the one place where errors become HTTP statuses.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { randomBytes, randomInt } from "node:crypto";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { exampleRows, publicRoot, toApiInfo, toConfig, withFileUrls } from "./config.ts";
import { CsvLogger } from "./flagging.ts";
import { buildUi, renderPage } from "./page.ts";
import { AppError, BusyError, describeValue, errorPayload, InputError } from "../errors.ts";
import { fileContext, resolveAllowedPath, serveFile } from "./files.ts";
import type { Interface } from "../interface.ts";
import { isState, type Blocks } from "../blocks/blocks.ts";
import { runWithMessages, type EventMessage } from "../blocks/feedback.ts";
import { checkInputs, findDependency, inputsFromNamed, runDependency, type PredictResult, type RunContext } from "../predict.ts";
import { API_PREFIX, generatingMessage, predictResponse, type GeneratingMessage, type JoinBody, type ServerMessage } from "./protocol.ts";
import { diff } from "./diff.ts";
import { DurationStats } from "./duration-stats.ts";
import type { QueueOptions } from "./queue.ts";
import { dataFrame, eventFrame, sseResponse } from "./sse.ts";
import type { Upload } from "./uploads.ts";
import type { LabelData } from "../components/label.ts";
import type { Monitor, Outcome } from "../monitor/index.ts";
import { monitorRoutes } from "./owner/monitor.ts";
import type { BackendContext } from "./backend.ts";
import { localBackend } from "./local-backend.ts";
import type { SharedBackend } from "./shared/backend.ts";
import type { ReviewQueue } from "../review/index.ts";
import { reviewFeed, reviewRoutes } from "./owner/review.ts";
import { reportRoutes, type ReportOptions } from "./owner/report.ts";

/**
 * Options of {@link createApp}.
 *
 * @example
 * createApp(iface, { maxFileSize: 10 * 1024 * 1024, rootPath: "https://example.com/spaces/me/demo", queue: { concurrency: 8 } })
 */
export interface AppOptions {
  /** Largest JSON body in bytes (default 32 MiB: a 20 MB photo as base64). */
  maxBodySize?: number;
  /** Largest upload in bytes (default 50 MiB). */
  maxFileSize?: number;
  /** Where uploads go (default `GRADIO_TEMP_DIR`, as in Gradio, else a fresh folder under the system temp dir). */
  uploadDir?: string;
  /** The app's public URL or path prefix (default `ROOT_PATH`); else taken from X-Forwarded-* headers. */
  rootPath?: string;
  /** Queue limits. */
  queue?: QueueOptions;
  /** Let image URLs point at loopback and private addresses (default false: SSRF protection). */
  allowPrivateUrls?: boolean;
  /** Where live predictions are counted, and served to the owner at /monitor (`launch` opens one). */
  monitor?: Monitor;
  /** Replicas sharing one queue, uploads and flags in Redis (`launch` opens it from `QUEUE_URL`): see shared/index.ts. */
  shared?: SharedBackend;
  /** The review queue: flags (and sampled live inputs) go to it, served to the owner at /review (`launch` opens one). */
  review?: ReviewQueue;
  /** Where /report reads the model's report and card (default `report/` and `model-card.md`). */
  report?: Pick<ReportOptions, "dir" | "card">;
}

const MB = 1024 * 1024;

/** What the monitor counts of a Label's wire value: its top class, confidence and out-of-domain flag. */
function topOf(value: LabelData | undefined): Outcome["prediction"] {
  const top = value?.confidences?.[0];
  if (value?.label === undefined || !top) return undefined;
  return { label: String(value.label), confidence: top.confidence, outOfDomain: value.ood?.out_of_domain ?? false };
}
type Env = { Variables: { errorStyle: ErrorStyle } };

/**
 * The app {@link createApp} builds: a Hono app (`fetch`, `request`), plus the one step that
 * is not a route, run by `launch()` after it starts serving.
 *
 * @example
 * const app = createApp(iface);
 * await app.precomputeExamples(); // a test that reads example_outputs from /config
 * await app.request("/config");
 */
export type SpaceApp = Hono<Env> & {
  /**
   * Runs every example once and keeps the outputs, so /config carries them (`example_outputs`)
   * and the page shows an example's result at once. Failed examples stay null.
   */
  precomputeExamples(): Promise<void>;
};
/** Which error body a route speaks: gradio's `error_payload` on predict routes, FastAPI's `{detail}` elsewhere. */
type ErrorStyle = "payload" | "detail";

/** Reads a JSON body whatever its Content-Type: fetch() without headers sends text/plain, which avoids a preflight. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`Malformed JSON body: ${(err as Error).message}. Send {"data": [<input>, …]}.`, 400);
  }
}

/** `{data: […]}` (PredictBody, JoinBody), or a 422 that shows the expected shape; `data` itself is checked by checkInputs. */
function dataOf(body: unknown): Omit<JoinBody, "data"> & { data: unknown } {
  if (typeof body !== "object" || body === null || Array.isArray(body) || !("data" in body)) {
    throw new InputError(`Expected a JSON object like {"data": [<input>, …]}, got ${describeValue(body)}.`, 422);
  }
  return body as { data: unknown };
}

/** One call of a dependency, besides its inputs: who calls, where its messages go, and the event. */
interface Call {
  /** The session hash, for State. */
  session?: string;
  /** Log, progress and a generator's yields (only the queue listens). */
  emit?: (m: EventMessage | GeneratingMessage) => void;
  /** The app's URL as the caller sees it: output files' URLs are built on it. */
  publicUrl?: string;
  signal?: AbortSignal;
  /** The caller's `event_data`. */
  eventData?: unknown;
}

/**
 * Builds the Space's HTTP routes and nothing else: no work starts here. `launch()` serves the
 * app, precomputes the examples and builds the page bundle ahead of the first visit; tests call
 * `app.request()` without a socket (and `app.precomputeExamples()` when they need the outputs).
 *
 * @example
 * const res = await createApp(iface).request("/api/predict", { method: "POST", body: JSON.stringify({ data: [dataUrl] }) });
 */
export function createApp(blocks: Blocks, options: AppOptions = {}): SpaceApp {
  // An Interface adds what the page's original shape has: examples, flagging, the review queue.
  const iface = blocks.mode === "interface" ? (blocks as Interface) : undefined;
  const { maxBodySize = 32 * MB, maxFileSize = 50 * MB, rootPath = process.env.ROOT_PATH || undefined } = options;
  // A host that swaps revisions shares GRADIO_TEMP_DIR between them: a file uploaded to the old
  // process must still be there when the call that names it reaches the new one.
  const sharedDir = options.uploadDir ?? process.env.GRADIO_TEMP_DIR;
  if (sharedDir) mkdirSync(sharedDir, { recursive: true });
  const uploadDir = sharedDir ?? mkdtempSync(join(tmpdir(), "gradio-"));
  const exampleDirs = blocks.blocks.flatMap((b) => (b as { fileDirs?: string[] }).fileDirs ?? []);
  const roots = [uploadDir, ...new Set([...blocks.allowedPaths, ...exampleDirs])];
  const files = fileContext(roots, { maxBytes: maxFileSize, allowPrivateUrls: options.allowPrivateUrls });
  const appId = randomInt(2 ** 47); // gradio's is 64-bit; clients need a JS-safe integer
  // This app's timings (average_duration, queue ETAs); the Interface is only the definition.
  const stats = new DurationStats();
  // The session's State is loaded before a call and saved after it (only for a call with a
  // session: a curl call is its own session, so its State starts fresh and is not kept).
  const stateful = blocks.dependencies.map((d) => [...d.inputs, ...d.outputs].some(isState));
  const noMessages = () => {};
  // Files an output writes (Image, File) go to a folder of their own under the upload folder, which /file= serves.
  const outputs: RunContext = {
    ...files,
    resolvePath: (path) => resolveAllowedPath(path, roots),
    saveFile: async (bytes, name) => {
      const dir = join(uploadDir, "outputs", randomBytes(16).toString("hex"));
      await mkdir(dir, { recursive: true });
      const path = join(dir, basename(name));
      await writeFile(path, bytes);
      return path;
    },
  };
  const run = async (fnIndex: number, data: unknown, call: Call = {}) => {
    const { session, emit = noMessages, publicUrl = "", signal, eventData } = call;
    const keep = stateful[fnIndex] && session !== undefined;
    const state = keep ? await backend.sessionState.load(session) : new Map<number, unknown>();
    // A generator's yields go out as they come (only the queue listens: a one-shot call gets the last).
    const onGenerate =
      emit === noMessages
        ? undefined
        : (r: PredictResult) =>
            emit(generatingMessage(withFileUrls(r.data, publicUrl), r.duration, stats.averageOf(fnIndex), r.changedState));
    const result = await runWithMessages(emit, () =>
      runDependency(blocks, fnIndex, data, { ...outputs, state, onGenerate, signal, eventData }),
    );
    if (keep) await backend.sessionState.save(session, state);
    stats.record(result.duration, fnIndex);
    return { ...result, data: withFileUrls(result.data, publicUrl) };
  };
  // Live traffic goes to the monitor; the examples computed at start do not.
  const monitor = options.monitor;
  const labelAt = blocks.dependencies.map((d) => d.outputs.findIndex((c) => c.type === "label"));
  const feed = options.review && iface && reviewFeed(iface, options.review, files);
  const predict =
    !monitor && !feed
      ? run
      : async (fnIndex: number, data: unknown, call?: Call) => {
          const started = performance.now();
          try {
            const result = await run(fnIndex, data, call);
            if (fnIndex === 0) feed?.live(data, result.data);
            const at = labelAt[fnIndex] ?? -1;
            monitor?.record({
              durationMs: performance.now() - started,
              prediction: at < 0 ? undefined : topOf(result.data[at] as LabelData),
            });
            return result;
          } catch (err) {
            // A caller's bad input is not the Space failing: counted as a request, not an error.
            monitor?.record({ durationMs: performance.now() - started, error: !(err instanceof InputError) });
            throw err;
          }
        };
  const flagLocal = async (inputs: unknown[], outputs: unknown[]) => {
    if (!flagger) throw new InputError("Flagging is off for this Space.", 404);
    return flagger.flag(inputs, outputs, (path) => resolveAllowedPath(path, roots));
  };
  const context: BackendContext = {
    run: (data, job) =>
      predict(job.fnIndex, data, {
        session: job.sessionHash,
        emit: job.emit,
        publicUrl: job.root,
        signal: job.signal,
        eventData: job.eventData,
      }),
    stats,
    describeError: (err) => errorPayload(err, blocks.showError),
    queue: {
      ...options.queue,
      limitOf: (fnIndex) => {
        const d = blocks.dependencies[fnIndex];
        return typeof d?.concurrencyLimit === "number" ? { id: d.concurrencyId, limit: d.concurrencyLimit } : undefined;
      },
    },
    uploadDir,
    flagLocal,
    flagFile: join(iface?.flaggingDir ?? resolve(".gradio/flagged"), "dataset1.csv"),
  };
  // Where the queue, uploads and flags live: this process, or Redis for replicas (QUEUE_URL).
  const backend = options.shared?.attach(context) ?? localBackend(context);
  const queue = backend.queue;
  const app = new Hono<Env>({ strict: false });
  const root = (c: Context) => publicRoot(c.req.raw, rootPath);

  // gradio's CustomCORSMiddleware: echo the Origin, allow credentials. GitHub Pages front-ends
  // (fast.ai's tinypets) call Spaces cross-origin; @gradio/client preflights queue/join (it sends
  // x-gradio-user) and queue/data (fetch-event-stream adds Content-Type to the GET).
  app.use("*", cors({ origin: (origin) => origin || "*", credentials: true, maxAge: 600 }));
  app.onError((err, c) => errorResponse(c, err, blocks.showError));
  app.notFound((c) => c.json({ detail: `Not found: ${c.req.method} ${c.req.path}` }, 404));
  const payloadErrors = createMiddleware<Env>(async (c, next) => {
    c.set("errorStyle", "payload");
    await next();
  });
  const limit = (maxSize: number, what: string) => {
    const tooLarge = () => {
      const mb = maxSize / MB;
      throw new InputError(`${what} too large: the limit is ${mb >= 1 ? Math.round(mb) : mb.toFixed(2)} MB. Send a smaller image.`, 413);
    };
    const streamed = bodyLimit({ maxSize, onError: tooLarge });
    // A Content-Length is checked from the header alone: bodyLimit reads `c.req.raw.body`, which
    // makes @hono/node-server build a full undici Request (~0.1 ms) for every call.
    return createMiddleware<Env>(async (c, next) => {
      const length = c.req.header("content-length");
      if (length === undefined || c.req.header("transfer-encoding") !== undefined) return streamed(c, next);
      if (Number(length) > maxSize) tooLarge();
      await next();
    });
  };
  const jsonLimit = limit(maxBodySize, "Request body");

  // Example results, shown instantly by the page once precomputeExamples() has filled them.
  const exampleOutputs: (unknown[] | null)[] = [];
  const precomputeExamples = async () => {
    if (!iface) return;
    for (const [i, row] of exampleRows(iface, "").entries()) {
      exampleOutputs[i] = await run(0, row).then(
        (r) => r.data,
        () => null,
      );
    }
  };

  // Discovery.
  app.get("/config", (c) => c.json(toConfig(blocks, root(c), appId, exampleOutputs)));

  // The web UI: the page shell, its bundle, and flagging.
  app.get("/", (c) => c.html(renderPage(blocks, root(c))));
  app.get("/assets/:name", async (c) => {
    const asset = (await buildUi())[c.req.param("name")];
    if (!asset) return c.notFound();
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    c.header("content-type", asset.type);
    c.header("etag", asset.etag);
    c.header("cache-control", "no-cache"); // revalidate: a redeploy changes the bundle
    return c.body(new Uint8Array(asset.body));
  });
  const flagger = iface ? new CsvLogger(iface.flaggingDir, iface.inputs, iface.outputs) : undefined;
  app.post(`${API_PREFIX}/flag`, jsonLimit, async (c) => {
    if (!iface || !flagger || iface.flaggingMode === "never") throw new InputError("Flagging is off for this Space.", 404);
    const body = (await readJson(c)) as { data?: unknown; output?: unknown };
    checkInputs(iface.dependencies[0]!, body?.data);
    if (!Array.isArray(body.output) || body.output.length !== iface.outputs.length) {
      throw new InputError(`Expected "output" to be a list with ${iface.outputs.length} value(s), one per output.`, 422);
    }
    const row = await backend.flag(body.data as unknown[], body.output);
    await feed?.flag(body.data as unknown[], body.output);
    return c.json({ success: true, row });
  });
  app.get(`${API_PREFIX}/info`, (c) => c.json(toApiInfo(blocks, c.req.query("all_endpoints") === "true")));
  if (monitor) monitorRoutes(app, monitor, { title: blocks.title, root });
  if (options.review) reviewRoutes(app, options.review, { title: blocks.title, root });
  reportRoutes(app, { ...options.report, title: blocks.title, root });
  app.get(`${API_PREFIX}/app_id`, (c) => c.json({ app_id: appId }));
  // For load balancers and Kubernetes: the process is up; it can take traffic (the model is loaded
  // before the app is built; shared mode also needs Redis, and stops being ready while draining).
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => ((await backend.ready()) ? c.json({ status: "ready" }) : c.json({ status: "unavailable" }, 503)));

  // One-shot REST, no queue (gradio 3's /api/{name} and /run/{name}; 5+ moved them under /gradio_api).
  const oneShot = async (c: Context<Env>) => {
    const body = dataOf(await readJson(c));
    // fn_index, when present, overrides the name (gradio route_utils).
    const dep = findDependency(blocks, { fnIndex: body.fn_index, apiName: c.req.param("api_name") });
    const session = typeof body.session_hash === "string" && body.session_hash !== "" ? body.session_hash : undefined;
    const { data, duration, changedState } = await predict(dep.id, await backend.materialize(body.data), {
      session,
      publicUrl: root(c),
      eventData: body.event_data,
    });
    return c.json(predictResponse(data, duration, stats.averageOf(dep.id), changedState));
  };
  for (const path of ["/api/:api_name", "/run/:api_name", `${API_PREFIX}/api/:api_name`, `${API_PREFIX}/run/:api_name`]) {
    app.post(path, payloadErrors, jsonLimit, oneShot);
  }

  // Uploads: multipart field "files", one stored path per part.
  app.post(`${API_PREFIX}/upload`, limit(maxFileSize, "Upload"), async (c) => {
    if (!c.req.header("content-type")?.startsWith("multipart/form-data")) {
      throw new InputError(
        `Expected a multipart/form-data body with a "files" field, got ${c.req.header("content-type") ?? "no Content-Type"}.`,
        400,
      );
    }
    let parts: (File | Upload)[];
    try {
      parts = await backend.readUploads(c.req);
    } catch (err) {
      throw new InputError(`Malformed multipart body: ${(err as Error).message}.`, 400);
    }
    if (parts.length === 0) throw new InputError('No files in the upload: send them in a multipart field named "files".', 400);
    return c.json(await backend.saveUploads(parts));
  });

  // The queue: join, then one SSE stream per session.
  app.post(`${API_PREFIX}/queue/join`, jsonLimit, async (c) => {
    const body = dataOf(await readJson(c));
    if (typeof body.session_hash !== "string" || body.session_hash === "") throw new InputError("Session hash not found.", 400);
    // The client always names the dependency by fn_index; without one, the first (an Interface's predict).
    const dep = findDependency(blocks, { fnIndex: body.fn_index ?? 0 });
    checkInputs(dep, body.data);
    return c.json({ event_id: await queue.join(body.data, body.session_hash, dep.id, root(c), body.event_data) });
  });
  app.get(`${API_PREFIX}/queue/data`, (c) => {
    const hash = c.req.query("session_hash") ?? "";
    // Each generator's last yield, to send the next as Gradio's diff of it (sse_v3: the client applies them).
    const sent = new Map<string, unknown[]>();
    return sseResponse(
      (stream) => {
        const send = (m: ServerMessage) => {
          if (m.msg === "process_generating") {
            const before = sent.get(m.event_id);
            sent.set(m.event_id, m.output.data);
            if (before) m = { ...m, output: { ...m.output, data: m.output.data.map((v, i) => diff(before[i] ?? null, v)) } };
          } else if (m.msg === "process_completed") sent.delete(m.event_id);
          stream.write(dataFrame(m));
          if (m.msg === "close_stream") stream.close();
        };
        const detach = queue.listen(hash, send);
        // Never a 4xx here: the client would treat its stream as broken for good. Say so in-band, then close.
        if (!detach) {
          send({ msg: "unexpected_error", event_id: null, message: "404: Not Found", session_not_found: true, success: false });
          send({ msg: "close_stream", event_id: null });
        }
        return detach;
      },
      dataFrame({ msg: "heartbeat", event_id: null }),
    );
  });
  app.post(`${API_PREFIX}/cancel`, async (c) => {
    const body = (await readJson(c)) as { event_id?: unknown };
    if (typeof body?.event_id === "string") queue.cancel(body.event_id);
    return c.json({ success: true });
  });
  app.post(`${API_PREFIX}/reset`, (c) => c.json({ success: true }));
  app.get(`${API_PREFIX}/queue/status`, (c) =>
    c.json({ msg: "estimation", event_id: null, rank: null, queue_size: queue.size, rank_eta: null }),
  );
  // Only requested when config.connect_heartbeat is true (it is not); kept for clients that do.
  app.get(`${API_PREFIX}/heartbeat/:session_hash`, () => sseResponse(() => {}, dataFrame({ msg: "heartbeat", event_id: null })));

  // The curl flow: POST returns {event_id}; GET streams `event: generating` for each yield of a
  // generator (full values: gradio's simple_format), then `event: complete|error`, and ends.
  const callJoin = (version: 1 | 2) => async (c: Context<Env>) => {
    const dep = findDependency(blocks, { apiName: c.req.param("api_name") });
    const body = await readJson(c);
    const data = version === 1 ? dataOf(body).data : inputsFromNamed(dep, body);
    checkInputs(dep, data);
    return c.json({ event_id: await queue.join(data, undefined, dep.id, root(c)) }); // the only key: gradio's bash snippet cuts it out with awk
  };
  const callStream = (c: Context<Env>) => {
    const eventId = c.req.param("event_id") ?? "";
    return sseResponse(
      (stream) => {
        const gone = () => {
          stream.write(eventFrame("error", `No event ${eventId}: it never existed, or its result was already read.`));
          stream.close();
        };
        const detach = queue.listen(eventId, (m) => {
          if (m.msg === "process_generating") stream.write(eventFrame("generating", m.output.data));
          else if (m.msg === "process_completed") {
            stream.write(m.success ? eventFrame("complete", (m.output as { data: unknown[] }).data) : eventFrame("error", m.output));
            stream.close();
          } else if (m.msg === "close_stream") gone(); // nothing pending and no result left: read before
        });
        if (!detach) gone();
        return detach;
      },
      eventFrame("heartbeat", null),
    );
  };
  for (const prefix of [API_PREFIX, ""]) {
    app.post(`${prefix}/call/v2/:api_name`, jsonLimit, callJoin(2));
    app.post(`${prefix}/call/:api_name`, jsonLimit, callJoin(1));
    app.get(`${prefix}/call/v2/:api_name/:event_id`, callStream);
    app.get(`${prefix}/call/:api_name/:event_id`, callStream);
  }

  // Files the server holds (uploads, examples): /gradio_api/file=<path> and /gradio_api/file/<path>.
  app.on(["GET", "HEAD"], `${API_PREFIX}/*`, async (c, next) => {
    const match = c.req.path.slice(API_PREFIX.length + 1).match(/^file(?:=|\/)(.*)$/);
    if (!match) return next();
    const path = decodeURIComponent(match[1]!);
    // Behind a balancer, the upload may have gone to another replica: its bytes come from Redis.
    const local = (await backend.materialize({ path })).path;
    return serveFile(local, roots, c.req.method === "HEAD", c.req.header("range"));
  });

  return Object.assign(app, { precomputeExamples });
}

/** The one mapping from errors to statuses and bodies. */
function errorResponse(c: Context<Env>, err: Error, showError: boolean): Response {
  const style: ErrorStyle = c.get("errorStyle") ?? "detail";
  const status = err instanceof InputError || err instanceof BusyError ? err.status : 500;
  if (status === 500 && !(err instanceof AppError)) console.error(err); // unexpected: the log keeps what the caller may not see
  const payload = errorPayload(err, showError);
  const body = style === "payload" ? payload : { detail: payload.error ?? "Internal server error" };
  return c.json(body, status as 400);
}

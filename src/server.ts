/**
 * `createApp(iface)`: the Hono route table around the execution core, and the one place where
 * errors become HTTP statuses.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { AppError, BusyError, InputError } from "./errors.ts";
import type { Interface } from "./interface.ts";
import { runPredict } from "./predict.ts";
import type { ErrorPayload, PredictBody, PredictResponse } from "./protocol.ts";

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Largest request body in bytes (default 32 MiB: a 20 MB photo as base64 JSON). */
  maxBodySize?: number;
}

const MB = 1024 * 1024;

/** Which error body a route speaks: gradio's `error_payload` on predict routes, FastAPI's `{detail}` elsewhere. */
type ErrorStyle = "payload" | "detail";

/**
 * Builds the Space's HTTP app; `launch()` serves it, tests call `app.request()` without a socket.
 *
 * @example
 * const res = await createApp(iface).request("/api/predict", { method: "POST", body: JSON.stringify({ data: [dataUrl] }) });
 */
export function createApp(iface: Interface, { maxBodySize = 32 * MB }: AppOptions = {}): Hono<{ Variables: { errorStyle: ErrorStyle } }> {
  const app = new Hono<{ Variables: { errorStyle: ErrorStyle } }>({ strict: false });

  // Gradio's CustomCORSMiddleware: echo the Origin, allow credentials; GitHub Pages front-ends
  // (fast.ai's tinypets) call Spaces cross-origin. Requested headers are echoed by hono/cors.
  app.use("*", cors({ origin: (origin) => origin || "*", credentials: true, maxAge: 600 }));

  app.onError((err, c) => errorResponse(c, err, iface.showError));
  app.notFound((c) => c.json({ detail: `Not found: ${c.req.method} ${c.req.path}` }, 404));

  // One-shot REST, no queue (gradio 3's /api/{name} and /run/{name}; 5+ moved them under /gradio_api).
  const oneShot = async (c: Context<{ Variables: { errorStyle: ErrorStyle } }>) => {
    const name = c.req.param("api_name");
    // Parse JSON whatever the Content-Type: fetch() without headers sends text/plain, which avoids a preflight.
    const text = await c.req.text();
    let body: Partial<PredictBody>;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new InputError(`Malformed JSON body: ${(err as Error).message}. Send {"data": [<input>, …]}.`, 400);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body) || !("data" in body)) {
      throw new InputError(`Expected a JSON object like {"data": [<input>, …]}, got ${Array.isArray(body) ? "a list" : body === null ? "null" : typeof body === "object" ? `an object with keys ${Object.keys(body).join(", ") || "(none)"}` : typeof body}.`, 422);
    }
    // fn_index, when present, overrides the name (gradio route_utils); this Interface has endpoint 0 only.
    const known = body.fn_index !== undefined ? body.fn_index === 0 : name === iface.apiName;
    if (!known) {
      const asked = body.fn_index !== undefined ? `fn_index ${body.fn_index}` : `"${name}"`;
      throw new InputError(`Unknown endpoint ${asked}: this Space has "${iface.apiName}" (fn_index 0).`, 404);
    }
    const { data, duration } = await runPredict(iface, body.data);
    const response: PredictResponse = { data, is_generating: false, duration, average_duration: iface.stats.average, render_config: null, changed_state_ids: [] };
    return c.json(response);
  };
  const payloadErrors = createMiddleware<{ Variables: { errorStyle: ErrorStyle } }>(async (c, next) => {
    c.set("errorStyle", "payload");
    await next();
  });
  const limit = bodyLimit({
    maxSize: maxBodySize,
    onError: () => {
      throw new InputError(`Request body too large: the limit is ${Math.round(maxBodySize / MB)} MB. Send a smaller image.`, 413);
    },
  });
  for (const path of ["/api/:api_name", "/run/:api_name", "/gradio_api/api/:api_name", "/gradio_api/run/:api_name"]) {
    app.post(path, payloadErrors, limit, oneShot);
  }
  return app;
}

/** The one mapping from errors to statuses and bodies. */
function errorResponse(c: Context, err: Error, showError: boolean): Response {
  const style: ErrorStyle = c.get("errorStyle") ?? "detail";
  let status: number;
  let payload: ErrorPayload;
  if (err instanceof InputError || err instanceof BusyError) {
    status = err.status;
    payload = { error: err.message, visible: true, title: "Error" };
  } else if (err instanceof AppError) {
    status = 500;
    payload = { error: err.message, duration: err.duration, visible: err.visible, title: err.title };
  } else {
    // Unexpected: the message may hold internals, so it is shown only with showError (gradio's show_error).
    console.error(err);
    status = 500;
    payload = { error: showError ? err.message : null, visible: showError, title: "Error" };
  }
  const body = style === "payload" ? payload : { detail: payload.error ?? "Internal server error" };
  return c.json(body, status as 400);
}

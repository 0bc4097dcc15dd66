/**
 * Smart HTTP through the real `git http-backend` (CGI). Request bodies are streamed to it as
 * they arrive — git switches to chunked POSTs above 1 MiB, so nothing here may buffer a body or
 * require Content-Length — and its output is streamed back.
 */
import { spawn } from "node:child_process";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readCgiResponse } from "./cgi.ts";

/** A pass-through that fails once more than `maxBytes` went through it (and says so in `exceeded`). */
function upTo(maxBytes: number): Transform & { exceeded: boolean } {
  let seen = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      stream.exceeded = seen > maxBytes;
      done(stream.exceeded ? new Error(`the request body is over ${maxBytes} bytes`) : null, stream.exceeded ? undefined : chunk);
    },
  }) as Transform & { exceeded: boolean };
  stream.exceeded = false;
  return stream;
}

/** Where the repository is and who asks. */
export interface BackendContext {
  /** GIT_PROJECT_ROOT: the folder holding `<owner>/<name>.git`. */
  projectRoot: string;
  /** PATH_INFO, e.g. `/alice/demo.git/info/refs`. */
  pathInfo: string;
  /** The authenticated user: receive-pack is enabled only for them. */
  remoteUser?: string;
  /** Extra environment for the hooks that git runs (the post-receive shim). */
  env?: Record<string, string>;
  /** git config for this request only (e.g. receive.maxInputSize), as GIT_CONFIG_* variables. */
  config?: Record<string, string>;
  /**
   * The most bytes of body passed on: past it the body is cut off and the backend ended, like a
   * push cut off mid-way (nothing is kept). A backstop for what git's own limits do not see.
   */
  maxBodyBytes?: number;
}

/**
 * Runs one smart-HTTP request through `git http-backend`.
 *
 * @example
 * return gitHttpBackend(c.req.raw, { projectRoot: "/data/repos", pathInfo: "/alice/demo.git/info/refs", remoteUser: "alice" });
 */
export async function gitHttpBackend(request: Request, ctx: BackendContext): Promise<Response> {
  const url = new URL(request.url);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_PROJECT_ROOT: ctx.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: ctx.pathInfo,
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: request.method,
    REMOTE_ADDR: "127.0.0.1",
    ...(ctx.remoteUser ? { REMOTE_USER: ctx.remoteUser } : {}),
    ...ctx.env,
  };
  const config = Object.entries(ctx.config ?? {});
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  if (config.length) env.GIT_CONFIG_COUNT = String(config.length);
  const type = request.headers.get("content-type");
  if (type) env.CONTENT_TYPE = type;
  // Only a real length: without CONTENT_LENGTH, http-backend (git ≥ 2.18) reads the body to EOF.
  const length = request.headers.get("content-length");
  if (length && Number(length) > 0) env.CONTENT_LENGTH = length;
  // Every header as HTTP_*, as CGI wants (http-backend reads HTTP_CONTENT_ENCODING for gzip and GIT_PROTOCOL for v2).
  request.headers.forEach((value, name) => {
    env[`HTTP_${name.toUpperCase().replace(/-/g, "_")}`] = value;
  });
  if (request.headers.get("git-protocol")) env.GIT_PROTOCOL = request.headers.get("git-protocol")!;

  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 8192) stderr = stderr.slice(-8192); // the tail is enough for the error answer
  });
  // The backend may stop reading before the body's end (a refused push, git's own
  // receive.maxInputSize): it is still writing its answer then, so it must not be killed.
  let backendStopped = false;
  child.stdin.on("error", () => {
    backendStopped = true;
  });
  // A push cut off mid-way (or cut here, past maxBodyBytes) must not leave http-backend waiting
  // for the rest: git keeps what it received in quarantine and moves no ref, so ending the
  // backend loses nothing.
  const limit = upTo(ctx.maxBodyBytes ?? Number.POSITIVE_INFINITY);
  if (request.body)
    pipeline(Readable.fromWeb(request.body as import("node:stream/web").ReadableStream), limit, child.stdin).catch(() => {
      if (!backendStopped) child.kill();
    });
  else child.stdin.end();
  try {
    const { status, headers, body } = await readCgiResponse(child.stdout);
    return new Response(body, { status, headers });
  } catch (err) {
    child.kill(); // so it cannot hang, as Go's cgi host does
    if (limit.exceeded)
      return new Response(`The push is larger than ${ctx.maxBodyBytes} bytes, the most this host takes.\n`, {
        status: 413,
        headers: { "content-type": "text/plain" },
      });
    return new Response(`git http-backend failed: ${(err as Error).message}\n${stderr}`, {
      status: 500,
      headers: { "content-type": "text/plain" },
    });
  }
}

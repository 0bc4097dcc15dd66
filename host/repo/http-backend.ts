/**
 * Smart HTTP through the real `git http-backend` (CGI). Request bodies are streamed to it as
 * they arrive — git switches to chunked POSTs above 1 MiB, so nothing here may buffer a body or
 * require Content-Length — and its output is streamed back.
 */
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readCgiResponse } from "./cgi.ts";

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
  child.stdin.on("error", () => {}); // the backend may exit before reading everything (e.g. refused push)
  // A push cut off mid-way must not leave http-backend waiting for the rest: git keeps what it
  // received in quarantine and moves no ref, so ending the backend loses nothing.
  if (request.body)
    pipeline(Readable.fromWeb(request.body as import("node:stream/web").ReadableStream), child.stdin).catch(() => child.kill());
  else child.stdin.end();
  try {
    const { status, headers, body } = await readCgiResponse(child.stdout);
    return new Response(body, { status, headers });
  } catch (err) {
    child.kill(); // so it cannot hang, as Go's cgi host does
    return new Response(`git http-backend failed: ${(err as Error).message}\n${stderr}`, {
      status: 500,
      headers: { "content-type": "text/plain" },
    });
  }
}

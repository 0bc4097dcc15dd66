/**
 * The host's one error type and the one place that turns errors into responses. Routes throw
 * `HostError(status, message)`; `hostErrorResponse` answers in the dialect of whoever asked:
 * Git LFS JSON for LFS clients, `{"error": …}` for the API (as the Hub does), plain text for git
 * (which shows it to the pusher), and a small page for browsers.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorPage } from "./pages/layout.ts";

/** An app's path: /spaces/<owner>/<name>/app or below. */
export const APP_PATH = /^\/spaces\/[^/]+\/[^/]+\/app(\/|$)/;

export const LFS_TYPE = "application/vnd.git-lfs+json";

/**
 * A refusal with its HTTP status and a message for the person or client that asked.
 *
 * @example
 * throw new HostError(404, `Repository not found: ${owner}/${name}.`);
 */
export class HostError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** More fields for a JSON answer, e.g. `{ stage }` when an app is down. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Which kind of client a path belongs to, so an error is written in its format. */
function surface(c: Context): "lfs" | "api" | "git" | "page" {
  const path = c.req.path;
  if (path.includes("/info/lfs/")) return "lfs";
  if (path.startsWith("/api/") || path.startsWith("/_internal/")) return "api";
  // The Hub's file URLs answer its clients (downloadFile, fileExists, hf_hub_download) in JSON.
  if (/^\/spaces\/[^/]+\/[^/]+\/(resolve|raw)\//.test(path)) return "api";
  // An app's API clients get JSON; a browser opening the app gets a page.
  if (APP_PATH.test(path)) return (c.req.header("accept") ?? "").includes("text/html") ? "page" : "api";
  if (/\/(info\/refs|git-upload-pack|git-receive-pack|HEAD)$/.test(path)) return "git";
  return "page";
}

/**
 * The host's `onError`: a {@link HostError} keeps its status and message; anything else is
 * logged and answered 500 without details.
 */
export function hostErrorResponse(err: unknown, c: Context): Response {
  let status: ContentfulStatusCode = 500;
  let message = "Internal error in the Space host.";
  let headers: Record<string, string> = {};
  let details: Record<string, unknown> = {};
  if (err instanceof HostError) ({ status, message, headers, details } = err);
  else if (err instanceof HTTPException) {
    status = err.status as ContentfulStatusCode;
    message = err.message || "Forbidden";
  } else console.error(`Space host: ${c.req.method} ${c.req.path}:`, err);
  const kind = surface(c);
  // git and git-lfs ask for credentials again only when told Basic is wanted.
  if (status === 401 && (kind === "git" || kind === "lfs")) headers = { "www-authenticate": 'Basic realm="Spaces"', ...headers };
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  if (kind === "lfs") return c.json({ message }, status, { "content-type": LFS_TYPE });
  if (kind === "api") return c.json({ error: message, ...details }, status);
  if (kind === "page" && (c.req.header("accept") ?? "").includes("text/html"))
    return c.html(errorPage(status, message, c.get("user") as string | undefined), status);
  return c.text(`${message}\n`, status);
}

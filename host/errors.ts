/**
 * The host's one error type, and the answers every router's `onError` is made of. Routes throw
 * `HostError(status, message)`; each router answers in the dialect of its clients (its own
 * `onError`): `{"error": …}` for the API and the Hub's clients (`jsonError`), a page for
 * browsers (`pageError`), plain text for git and Git LFS JSON (in `routes/git.ts`,
 * `routes/lfs.ts`, with `challenged`).
 */
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorPage } from "./pages/layout.ts";

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

/**
 * What a thrown value says to the client, its headers already set on `c`: a {@link HostError}
 * keeps its status and message, hono's HTTPException (the csrf guard's) its status; anything
 * else is logged and answered 500 without details.
 *
 * @example
 * app.onError((err, c) => {
 *   const e = refusal(err, c);
 *   return c.text(`${e.message}\n`, e.status);
 * });
 */
export function refusal(err: unknown, c: Context, headers: (e: HostError) => Record<string, string> = (e) => e.headers): HostError {
  let e: HostError;
  if (err instanceof HostError) e = err;
  else if (err instanceof HTTPException) e = new HostError(err.status as ContentfulStatusCode, err.message || "Forbidden");
  else {
    console.error(`Space host: ${c.req.method} ${c.req.path}:`, err);
    e = new HostError(500, "Internal error in the Space host.");
  }
  for (const [name, value] of Object.entries(headers(e))) c.header(name, value);
  return e;
}

/**
 * A refusal's headers for git and git-lfs: on a 401 they ask for credentials again only when
 * told Basic is wanted.
 *
 * @example
 * const e = refusal(err, c, challenged);
 */
export const challenged = (e: HostError): Record<string, string> =>
  e.status === 401 ? { "www-authenticate": 'Basic realm="Spaces"', ...e.headers } : e.headers;

/** Whether a browser asked (it wants a page, not JSON or text). */
export const wantsPage = (c: Context): boolean => (c.req.header("accept") ?? "").includes("text/html");

/**
 * The API's and the Hub's error answer: the status and `{"error": …}` with any details.
 *
 * @example
 * const api = new Hono<HostEnv>().onError(jsonError);
 */
export const jsonError: ErrorHandler = (err, c) => {
  const e = refusal(err, c);
  return c.json({ error: e.message, ...e.details }, e.status);
};

/**
 * The pages' error answer: a small page for a browser, the message as text for anything else.
 *
 * @example
 * const pages = new Hono<HostEnv>().onError(pageError);
 */
export const pageError: ErrorHandler = (err, c) => {
  const e = refusal(err, c);
  if (wantsPage(c))
    return c.html(errorPage(e.status, e.message, c.get("user") as string | undefined, c.get("csrf") as string | undefined), e.status);
  return c.text(`${e.message}\n`, e.status);
};

/**
 * A handler for paths no route of a router has: a 404 in that router's dialect (its `onError`).
 *
 * @example
 * api.all("/api/*", unknownPath);
 */
export const unknownPath = (c: Context): never => {
  throw new HostError(404, `Not found: ${c.req.path.slice(0, 200)}`);
};

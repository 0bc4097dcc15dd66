/**
 * Request bodies, read only up to a cap each route chooses: a body that says (Content-Length) or
 * turns out (while streaming) to be larger is a 413 before it reaches memory. Routes call these
 * after they know who is asking, so an anonymous caller's body is never read at all (the server
 * drains or drops it; see @hono/node-server's `drainIncoming`).
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { checkCsrf, type HostEnv } from "../accounts/auth.ts";
import { HostError } from "../errors.ts";

/** The caps the routes use, in bytes. */
export const BODY_CAPS = {
  /** Sign-in and the pages' own forms. */
  form: 16 * 1024,
  /** Settings, secrets, variables, hardware, repository create/delete. */
  settings: 64 * 1024,
  /** The Git LFS batch and verify requests. */
  lfsBatch: 1024 * 1024,
  /** preupload: up to 1000 files with a base64 sample of 512 bytes each. */
  preupload: 4 * 1024 * 1024,
  /** The hooks' deploy call (`routes/internal.ts`): the pushed ref lines. */
  hook: 1024 * 1024,
} as const;

/** "64 KiB", "5 GB": the cap as the message says it. */
export function describeBytes(bytes: number): string {
  if (bytes >= 1e9 && bytes % 1e9 === 0) return `${bytes / 1e9} GB`;
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const)
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  return `${bytes} bytes`;
}

const tooLarge = (maxBytes: number, what: string) =>
  new HostError(413, `The ${what} is larger than ${describeBytes(maxBytes)} (${maxBytes} bytes), the most accepted here.`);

/** Refuses at once (413) a request whose Content-Length is over `maxBytes`, without reading it. */
function refuseLargerThan(c: Context, maxBytes: number, what = "request body"): void {
  const length = Number(c.req.header("content-length") ?? 0);
  if (length > maxBytes) throw tooLarge(maxBytes, what);
}

/**
 * Node's request read up to `maxBytes`. Not with `for await`: leaving that loop early destroys
 * the request, and with it the socket the 413 has to go out on. Paused instead, it is left to
 * @hono/node-server, which drains a little of it after the answer and then closes the connection.
 */
function readIncoming(incoming: IncomingMessage, maxBytes: number, tooBig: () => HostError): Promise<Buffer> {
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let seen = 0;
    const done = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen <= maxBytes) return void parts.push(chunk);
      done();
      incoming.pause();
      reject(tooBig());
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(parts));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
  });
}

/**
 * The whole body, read up to `maxBytes`: 413 at once when Content-Length is larger, 413 as soon
 * as the bytes read pass the cap otherwise (the rest is not read).
 *
 * @throws {HostError} 413 naming the cap.
 * @example
 * const bytes = await readCapped(c, 64 * 1024);
 */
export async function readCapped(c: Context, maxBytes: number, what = "request body"): Promise<Buffer> {
  refuseLargerThan(c, maxBytes, what);
  // Served by @hono/node-server: Node's own request, so no web Request is built around it.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming) return readIncoming(incoming, maxBytes, () => tooLarge(maxBytes, what));
  const body = c.req.raw.body;
  if (!body) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let seen = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength;
    if (seen > maxBytes) throw tooLarge(maxBytes, what); // leaving the loop cancels the stream
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/**
 * The body as UTF-8 text, capped ({@link readCapped}).
 *
 * @example
 * const ndjson = await textBody(c, 512 * 1024 * 1024, "commit");
 */
export async function textBody(c: Context, maxBytes: number, what?: string): Promise<string> {
  return (await readCapped(c, maxBytes, what)).toString("utf8");
}

/**
 * The body as JSON, capped: 400 when it is not JSON.
 *
 * @throws {HostError} 400 for a body that does not parse, 413 over the cap.
 * @example
 * const batch = await jsonBody(c, BODY_CAPS.lfsBatch);
 */
export async function jsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const text = await textBody(c, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HostError(400, "The request body is not valid JSON.");
  }
}

/**
 * A JSON object body, capped: 400 for anything else (an array, a string, no body).
 *
 * @example
 * const { key, value } = await jsonObject(c, BODY_CAPS.settings);
 */
export async function jsonObject(c: Context, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await jsonBody(c, maxBytes);
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new HostError(400, "The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

/**
 * A form's text fields (urlencoded or multipart, parsed by undici's `formData`), capped; a
 * field sent twice keeps its last value, files are left out.
 *
 * @example
 * const { user = "", token = "" } = await formBody(c, BODY_CAPS.form);
 */
export async function formBody(c: Context, maxBytes: number): Promise<Record<string, string>> {
  const bytes = await readCapped(c, maxBytes, "form");
  const type = c.req.header("content-type") ?? "application/x-www-form-urlencoded";
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), { headers: { "content-type": type } }).formData();
  } catch {
    throw new HostError(400, "The form could not be read: send it urlencoded or as multipart/form-data.");
  }
  const fields: Record<string, string> = {};
  form.forEach((value, name) => {
    if (typeof value === "string") fields[name] = value;
  });
  return fields;
}

/**
 * A host page's form (capped at {@link BODY_CAPS}.form unless told), its CSRF token checked:
 * a session's caller counts from here on ({@link checkCsrf}).
 *
 * @throws {HostError} 403 for a session's form with a missing or wrong token, 413 over the cap.
 * @example
 * const { name = "" } = await hostForm(c);
 */
export async function hostForm(c: Context<HostEnv>, maxBytes: number = BODY_CAPS.form): Promise<Record<string, string>> {
  const fields = await formBody(c, maxBytes);
  checkCsrf(c, fields.csrf);
  return fields;
}

/**
 * Which files a request may name. A FileData `path` (and later `/file=`) is honoured only inside
 * the folders the server itself fills (uploads, examples, outputs): `..`, absolute paths
 * elsewhere and symlinks that lead out are refused.
 */
import { createReadStream } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import parseRange from "range-parser";
import { extname, sep } from "node:path";
import type { PreprocessContext } from "../components/component.ts";
import { InputError } from "../errors.ts";
import { recentUpload } from "./uploads.ts";
import { fetchUrl } from "./url-fetch.ts";

/**
 * Resolves `path` (symlinks and `..` included) and checks that it lies inside one of `roots`.
 *
 * @throws {InputError} 403 outside the roots, 404 inside them but missing.
 * @example
 * await resolveAllowedPath("/tmp/space/uploads/ab12/cat.png", ["/tmp/space/uploads"]) // → the real path
 */
export async function resolveAllowedPath(path: string, roots: readonly string[]): Promise<string> {
  const notAllowed = () =>
    new InputError(`File not allowed: ${path}. Only files uploaded to this Space, its examples and its outputs can be used.`, 403);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    // Say "not found" only inside an allowed folder, so the error reveals nothing about the rest of the disk.
    const inside = roots.some((root) => path.startsWith(root.endsWith(sep) ? root : root + sep));
    throw inside ? new InputError(`File not found: ${path}.`, 404) : notAllowed();
  }
  for (const root of roots) {
    const realRoot = await realRootOf(root);
    if (realRoot && real.startsWith(realRoot + sep)) return real;
  }
  throw notAllowed();
}

/** Each root's real path, resolved once per process (a root missing so far is asked again next time). */
const realRoots = new Map<string, Promise<string | undefined>>();
function realRootOf(root: string): Promise<string | undefined> {
  let real = realRoots.get(root);
  if (!real) {
    real = realpath(root).catch(() => undefined);
    realRoots.set(root, real);
    void real.then((r) => r === undefined && realRoots.delete(root));
  }
  return real;
}

/**
 * Reads a file that {@link resolveAllowedPath} allows.
 *
 * @example
 * const bytes = await readAllowedFile("examples/sneaker.png", [resolve("examples")]);
 */
export async function readAllowedFile(path: string, roots: readonly string[]): Promise<Uint8Array> {
  return readFile(await resolveAllowedPath(path, roots));
}

/**
 * A {@link PreprocessContext}: files from `roots` only (uploads, examples, `allowedPaths`), URLs
 * from public addresses only unless `allowPrivateUrls`.
 *
 * @example
 * await new Image().preprocess({ path: "/tmp/gradio-x/ab/cat.png" }, fileContext(["/tmp/gradio-x"], { maxBytes: 50e6 }))
 */
export function fileContext(
  roots: readonly string[],
  { maxBytes, allowPrivateUrls = false }: { maxBytes: number; allowPrivateUrls?: boolean },
): PreprocessContext {
  return {
    readFile: (path) => {
      // A file this process just stored, named by its own path (inside these roots): from memory.
      const recent = roots.some((root) => path.startsWith(root.endsWith(sep) ? root : root + sep)) ? recentUpload(path) : undefined;
      return recent ? Promise.resolve(recent) : readAllowedFile(path, roots);
    },
    fetchUrl: (url) => fetchUrl(url, { maxBytes, allowPrivate: allowPrivateUrls }),
  };
}

/** Types a browser may show inline; anything else is a download (gradio's XSS-safe list). */
const INLINE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".bmp": "image/bmp",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".csv": "text/plain; charset=utf-8",
  // Sound and video play in the page's <audio>/<video>, which ask for byte ranges.
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".flac": "audio/flac",
  ".m4a": "audio/mp4",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
};

/**
 * The response to `GET /gradio_api/file=<path>` (and HEAD): an allowed regular file, shown
 * inline only when its type is on the safe list, else sent as a download. A `Range` header
 * (`bytes=0-1023`, what <audio> and <video> send to seek) gets 206 with that slice and
 * `Content-Range`; a range outside the file gets 416; several ranges get the whole file (200),
 * which HTTP allows.
 *
 * @throws {InputError} 403 for anything outside the roots, missing, or not a regular file (one
 * answer for all, so the route reveals nothing about the disk).
 * @example
 * await serveFile("/app/examples/bag.png", [resolve("examples")], false) // → 200, image/png, inline
 * await serveFile("/tmp/g/outputs/ab/a.wav", roots, false, "bytes=0-99") // → 206, content-range: bytes 0-99/88244
 */
export async function serveFile(path: string, roots: readonly string[], headOnly: boolean, range?: string): Promise<Response> {
  const refused = () => new InputError(`File not allowed: ${path}.`, 403);
  // `/file=/app/x.png` and `/file/app/x.png` both name /app/x.png.
  const real = await resolveAllowedPath(path.startsWith("/") ? path : `/${path}`, roots).catch(() => {
    throw refused();
  });
  const info = await stat(real);
  if (!info.isFile()) throw refused();
  const type = INLINE_TYPES[extname(real).toLowerCase()];
  const headers: Record<string, string> = {
    "content-type": type ?? "application/octet-stream",
    "content-disposition": type ? "inline" : "attachment",
    "accept-ranges": "bytes",
  };
  const ranges = range ? parseRange(info.size, range, { combine: true }) : -2;
  if (ranges === -1) {
    // Unsatisfiable: starts past the end (or the file is empty).
    return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${info.size}` } });
  }
  // -2 (malformed or no Range) and several ranges: the whole file.
  const slice = Array.isArray(ranges) && ranges.type === "bytes" && ranges.length === 1 ? ranges[0]! : undefined;
  const start = slice?.start ?? 0;
  const end = slice?.end ?? info.size - 1;
  headers["content-length"] = String(info.size === 0 ? 0 : end - start + 1);
  if (slice) headers["content-range"] = `bytes ${start}-${end}/${info.size}`;
  const status = slice ? 206 : 200;
  if (headOnly || info.size === 0) return new Response(null, { status, headers });
  // Streamed, so a seek into a large video reads only its slice.
  const body = Readable.toWeb(createReadStream(real, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}

/**
 * Which files a request may name. A FileData `path` (and later `/file=`) is honoured only inside
 * the folders the server itself fills (uploads, examples, outputs): `..`, absolute paths
 * elsewhere and symlinks that lead out are refused.
 */
import { readFile, realpath, stat } from "node:fs/promises";
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
};

/**
 * The response to `GET /gradio_api/file=<path>` (and HEAD): an allowed regular file, shown
 * inline only when its type is on the safe list, else sent as a download.
 *
 * @throws {InputError} 403 for anything outside the roots, missing, or not a regular file (one
 * answer for all, so the route reveals nothing about the disk).
 * @example
 * await serveFile("/app/examples/bag.png", [resolve("examples")], false) // → 200, image/png, inline
 */
export async function serveFile(path: string, roots: readonly string[], headOnly: boolean): Promise<Response> {
  const refused = () => new InputError(`File not allowed: ${path}.`, 403);
  // `/file=/app/x.png` and `/file/app/x.png` both name /app/x.png.
  const real = await resolveAllowedPath(path.startsWith("/") ? path : `/${path}`, roots).catch(() => {
    throw refused();
  });
  const info = await stat(real);
  if (!info.isFile()) throw refused();
  const type = INLINE_TYPES[extname(real).toLowerCase()];
  const headers = {
    "content-type": type ?? "application/octet-stream",
    "content-disposition": type ? "inline" : "attachment",
    "content-length": String(info.size),
  };
  return new Response(headOnly ? null : new Uint8Array(await readFile(real)), { headers });
}

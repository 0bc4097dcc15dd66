/**
 * A static Space (`sdk: static` in its card) answered from its revision's build folder, with no
 * process and no sandbox: a file by its path (a folder by its index.html), its MIME type
 * (hono's table), and an ETag per revision and file, so a browser revalidates cheaply. Nothing
 * outside the folder is reachable, by `..` or by a committed symbolic link, and no dotfile
 * (`.gitattributes`) is served. On the host's path form the answer is sandboxed, as a proxied
 * app's is (docs/origins.md).
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { Readable } from "node:stream";
import type { Context } from "hono";
import { getMimeType } from "hono/utils/mime";
import { HostError } from "../errors.ts";
import type { AppForm } from "./proxy.ts";

/**
 * Answers `path` (as the visitor asked for it, "" for the root) from `dir`, revision `sha`'s folder.
 *
 * @throws {HostError} 404 when there is no such file, 405 for a method other than GET or HEAD.
 * @example
 * return serveStaticFile(c, "/srv/spaces/builds/alice/demo/<sha>", sha, "/ort/ort-wasm-simd-threaded.wasm", form);
 */
export async function serveStaticFile(c: Context, dir: string, sha: string, path: string, form: AppForm): Promise<Response> {
  if (c.req.method !== "GET" && c.req.method !== "HEAD")
    throw new HostError(405, "A static Space answers GET and HEAD only.", { allow: "GET, HEAD" });
  let parts: string[];
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HostError(404, "Not found.");
  }
  if (parts.some((p) => p.startsWith(".") || p.includes("\\") || p.includes("\0"))) throw new HostError(404, "Not found.");
  const root = await realpath(dir);
  const file = await (async () => {
    try {
      let real = await realpath(join(root, ...parts));
      if ((await stat(real)).isDirectory()) real = await realpath(join(real, "index.html"));
      return real.startsWith(root + sep) && (await stat(real)).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  })();
  if (!file) throw new HostError(404, `No file ${path || "/"} in this Space.`);
  const info = await stat(file);
  const etag = `"${sha.slice(0, 12)}-${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`;
  const headers: Record<string, string> = {
    "content-type": getMimeType(file) ?? "application/octet-stream",
    etag,
    // A revision's files never change, but a push replaces them at the same URLs: always revalidate.
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    ...(form.pathForm ? { "content-security-policy": "sandbox" } : {}),
  };
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  headers["content-length"] = String(info.size);
  const body = c.req.method === "HEAD" ? null : (Readable.toWeb(createReadStream(file)) as ReadableStream);
  return new Response(body, { status: 200, headers });
}

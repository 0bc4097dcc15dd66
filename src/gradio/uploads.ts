/** `POST /gradio_api/upload`: files stored under the upload folder, named as gradio names them. */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One uploaded file: its client-side name and its bytes. */
export interface Upload {
  name: string;
  bytes: Uint8Array;
}

/**
 * The files of a multipart/form-data body's `field` parts, sliced out of the body without
 * copying. `undefined` when the body is anything but plain (no boundary, a part without a
 * Content-Disposition, `filename*`, a missing closing delimiter): {@link readUploads} then asks
 * the standard parser.
 *
 * @example
 * parseMultipart(body, "multipart/form-data; boundary=x") // → [{ name: "cat.png", bytes: Uint8Array(1834) }]
 */
export function parseMultipart(body: Uint8Array, contentType: string, field = "files"): Upload[] | undefined {
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) return undefined;
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`\r\n--${boundary[1] ?? boundary[2]}`);
  // The first delimiter may open the body without the CRLF before it.
  let at: number;
  if (buf.subarray(0, delimiter.length - 2).equals(delimiter.subarray(2))) at = delimiter.length - 2;
  else {
    const first = buf.indexOf(delimiter);
    if (first < 0) return undefined;
    at = first + delimiter.length;
  }
  const files: Upload[] = [];
  for (;;) {
    if (buf[at] === 0x2d && buf[at + 1] === 0x2d) return files; // "--": the closing delimiter
    if (buf[at] !== 0x0d || buf[at + 1] !== 0x0a) return undefined;
    const headEnd = buf.indexOf("\r\n\r\n", at + 2);
    if (headEnd < 0) return undefined;
    const head = buf.toString("utf8", at + 2, headEnd);
    const end = buf.indexOf(delimiter, headEnd + 4);
    if (end < 0) return undefined;
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(head)?.[1];
    if (disposition === undefined || /filename\*/i.test(disposition)) return undefined;
    const param = (key: string) => new RegExp(`;\\s*${key}="([^"]*)"`, "i").exec(disposition)?.[1];
    const filename = param("filename");
    if (param("name") === field && filename !== undefined) files.push({ name: filename, bytes: buf.subarray(headEnd + 4, end) });
    at = end + delimiter.length;
  }
}

/**
 * The uploaded files in a multipart body: {@link parseMultipart}, or the standard (undici)
 * parser for whatever it leaves.
 *
 * @throws {Error} when the body is not valid multipart.
 */
export async function readUploads(body: Uint8Array<ArrayBuffer>, contentType: string): Promise<Upload[]> {
  const fast = parseMultipart(body, contentType);
  if (fast) return fast;
  const form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  const files = form.getAll("files").filter((f): f is File => f instanceof File);
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** Uploads stored lately by this process, by the path returned for them; oldest first. */
const recent = new Map<string, { bytes: Uint8Array; until: number }>();
let recentBytes = 0;
const RECENT_MS = 60_000;
const RECENT_MAX_BYTES = 32 * 2 ** 20;

function remember(path: string, bytes: Uint8Array): void {
  if (bytes.byteLength > RECENT_MAX_BYTES / 4) return;
  const seen = recent.get(path);
  if (seen) recentBytes -= seen.bytes.byteLength;
  recent.delete(path);
  recent.set(path, { bytes, until: Date.now() + RECENT_MS });
  recentBytes += bytes.byteLength;
  for (const [key, entry] of recent) {
    if (recentBytes <= RECENT_MAX_BYTES && entry.until > Date.now()) break;
    recent.delete(key);
    recentBytes -= entry.bytes.byteLength;
  }
}

/**
 * The bytes of a file this process stored in the last minute, by the exact path
 * {@link saveUploads} returned: the call that names an upload (queue/join, right after the
 * upload, as @gradio/client does) reads it from memory instead of resolving and reading it
 * from disk again. Undefined for any other path.
 *
 * @example
 * recentUpload("/tmp/gradio-x/3fd6…/cat.png") // → Uint8Array(1834), or undefined
 */
export function recentUpload(path: string): Uint8Array | undefined {
  const hit = recent.get(path);
  return hit && hit.until > Date.now() ? hit.bytes : undefined;
}

/**
 * Makes a client's file name safe to store (gradio utils.strip_invalid_filename_characters):
 * no path separators or shell-special characters, no control characters, at most 200 bytes.
 *
 * @example
 * sanitizeFilename("../../etc/pa$$wd") // → "....etcpawd"
 */
export function sanitizeFilename(name: string): string {
  let clean = name.replace(/[<>:"/\\|?*`$!{}\x00-\x1f\x7f]/g, "").trim();
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(clean)) clean = `_${clean}`; // Windows device names
  while (Buffer.byteLength(clean) > 200) clean = clean.slice(0, -1);
  return clean === "" || clean === "." || clean === ".." ? `tmp${randomBytes(5).toString("hex")}` : clean;
}

/** Uploads up to this size are written without the thread pool (see {@link saveUploads}). */
const SYNC_WRITE_MAX_BYTES = 256 * 1024;

/**
 * Stores each file as `<uploadDir>/<sha256 of its bytes>/<sanitised name>` and returns the
 * absolute paths, in order: what the client then sends back as FileData `path`.
 *
 * @example
 * await saveUploads([new File([bytes], "cat.png")], "/tmp/gradio-x") // → ["/tmp/gradio-x/3fd6…/cat.png"]
 */
export async function saveUploads(files: (File | Upload)[], uploadDir: string): Promise<string[]> {
  return Promise.all(
    files.map(async (file) => {
      const bytes = file instanceof File ? new Uint8Array(await file.arrayBuffer()) : file.bytes;
      const dir = join(uploadDir, createHash("sha256").update(bytes).digest("hex"));
      const path = join(dir, sanitizeFilename(file.name || "blob"));
      // Identical uploads share a path: write aside, then rename (atomic), so a job reading the
      // file while the same bytes arrive again never sees it half-written or empty. A path that
      // exists already holds these very bytes (it is named by their hash): kept, as gradio does,
      // since replacing a file that readers hold open is the slowest call here (~1 ms).
      if (existsSync(path)) {
        remember(path, bytes);
        return path;
      }
      const partial = `${path}.${randomBytes(6).toString("hex")}.partial`;
      // A small file is written synchronously: ~80 µs of the event loop, against ~250 µs of CPU
      // for the same mkdir + write + rename as promises (each a thread-pool round trip; issue 22).
      if (bytes.byteLength <= SYNC_WRITE_MAX_BYTES) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(partial, bytes);
        renameSync(partial, path);
      } else {
        await mkdir(dir, { recursive: true });
        await writeFile(partial, bytes);
        await rename(partial, path);
      }
      remember(path, bytes);
      return path;
    }),
  );
}

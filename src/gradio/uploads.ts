/** `POST /gradio_api/upload`: files stored under the upload folder, named as gradio names them. */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

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

/**
 * Stores each file as `<uploadDir>/<sha256 of its bytes>/<sanitised name>` and returns the
 * absolute paths, in order: what the client then sends back as FileData `path`.
 *
 * @example
 * await saveUploads([new File([bytes], "cat.png")], "/tmp/gradio-x") // → ["/tmp/gradio-x/3fd6…/cat.png"]
 */
export async function saveUploads(files: File[], uploadDir: string): Promise<string[]> {
  return Promise.all(
    files.map(async (file) => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const dir = join(uploadDir, createHash("sha256").update(bytes).digest("hex"));
      await mkdir(dir, { recursive: true });
      const path = join(dir, sanitizeFilename(file.name || "blob"));
      // Identical uploads share a path: write aside, then rename (atomic), so a job reading the
      // file while the same bytes arrive again never sees it half-written or empty.
      const partial = `${path}.${randomBytes(6).toString("hex")}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, path);
      return path;
    }),
  );
}

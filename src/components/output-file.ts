/**
 * What the media outputs (Chatbot files, Gallery, Audio, Video) share: a file `fn` names (a
 * path, or FileData) or bytes it made, turned into FileData of a file the server serves.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import mime from "mime";
import { describeValue } from "../errors.ts";
import type { PathContext, PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";

/**
 * FileData for a file the server holds. A path the server already serves (an upload, an
 * example, a file an earlier yield stored) is kept as it is, so a streamed chat history does
 * not copy its files again on every yield; any other path is copied into the output cache.
 *
 * @throws {Error} when `value` is neither a path, FileData nor bytes (fn's mistake: a 500).
 * @example
 * await outputFile("/app/examples/cheetah.jpg", ctx, "Gallery") // → { path: "/tmp/gradio-x/outputs/3f…/cheetah.jpg", mime_type: "image/jpeg", … }
 */
export async function outputFile(
  value: unknown,
  ctx: PostprocessContext & Partial<Pick<PathContext, "resolvePath">>,
  who: string,
  name?: string,
): Promise<FileData> {
  if (value instanceof Uint8Array) {
    const file = name ?? "file";
    const path = await ctx.saveFile(value, file);
    return { path, orig_name: file, size: value.length, mime_type: mime.getType(file), meta: { _type: "gradio.FileData" } };
  }
  const given = typeof value === "string" ? value : (value as FileData | null)?.path;
  if (typeof given !== "string" || given === "") {
    throw new Error(`${who} output must be a file path, FileData or bytes; fn returned ${describeValue(value)}.`);
  }
  const origName = (typeof value === "object" && (value as FileData).orig_name) || basename(given);
  if (/^https?:\/\//i.test(given))
    return { path: given, url: given, orig_name: origName, mime_type: mime.getType(origName), meta: { _type: "gradio.FileData" } };
  const served = await ctx.resolvePath?.(given).catch(() => undefined);
  if (served) return { path: served, orig_name: origName, mime_type: mime.getType(origName), meta: { _type: "gradio.FileData" } };
  const bytes = await readFile(given);
  const path = await ctx.saveFile(bytes, origName);
  return { path, orig_name: origName, size: bytes.length, mime_type: mime.getType(origName), meta: { _type: "gradio.FileData" } };
}

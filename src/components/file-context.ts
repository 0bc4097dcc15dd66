/**
 * What file components ask of the server beyond `PreprocessContext` (components/component.ts):
 * a place to write the files `fn` returns, and a check of a path a caller names without reading
 * the file. The server (core) provides both; components never choose a folder themselves.
 */
import type { PreprocessContext } from "./component.ts";

/**
 * What postprocessing may ask of the server: Image and File outputs write what `fn` returned
 * into the server's output cache, which `/gradio_api/file=` serves.
 *
 * @example
 * const ctx: PostprocessContext = { saveFile: async (bytes, name) => writeIntoCache(bytes, name) }; // → "/tmp/gradio-x/3f2c…/cat.webp"
 */
export interface PostprocessContext {
  /**
   * Stores `bytes` as a new file in the output cache (its own folder, so names never collide)
   * and resolves with its absolute path. `name` is a plain file name (`"image.webp"`), never a path.
   * The server adds each FileData's `url` when it sends the value (as Gradio does).
   */
  saveFile(bytes: Uint8Array, name: string): Promise<string>;
}

/**
 * A `PreprocessContext` that can also check a path without reading the file: File with
 * `type: "filepath"` passes the path on, so it needs the same check `readFile` does.
 *
 * @example
 * const ctx: PathContext = { ...fileContext(roots, opts), resolvePath: (p) => resolveAllowedPath(p, roots) };
 */
export interface PathContext extends PreprocessContext {
  /** The real path of an allowed file (uploads, examples, outputs); throws InputError 403/404 otherwise. */
  resolvePath(path: string): Promise<string>;
}

/**
 * Checks that `path` is a file the caller may name, with `resolvePath` when the server gives it,
 * else by reading it through `readFile` (which performs the same check).
 *
 * @example
 * await allowedPath(ctx, "/tmp/gradio-x/ab/report.pdf") // → "/tmp/gradio-x/ab/report.pdf"
 */
export async function allowedPath(ctx: PreprocessContext, path: string): Promise<string> {
  const resolve = (ctx as Partial<PathContext>).resolvePath;
  if (resolve) return resolve.call(ctx, path);
  await ctx.readFile(path);
  return path;
}

/**
 * The context an output that writes files was given, or a clear error when the caller gave none.
 *
 * @example
 * const out = needSaving(ctx, "Image"); await out.saveFile(bytes, "image.webp");
 */
export function needSaving(ctx: PostprocessContext | undefined, who: string): PostprocessContext {
  if (!ctx) throw new Error(`${who} output needs the server's PostprocessContext (saveFile) to store its file.`);
  return ctx;
}

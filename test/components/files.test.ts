/** Image as an output and File in and out, with the server's real file checks and a real cache folder. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { File, Image, type InputError, type PathContext, type PostprocessContext } from "../../src/index.ts";
import { fileContext, resolveAllowedPath } from "../../src/gradio/files.ts";

let dir: string; // uploads (allowed)
let cache: string; // where outputs are written
let out: PostprocessContext;
let ctx: PathContext;
let png: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "components-files-"));
  cache = join(dir, "cache");
  await mkdir(join(dir, "uploads"), { recursive: true });
  const uploads = join(dir, "uploads");
  let n = 0;
  out = {
    saveFile: async (bytes, name) => {
      const folder = join(cache, String(n++));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, name), bytes);
      return join(folder, name);
    },
  };
  ctx = { ...fileContext([uploads], { maxBytes: 1e6 }), resolvePath: (p) => resolveAllowedPath(p, [uploads]) };
  png = await sharp({ create: { width: 4, height: 2, channels: 3, background: "blue" } })
    .png()
    .toBuffer();
  await writeFile(join(uploads, "a.png"), png);
  await writeFile(join(uploads, "notes.txt"), "hello");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const fd = (path: string, orig_name?: string) => ({ path, orig_name, meta: { _type: "gradio.FileData" } });

describe("Image as an output", () => {
  test("a sharp image is encoded as webp (Gradio's default) and written to the cache", async () => {
    const data = await new Image().postprocess(sharp(png).flip(), out);
    expect(data).toMatchObject({ orig_name: "image.webp", mime_type: "image/webp", meta: { _type: "gradio.FileData" } });
    expect((await sharp(await readFile(data!.path!)).metadata()).format).toBe("webp");
    const gif = await new Image({ format: "png" }).postprocess(sharp(png), out);
    expect(gif?.orig_name).toBe("image.png");
  });
  test("bytes, a path, FileData and an input's ImageFile keep their format and name", async () => {
    expect(await new Image().postprocess(png, out)).toMatchObject({ orig_name: "image.png", size: png.length, mime_type: "image/png" });
    expect(await new Image().postprocess(join(dir, "uploads", "a.png"), out)).toMatchObject({ orig_name: "a.png" });
    expect(await new Image().postprocess(fd(join(dir, "uploads", "a.png"), "cat photo.png"), out)).toMatchObject({
      orig_name: "cat_photo.png",
    });
    const file = await new Image().preprocess(`data:image/png;base64,${png.toString("base64")}`, ctx);
    expect(await new Image().postprocess(file, out)).toMatchObject({ mime_type: "image/png" });
    expect(await new Image().postprocess(null, out)).toBeNull();
  });
  test("what is not an image is fn's error, named; without a context it says what is missing", async () => {
    await expect(new Image({ label: "Flipped" }).postprocess(Buffer.from("hello world"), out)).rejects.toThrow(
      /^Image "Flipped" output is not an image file: /,
    );
    await expect(new Image().postprocess(42, out)).rejects.toThrow(
      "Image output must be image bytes, a sharp image, a file path or FileData; fn returned a number (42).",
    );
    await expect(new Image().postprocess(png)).rejects.toThrow(
      "Image output needs the server's PostprocessContext (saveFile) to store its file.",
    );
  });
  test("props and events as Gradio 6", () => {
    expect(new Image({ label: "x" }).props()).toMatchObject({
      format: "webp",
      sources: ["upload", "webcam", "clipboard"],
      value: null,
      label: "x",
    });
    expect(Image.events).toEqual(["clear", "change", "stream", "select", "upload", "input"]);
  });
});

describe("File", () => {
  const upload = (name: string) => fd(join(dir, "uploads", name), name);

  test("single: fn gets the checked path, or bytes with type binary", async () => {
    expect(await new File().preprocess(upload("notes.txt"), ctx)).toMatch(/uploads\/notes\.txt$/);
    expect(Buffer.from((await new File({ type: "binary" }).preprocess(upload("notes.txt"), ctx)) as Uint8Array).toString()).toBe("hello");
    // Without resolvePath the file is read to check it: same answer.
    expect(await new File().preprocess(upload("notes.txt"), fileContext([join(dir, "uploads")], { maxBytes: 1e6 }))).toMatch(/notes\.txt$/);
  });
  test("paths outside the uploads are refused (403), with or without resolvePath", async () => {
    for (const c of [ctx, fileContext([join(dir, "uploads")], { maxBytes: 1e6 })]) {
      const err = (await new File().preprocess(fd("/etc/passwd"), c).catch((e) => e)) as InputError;
      expect(err.status).toBe(403);
    }
  });
  test("too many files, wrong types and wrong shapes are 422s naming the component", async () => {
    const single = new File({ label: "Report" });
    const err = (await single.preprocess([upload("a.png"), upload("notes.txt")], ctx).catch((e) => e)) as InputError;
    expect(err).toMatchObject({
      status: 422,
      message: 'File "Report": expected one file (FileData from /gradio_api/upload); fileCount is "single", got a list of 2 items.',
    });
    const images = new File({ fileCount: "multiple", fileTypes: ["image"] });
    expect(await images.preprocess([upload("a.png")], ctx)).toHaveLength(1);
    expect(((await images.preprocess([upload("a.png"), upload("notes.txt")], ctx).catch((e) => e)) as InputError).message).toBe(
      'File: expected a file of type image, got "notes.txt".',
    );
    expect(await new File({ fileTypes: [".TXT"] }).preprocess(upload("notes.txt"), ctx)).toMatch(/notes\.txt$/);
    expect(((await single.preprocess("notes.txt", ctx).catch((e) => e)) as InputError).message).toBe(
      'File "Report": expected one file (FileData from /gradio_api/upload), got the string "notes.txt".',
    );
  });
  test("outputs are copied into the cache as FileData; a list for several", async () => {
    const one = await new File().postprocess(join(dir, "uploads", "notes.txt"), out);
    expect(one).toMatchObject({ orig_name: "notes.txt", size: 5, mime_type: "text/plain", meta: { _type: "gradio.FileData" } });
    expect((one as { path: string }).path.startsWith(cache)).toBe(true);
    const many = await new File({ fileCount: "multiple" }).postprocess(
      [join(dir, "uploads", "notes.txt"), join(dir, "uploads", "a.png")],
      out,
    );
    expect((many as { orig_name: string }[]).map((f) => f.orig_name)).toEqual(["notes.txt", "a.png"]);
  });
  test("api_info is Gradio's FileData / ListFiles; python_type filepath", () => {
    expect(new File().apiInfo()).toMatchObject({ title: "FileData", required: ["path"], type: "object" });
    expect(new File({ fileCount: "multiple" }).apiInfo()).toMatchObject({
      title: "ListFiles",
      type: "array",
      items: { $ref: "#/$defs/FileData" },
    });
    expect(new File({ fileCount: "directory" }).pythonType()).toEqual({ type: "list[filepath]", description: "" });
    expect(new File({ fileCount: "multiple", fileTypes: [".pdf"] }).props()).toMatchObject({
      file_count: "multiple",
      file_types: [".pdf"],
      type: "filepath",
    });
    expect(File.events).toEqual(["change", "select", "clear", "upload", "delete", "download"]);
  });
  test("flag then readFromFlag gives FileData again, for one file or several", async () => {
    const saveFile = async (p: string) => `file/copy-of-${p.split("/").pop()}`;
    const many = new File({ fileCount: "multiple" });
    const cell = await many.flag([fd("/tmp/u/a.txt"), fd("/tmp/u/b.txt")], { saveFile });
    expect(many.readFromFlag(cell, "/flags")).toEqual([
      { path: "/flags/file/copy-of-a.txt", orig_name: "copy-of-a.txt", meta: { _type: "gradio.FileData" } },
      { path: "/flags/file/copy-of-b.txt", orig_name: "copy-of-b.txt", meta: { _type: "gradio.FileData" } },
    ]);
  });
});

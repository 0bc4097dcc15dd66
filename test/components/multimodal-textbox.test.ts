/** MultimodalTextbox in and out, with the server's real file checks (an uploads folder, a real cache folder). */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fileContext, resolveAllowedPath } from "../../src/gradio/files.ts";
import { type InputError, MultimodalTextbox, type PathContext, type PostprocessContext } from "../../src/index.ts";
import { refusal } from "./refusal.ts";

let dir: string;
let uploads: string;
let ctx: PathContext;
let out: PostprocessContext & PathContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "components-multimodal-"));
  uploads = join(dir, "uploads");
  await mkdir(uploads, { recursive: true });
  await writeFile(join(uploads, "a.png"), "png bytes");
  await writeFile(join(uploads, "notes.txt"), "hello");
  await writeFile(join(dir, "outside.png"), "not an upload");
  ctx = { ...fileContext([uploads], { maxBytes: 1e6 }), resolvePath: (p) => resolveAllowedPath(p, [uploads]) };
  let n = 0;
  out = {
    ...ctx,
    saveFile: async (bytes, name) => {
      const folder = join(uploads, "cache", String(n++));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, name), bytes);
      return join(folder, name);
    },
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const fd = (path: string, orig_name?: string) => ({ path, orig_name, meta: { _type: "gradio.FileData" } });

describe("MultimodalTextbox as an input", () => {
  test("{text, files: FileData} → {text, files: the uploads' paths}; a string is text alone; null stays null", async () => {
    const box = new MultimodalTextbox({ fileCount: "multiple" });
    expect(await box.preprocess({ text: "look", files: [fd(join(uploads, "a.png"), "cat.png")] }, ctx)).toEqual({
      text: "look",
      files: [join(uploads, "a.png")],
    });
    expect(await box.preprocess({ text: "only text" }, ctx)).toEqual({ text: "only text", files: [] });
    expect(await box.preprocess("plain", ctx)).toEqual({ text: "plain", files: [] });
    expect(await box.preprocess(null, ctx)).toBeNull();
  });

  test("a malformed value is a 422 naming the component and what it expected", () => {
    const box = new MultimodalTextbox({ label: "Message" });
    expect(refusal(() => box.preprocess(42, ctx))).toMatchObject({
      status: 422,
      message: expect.stringMatching(
        /^MultimodalTextbox "Message": expected \{text: string, files: \[FileData…\]\}.*got a number \(42\)\.$/,
      ),
    });
    expect(refusal(() => box.preprocess({ text: "hi", files: "a.png" }, ctx)).message).toMatch(
      /^MultimodalTextbox "Message": "files" should be a list of FileData, got the string "a\.png"\.$/,
    );
    expect(refusal(() => box.preprocess({ text: 7, files: [] }, ctx)).message).toMatch(/"text" should be a string, got a number \(7\)/);
    expect(refusal(() => box.preprocess({ text: "", files: [{ name: "a.png" }] }, ctx)).message).toMatch(
      /file 1 should be FileData with a "path"/,
    );
  });

  test('fileCount "single" refuses several files; fileTypes refuses a file of another type', () => {
    const single = new MultimodalTextbox();
    const two = [fd(join(uploads, "a.png")), fd(join(uploads, "a.png"))];
    expect(refusal(() => single.preprocess({ text: "", files: two }, ctx)).message).toBe(
      'MultimodalTextbox: fileCount is "single": expected at most one file, got 2.',
    );
    const images = new MultimodalTextbox({ fileTypes: ["image"], fileCount: "multiple" });
    const refused = refusal(() => images.preprocess({ text: "", files: [fd(join(uploads, "notes.txt"))] }, ctx));
    expect(refused).toMatchObject({ status: 422, message: 'MultimodalTextbox: expected files of type image, got "notes.txt".' });
  });

  test("a path outside the uploads is refused with the server's status, naming the component", async () => {
    const box = new MultimodalTextbox({ label: "Message" });
    for (const path of ["/etc/passwd", join(dir, "outside.png"), join(uploads, "..", "outside.png")]) {
      const err = (await Promise.resolve(box.preprocess({ text: "x", files: [fd(path)] }, ctx)).catch((e) => e)) as InputError;
      expect(err.name, path).toBe("InputError");
      expect(err.status, path).toBeGreaterThanOrEqual(400);
      expect(err.status, path).toBeLessThan(500);
      expect(err.message, path).toMatch(/^MultimodalTextbox "Message" file 1: /);
    }
  });
});

describe("MultimodalTextbox as an output", () => {
  test("a string is text alone; {text, files} with paths become FileData the server serves", async () => {
    const box = new MultimodalTextbox();
    expect(await box.postprocess("hi")).toEqual({ text: "hi", files: [] });
    expect(await box.postprocess(null)).toBeNull();
    const served = await box.postprocess({ text: "see", files: [join(uploads, "a.png")] }, out);
    expect(served).toMatchObject({ text: "see", files: [{ path: join(uploads, "a.png"), orig_name: "a.png", mime_type: "image/png" }] });
    // A file the server does not serve yet is copied into the output cache.
    const copied = await box.postprocess({ files: [join(dir, "outside.png")] }, out);
    expect(copied!.files[0]!.path).not.toBe(join(dir, "outside.png"));
    expect(await readFile(copied!.files[0]!.path!, "utf8")).toBe("not an upload");
    await expect(box.postprocess(3, out)).rejects.toThrow(/MultimodalTextbox output must be a string or \{text, files\}/);
  });

  test("/config and /info: Gradio's props, api_info (MultimodalData) and python type", () => {
    const box = new MultimodalTextbox({ value: "draft", fileTypes: ["image"], placeholder: "Ask", lines: 2, maxLines: 1 });
    expect(box.props()).toMatchObject({
      value: { text: "draft", files: [] },
      file_types: ["image"],
      file_count: "single",
      sources: ["upload"],
      lines: 2,
      max_lines: 2,
      placeholder: "Ask",
      submit_btn: true,
      stop_btn: false,
    });
    expect(box.apiInfo()).toMatchObject({
      title: "MultimodalData",
      type: "object",
      required: ["text"],
      properties: { text: { type: "string" }, files: { type: "array", items: { $ref: "#/$defs/FileData" } } },
    });
    expect(box.pythonType().type).toBe("Dict(text: str, files: List[filepath])");
    expect(box.eventNames).toEqual(["change", "input", "select", "submit", "focus", "blur", "stop"]);
  });
});

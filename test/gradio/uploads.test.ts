/** The upload route's own multipart reader: the same files as the standard parser, or none of its own. */
import { expect, test } from "vitest";
import { parseMultipart, readUploads } from "../../src/gradio/uploads.ts";

/** A body as fetch (undici) serialises a FormData, and what undici's own parser reads back. */
async function encoded(form: FormData) {
  const res = new Response(form);
  const contentType = res.headers.get("content-type")!;
  const body = new Uint8Array(await res.arrayBuffer());
  const parsed = await new Response(body, { headers: { "content-type": contentType } }).formData();
  const expected = await Promise.all(
    parsed
      .getAll("files")
      .filter((f): f is File => f instanceof File)
      .map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
  return { body, contentType, expected };
}

test("the same files as undici's parser: several files, other fields, awkward names and bytes", async () => {
  const tricky = new Uint8Array([13, 10, 45, 45, 13, 10, 13, 10, 0, 255, 45, 45]); // CRLF, "--", blank lines inside the data
  const form = new FormData();
  form.append("note", "hello\r\n--not a boundary");
  form.append("files", new File([tricky], "a.bin"));
  form.append("files", new File([new Uint8Array(0)], "empty.png"));
  form.append("other", new File([new Uint8Array([1, 2, 3])], "not-this.png"));
  form.append("files", new File([new Uint8Array(70_000).map((_, i) => i % 251)], "chaussure été 👟 'q'.jpg"));
  const { body, contentType, expected } = await encoded(form);
  const fast = parseMultipart(body, contentType);
  expect(fast).toBeDefined();
  expect(fast!.map((f) => f.name)).toEqual(["a.bin", "empty.png", "chaussure été 👟 'q'.jpg"]);
  expect(fast!.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }))).toEqual(expected);
});

test("a preamble, a quoted boundary and bare CRLF-less starts are read; anything else goes to the standard parser", async () => {
  const part = (name: string, data: string) =>
    `Content-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n${data}`;
  const body = new TextEncoder().encode(`preamble\r\n--b\r\n${part("x.png", "AB")}\r\n--b--\r\n`);
  expect(parseMultipart(body, 'multipart/form-data; boundary="b"')?.map((f) => [f.name, Buffer.from(f.bytes).toString()])).toEqual([
    ["x.png", "AB"],
  ]);
  expect(
    parseMultipart(new TextEncoder().encode(`--b\r\n${part("y.png", "C")}\r\n--b--`), "multipart/form-data; boundary=b")?.map(
      (f) => f.name,
    ),
  ).toEqual(["y.png"]);
  // filename* (RFC 5987), a truncated body, no boundary: not ours.
  expect(
    parseMultipart(
      new TextEncoder().encode(`--b\r\nContent-Disposition: form-data; name="files"; filename*=UTF-8''%C3%A9.png\r\n\r\nA\r\n--b--`),
      "multipart/form-data; boundary=b",
    ),
  ).toBeUndefined();
  expect(parseMultipart(new TextEncoder().encode(`--b\r\n${part("z.png", "AB")}`), "multipart/form-data; boundary=b")).toBeUndefined();
  expect(parseMultipart(body, "multipart/form-data")).toBeUndefined();
  // readUploads falls back, and fails on what no parser reads.
  await expect(readUploads(new TextEncoder().encode("garbage"), "multipart/form-data; boundary=b")).rejects.toThrow();
});

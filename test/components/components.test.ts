import sharp from "sharp";
import { describe, expect, test } from "vitest";
import { Image, type InputError, Interface, Label, NumberInput, Textbox, withOod } from "../../src/index.ts";
import { fileContext } from "../../src/gradio/files.ts";

// The server's real context, with no folder allowed and URLs to public addresses only.
const ctx = fileContext([], { maxBytes: 1024 * 1024 });
const png = await sharp({ create: { width: 4, height: 3, channels: 3, background: "red" } })
  .png()
  .toBuffer();
const dataUrl = `data:image/png;base64,${png.toString("base64")}`;

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<InputError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    return err as InputError;
  }
  throw new Error("expected a rejection");
}

describe("Label.postprocess (gradio test_label.py)", () => {
  test("sorts confidences descending and names the top class", () => {
    expect(new Label().postprocess({ cat: 0.2, dog: 0.7, bird: 0.1 })).toEqual({
      label: "dog",
      confidences: [
        { label: "dog", confidence: 0.7 },
        { label: "cat", confidence: 0.2 },
        { label: "bird", confidence: 0.1 },
      ],
    });
  });
  test("cuts to numTopClasses after sorting; ties keep insertion order", () => {
    expect(new Label({ numTopClasses: 2 }).postprocess({ a: 0.25, b: 0.5, c: 0.25 })).toEqual({
      label: "b",
      confidences: [
        { label: "b", confidence: 0.5 },
        { label: "a", confidence: 0.25 },
      ],
    });
  });
  test("a plain string or number is a label without confidences", () => {
    expect(new Label().postprocess("happy")).toEqual({ label: "happy", confidences: null });
    expect(new Label().postprocess(3)).toEqual({ label: 3, confidences: null });
  });
  test("null and {} give {}", () => {
    expect(new Label().postprocess(null)).toEqual({});
    expect(new Label().postprocess({})).toEqual({});
  });
  test("a Map keeps non-string labels; LabelData passes through re-sorted", () => {
    expect(
      new Label().postprocess(
        new Map([
          [1, 0.2],
          [3, 0.8],
        ]),
      ),
    ).toEqual({
      label: 3,
      confidences: [
        { label: 3, confidence: 0.8 },
        { label: 1, confidence: 0.2 },
      ],
    });
    expect(
      new Label().postprocess({
        label: "x",
        confidences: [
          { label: "x", confidence: 0.1 },
          { label: "y", confidence: 0.9 },
        ],
      }),
    ).toEqual({
      label: "y",
      confidences: [
        { label: "y", confidence: 0.9 },
        { label: "x", confidence: 0.1 },
      ],
    });
  });
  test("non-finite confidences serialise as null; bad values and options are refused", () => {
    expect(new Label().postprocess({ a: NaN })).toEqual({ label: "a", confidences: [{ label: "a", confidence: null }] });
    expect(() => new Label().postprocess({ a: "high" })).toThrow(/must be a number/);
    expect(() => new Label({ numTopClasses: 0 })).toThrow(/numTopClasses must be a whole number ≥ 1, got 0/);
  });
  test("api schema is gradio's LabelData, plus the out-of-domain score", () => {
    const info = new Label().apiInfo();
    expect(info.title).toBe("LabelData");
    expect(Object.keys(info.properties as object)).toEqual(["label", "confidences", "ood"]);
  });

  test("the ood score a classifier attached travels in the wire value; a fn's own LabelData may carry one", () => {
    const ood = { score: 0.99, threshold: 0.95, out_of_domain: true };
    expect(new Label().postprocess(withOod({ Bag: 0.9, Shirt: 0.1 }, ood))).toEqual({
      label: "Bag",
      confidences: [
        { label: "Bag", confidence: 0.9 },
        { label: "Shirt", confidence: 0.1 },
      ],
      ood,
    });
    expect(new Label().postprocess({ label: "x", confidences: [{ label: "x", confidence: 1 }], ood })).toMatchObject({ ood });
    expect(new Label().postprocess({ Bag: 0.9 })).not.toHaveProperty("ood"); // nothing attached, nothing added
    expect(new Label().postprocess(withOod({}, ood))).toEqual({}); // no label, no score
  });
});

describe("Image.preprocess", () => {
  const image = new Image();
  test("a data URL, with any or no MIME type, becomes validated bytes", async () => {
    for (const url of [dataUrl, dataUrl.replace("image/png", "image/octet-stream"), png.toString("base64")]) {
      const file = await image.preprocess(url, ctx);
      expect(file.header).toEqual({ format: "png", width: 4, height: 3 });
      expect(Buffer.from(file.bytes).equals(png)).toBe(true);
    }
  });
  test("FileData with a data URL, and Gradio 3's {name, data}", async () => {
    expect((await image.preprocess({ url: dataUrl, meta: { _type: "gradio.FileData" }, orig_name: "r.png" }, ctx)).name).toBe("r.png");
    expect((await image.preprocess({ name: "r.png", data: dataUrl }, ctx)).header.format).toBe("png");
  });
  test("FileData paths go through the server's file check", async () => {
    const err = await rejection(image.preprocess({ path: "/etc/passwd", meta: { _type: "gradio.FileData" } }, ctx));
    expect(err).toMatchObject({
      status: 403,
      message: "File not allowed: /etc/passwd. Only files uploaded to this Space, its examples and its outputs can be used.",
    });
  });
  test("what a failed @gradio/client upload sends is a clear 422", async () => {
    for (const payload of [{}, { type: "Buffer", data: [1, 2] }, null]) {
      const err = await rejection(image.preprocess(payload, ctx));
      expect(err.status).toBe(422);
      expect(err.message).toMatch(/^No image arrived: the upload failed or no image was provided/);
    }
  });
  test("text is not an image, and the message says what it looks like", async () => {
    const err = await rejection(
      image.preprocess(`data:text/plain;base64,${Buffer.from("hello world, I am text").toString("base64")}`, ctx),
    );
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      'Not an image: expected JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF data, got text starting "hello world, I am text".',
    );
  });
  test("URLs to loopback or private addresses are refused before any connection", async () => {
    for (const url of ["http://127.0.0.1:9/x.png", "http://[::1]/x.png", "http://10.1.2.3/x.png", "http://localhost:9/x.png"]) {
      const err = await rejection(image.preprocess({ path: url, meta: { _type: "gradio.FileData" } }, ctx));
      expect(err.status, url).toBe(422);
      expect(err.message, url).toMatch(
        /^Could not fetch the image at .+: .+ is a private or loopback address \(.+\), which this Space does not fetch\.$/,
      );
    }
    expect((await rejection(image.preprocess("ftp://example.com/x.png", ctx))).message).toMatch(/^Expected the image as a data URL/);
  });
  test("wrong JSON shapes are named", async () => {
    expect((await rejection(image.preprocess(42, ctx))).message).toBe(
      "Expected an image (a data URL string or FileData), got a number (42).",
    );
    expect((await rejection(image.preprocess("not base64!", ctx))).message).toMatch(/^Expected the image as a data URL/);
    expect((await rejection(image.preprocess({ foo: 1 }, ctx))).message).toBe(
      'Expected FileData with a "path" or a data-URL "url", got an object with keys foo.',
    );
  });
  test("too many pixels is refused from the header alone (413)", async () => {
    const big = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: "black" } })
      .png()
      .toBuffer();
    const err = await rejection(new Image({ maxPixels: 1_000_000 }).preprocess(big.toString("base64"), ctx));
    expect(err).toMatchObject({
      status: 413,
      message: "The image is 2000×1000 pixels (2.0 MP); the limit is 1.0 MP. Resize it before uploading.",
    });
  });
});

describe("Textbox and NumberInput", () => {
  test("preprocess and postprocess", () => {
    expect(new Textbox().preprocess(null)).toBe("");
    expect(new Textbox().postprocess(12)).toBe("12");
    expect(new NumberInput().preprocess("3.5")).toBe(3.5);
    expect(new NumberInput({ label: "x" }).postprocess(2)).toBe(2);
  });
  test("wrong types are 422 with the value named", async () => {
    expect(await rejection(() => new Textbox({ label: "name" }).preprocess(5))).toMatchObject({
      status: 422,
      message: 'Textbox "name": expected text, got a number (5).',
    });
    expect(await rejection(() => new NumberInput().preprocess("abc"))).toMatchObject({
      status: 422,
      message: 'Number: expected a number, got the string "abc".',
    });
  });
});

describe("Interface validation", () => {
  test("accepts Gradio's shorthand names", () => {
    const iface = new Interface({ fn: (s: string) => s, inputs: "text", outputs: "textbox" });
    expect(iface.inputs[0]).toBeInstanceOf(Textbox);
  });
  test("says what to change", () => {
    expect(() => new Interface({ fn: (a: string, b: string) => a + b, inputs: "text", outputs: "text" })).toThrow(
      "fn takes 2 parameters but the Interface has 1 input component: add inputs, or give the extra parameters default values.",
    );
    expect(() => new Interface({ fn: (a: string) => a, inputs: "imag" as "image", outputs: "label" })).toThrow(
      'Unknown component "imag" in inputs[0]: use "image", "label", "textbox", "text", "number", or a component such as new Image().',
    );
    expect(() => new Interface({ fn: (s: string) => s, inputs: "text", outputs: "text", apiName: "a/b" })).toThrow(/apiName may hold/);
    expect(() => new Interface({ fn: () => 1, inputs: "image", outputs: "label", examples: ["nope.png"] })).toThrow(
      'examples[0][0] should be the path of an image file; "nope.png" does not exist.',
    );
  });
});

test("images of formats the decoders do not read are 415 with the format named", async () => {
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  const err = await new Image().preprocess(svg.toString("base64"), fileContext([], { maxBytes: 1e6 })).catch((e: InputError) => e);
  expect(err).toMatchObject({ status: 415, message: "Unsupported image format: SVG. Send JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF." });
});

describe("the component contract that callers no longer re-derive (gradio flag / read_from_flag / as_example)", () => {
  const fileUrl = (path: string) => `http://h/gradio_api/file=${path}`;
  const saveFile = async (path: string) => `image/copy-of-${path.split("/").pop()}`;

  test("isFile and inputOnly: only Image names a file; none is input-only now that Image is an output too", () => {
    expect([new Image(), new Label(), new Textbox(), new NumberInput()].map((c) => [c.type, c.isFile, c.inputOnly])).toEqual([
      ["image", true, false],
      ["label", false, false],
      ["textbox", false, false],
      ["number", false, false],
    ]);
  });

  test("asExample: an image path becomes FileData with the URL the page shows; other values stay as they are", () => {
    expect(new Image().asExample("/app/examples/bag.png", fileUrl)).toEqual({
      path: "/app/examples/bag.png",
      url: "http://h/gradio_api/file=/app/examples/bag.png",
      orig_name: "bag.png",
      meta: { _type: "gradio.FileData" },
    });
    expect(new Textbox().asExample("hi", fileUrl)).toBe("hi");
    expect(new NumberInput().asExample(3, fileUrl)).toBe(3);
  });

  test("flag then readFromFlag gives the wire value back", async () => {
    const label = { label: "Bag", confidences: [{ label: "Bag", confidence: 0.9 }] };
    const cases: [Image | Label | Textbox | NumberInput, unknown, string, unknown][] = [
      [
        new Image(),
        { path: "/tmp/u/ab/cat.png", meta: { _type: "gradio.FileData" } },
        "image/copy-of-cat.png",
        { path: "/flags/image/copy-of-cat.png", orig_name: "copy-of-cat.png", meta: { _type: "gradio.FileData" } },
      ],
      [new Image(), dataUrl, dataUrl, dataUrl],
      [new Label(), label, JSON.stringify(label), label],
      [new Textbox(), "3", "3", "3"],
      [new NumberInput(), 3.5, "3.5", 3.5],
    ];
    for (const [component, value, cell, back] of cases) {
      const written = await component.flag(value, { saveFile });
      expect(written, `${component.type} cell for ${JSON.stringify(value).slice(0, 40)}`).toBe(cell);
      expect(component.readFromFlag(written, "/flags"), `${component.type} read back`).toEqual(back);
    }
  });
});

/** Route behaviour of the one-shot REST API, in-process (hono's app.request, no socket). */
import sharp from "sharp";
import { describe, expect, test } from "vitest";
import { AppError, createApp, Image, Interface, Label, type ImageFile } from "../../src/index.ts";
import { dataUrl, fixture, hugePng } from "../helpers.ts";

// The fn reports what the framework handed it, so the test sees the preprocessing, not a model.
const makeIface = (showError = false) =>
  new Interface({
    showError,
    fn: (img: ImageFile) => {
      if (img.header.width === 13) throw new AppError("13 is unlucky.");
      if (img.header.width === 14) throw new Error("secret internal detail");
      return { [img.header.format]: 0.75, other: 0.25 };
    },
    inputs: new Image(),
    outputs: new Label(),
    examples: [fixture("fashion-mnist/000.png")],
  });
const app = createApp(makeIface(), { maxBodySize: 1024 * 1024 });
const png = (w: number) =>
  sharp({ create: { width: w, height: 5, channels: 3, background: "blue" } })
    .png()
    .toBuffer();
const post = (path: string, body: unknown, init: RequestInit = {}) =>
  app.request(path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
    ...init,
  });

describe("POST /api/predict and its aliases", () => {
  test.each(["/api/predict", "/api/predict/", "/run/predict", "/gradio_api/api/predict", "/gradio_api/run/predict/"])(
    "%s answers in Gradio's shape",
    async (path) => {
      const res = await post(path, { data: [dataUrl(await png(4))] });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({
        data: [
          {
            label: "png",
            confidences: [
              { label: "png", confidence: 0.75 },
              { label: "other", confidence: 0.25 },
            ],
          },
        ],
        is_generating: false,
      });
      expect(body.duration).toBeGreaterThan(0);
      expect(body.average_duration).toBeGreaterThan(0);
    },
  );

  test("tinypets' fetch: text/plain body, image/octet-stream data URL, cross-origin", async () => {
    const res = await app.request("/api/predict/", {
      method: "POST",
      body: JSON.stringify({
        data: [
          dataUrl(
            await sharp(await png(4))
              .jpeg()
              .toBuffer(),
            "image/octet-stream",
          ),
        ],
      }),
      headers: { "content-type": "text/plain;charset=UTF-8", origin: "https://someone.github.io" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://someone.github.io");
    expect((await res.json()).data[0].label).toBe("jpeg");
  });

  test("CORS preflight echoes origin and requested headers", async () => {
    const res = await app.request("/api/predict", {
      method: "OPTIONS",
      headers: {
        origin: "https://a.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-gradio-user",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://a.example");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type,x-gradio-user");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
  });

  test("FileData naming an example file is allowed; other paths are 403", async () => {
    const ok = await post("/api/predict", { data: [{ path: fixture("fashion-mnist/000.png"), meta: { _type: "gradio.FileData" } }] });
    expect(ok.status).toBe(200);
    for (const path of ["/etc/passwd", `${fixture("fashion-mnist")}/../rgb-tiny.onnx`, fixture("fashion-mnist/../../helpers.ts")]) {
      const res = await post("/api/predict", { data: [{ path, meta: { _type: "gradio.FileData" } }] });
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe(
        `File not allowed: ${path}. Only files uploaded to this Space, its examples and its outputs can be used.`,
      );
    }
  });
});

describe("bad input gets a 4xx that names the problem, and the server keeps serving", () => {
  const cases: [string, () => Response | Promise<Response>, number, string | RegExp][] = [
    ["malformed JSON", () => post("/api/predict", '{"data": [', {}), 400, /^Malformed JSON body: .+\. Send \{"data": \[<input>, …\]\}\.$/],
    ["a JSON list", () => post("/api/predict", [1]), 422, 'Expected a JSON object like {"data": [<input>, …]}, got a list of 1 item.'],
    [
      "no data key",
      () => post("/api/predict", { image: "x" }),
      422,
      'Expected a JSON object like {"data": [<input>, …]}, got an object with keys image.',
    ],
    ["data not a list", () => post("/api/predict", { data: "x" }), 422, 'Expected "data" to be a list with 1 value (image), got string.'],
    ["missing input", () => post("/api/predict", { data: [] }), 422, "Expected 1 input (image), got 0."],
    ["extra input", () => post("/api/predict", { data: ["a", "b"] }), 422, "Expected 1 input (image), got 2."],
    [
      "a text file",
      async () => post("/api/predict", { data: [dataUrl(Buffer.from("name,age\nbob,3\n"), "text/csv")] }),
      400,
      'Not an image: expected JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF data, got text starting "name,age bob,3".',
    ],
    [
      "a 20,000×20,000 PNG",
      async () => post("/api/predict", { data: [dataUrl(hugePng(20000, 20000))] }),
      413,
      "The image is 20000×20000 pixels (400 MP); the limit is 50 MP. Resize it before uploading.",
    ],
    [
      "a body over the limit",
      () => post("/api/predict", { data: ["A".repeat(1024 * 1024)] }),
      413,
      "Request body too large: the limit is 1 MB. Send a smaller image.",
    ],
    [
      "an unknown endpoint",
      () => post("/api/classify", { data: [] }),
      404,
      'Unknown endpoint "classify": this Space has "predict" (fn_index 0).',
    ],
    [
      "an unknown fn_index",
      () => post("/api/predict", { data: [], fn_index: 3 }),
      404,
      'Unknown endpoint fn_index 3: this Space has "predict" (fn_index 0).',
    ],
  ];
  test.each(cases)("%s", async (_, send, status, message) => {
    const res = await send();
    expect(res.status).toBe(status);
    const body = await res.json();
    if (typeof message === "string") expect(body.error).toBe(message);
    else expect(body.error).toMatch(message);
    // …and the next request is served normally.
    expect((await post("/api/predict", { data: [dataUrl(await png(4))] })).status).toBe(200);
  });

  test("an AppError reaches the caller verbatim; other exceptions are hidden unless showError", async () => {
    const res = await post("/api/predict", { data: [dataUrl(await png(13))] });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "13 is unlucky.", duration: 10, visible: true, title: "Error" });
    const hidden = await post("/api/predict", { data: [dataUrl(await png(14))] });
    expect(await hidden.json()).toEqual({ error: null }); // gradio hides it the same way
    const shown = await createApp(makeIface(true)).request("/api/predict", {
      method: "POST",
      body: JSON.stringify({ data: [dataUrl(await png(14))] }),
    });
    expect((await shown.json()).error).toBe("secret internal detail");
  });

  test("unknown routes are a JSON 404", async () => {
    const res = await app.request("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: "Not found: GET /nope" });
  });
});

describe("createApp builds routes and starts no work", () => {
  test("example outputs reach /config only after app.precomputeExamples(), and the durations count", async () => {
    let calls = 0;
    const iface = new Interface({
      fn: () => {
        calls++;
        return { Bag: 1 };
      },
      inputs: new Image(),
      outputs: new Label(),
      examples: [fixture("fashion-mnist/000.png")],
    });
    const quiet = createApp(iface);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls, "nothing ran on creation").toBe(0);
    const config = async () => (await (await quiet.request("/config")).json()) as { example_outputs: unknown[] };
    expect((await config()).example_outputs).toEqual([null]);
    await quiet.precomputeExamples();
    expect(calls).toBe(1);
    expect((await config()).example_outputs).toEqual([[{ label: "Bag", confidences: [{ label: "Bag", confidence: 1 }] }]]);
    const res = await quiet.request("/api/predict", { method: "POST", body: JSON.stringify({ data: [dataUrl(await png(3))] }) });
    expect((await res.json()).average_duration, "the app's own timings include the example run").toBeGreaterThan(0);
  });
});

/** The Gradio routes, in-process: shapes, limits and refusals @gradio/client never shows. */
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, test } from "vitest";
import { resolveAllowedPath } from "../../src/gradio/files.ts";
import { saveUploads } from "../../src/gradio/uploads.ts";
import { createApp, Image, Interface, Label, type ImageFile } from "../../src/index.ts";
import { fixture } from "../helpers.ts";

const uploadDir = mkdtempSync(join(tmpdir(), "uploads-test-"));
afterAll(() => rmSync(uploadDir, { recursive: true, force: true }));
const iface = new Interface({
  fn: (img: ImageFile) => ({ [`${img.header.width}x${img.header.height}`]: 1 }),
  inputs: new Image({ label: "image" }),
  outputs: new Label(),
  title: "Shapes",
  examples: [fixture("fashion-mnist/000.png")],
});
const app = createApp(iface, { uploadDir, maxFileSize: 256 * 1024 });
const png = await sharp({ create: { width: 6, height: 4, channels: 3, background: "red" } })
  .png()
  .toBuffer();
const upload = (bytes: Uint8Array<ArrayBuffer>, name = "x.png") => {
  const form = new FormData();
  form.append("files", new Blob([bytes]), name);
  return app.request("/gradio_api/upload", { method: "POST", body: form });
};

describe("GET /config", () => {
  test("has what @gradio/client 2.7 needs", async () => {
    const config = await (await app.request("http://localhost:7860/config")).json();
    expect(config).toMatchObject({
      protocol: "sse_v3",
      api_prefix: "/gradio_api",
      enable_queue: true,
      connect_heartbeat: false,
      space_id: null,
      root: "http://localhost:7860",
      title: "Shapes",
      version: expect.any(String),
      dependencies: [{ id: 0, api_name: "predict", inputs: [1], outputs: [2], queue: true, types: { generator: false, cancel: false } }],
      components: [
        { id: 1, type: "image" },
        { id: 2, type: "label" },
        { id: 3, type: "button", skip_api: true },
      ],
    });
    expect(Number.isSafeInteger(config.app_id)).toBe(true);
    expect(await (await app.request("/gradio_api/app_id")).json()).toEqual({ app_id: config.app_id });
    expect((await app.request("/config/")).status).toBe(200);
  });
  test("root follows X-Forwarded-* per request, and ROOT_PATH when set", async () => {
    const viaProxy = await (
      await app.request("http://10.0.0.5:7860/config", {
        headers: { "x-forwarded-host": "spaces.example, inner", "x-forwarded-proto": "https", "x-forwarded-prefix": "/spaces/o/n/" },
      })
    ).json();
    expect(viaProxy.root).toBe("https://spaces.example/spaces/o/n");
    const fixed = createApp(iface, { uploadDir, rootPath: "https://cdn.example/app/" });
    expect((await (await fixed.request("/config")).json()).root).toBe("https://cdn.example/app");
  });
});

test("GET /gradio_api/info lists /predict and an empty unnamed_endpoints", async () => {
  const info = await (await app.request("/gradio_api/info")).json();
  expect(Object.keys(info)).toEqual(["named_endpoints", "unnamed_endpoints"]);
  expect(info.unnamed_endpoints).toEqual({});
  expect(info.named_endpoints["/predict"].parameters[0]).toMatchObject({
    label: "image",
    parameter_name: "image",
    component: "Image",
    python_type: { type: "filepath" },
  });
  expect(info.named_endpoints["/predict"].returns[0]).toMatchObject({ label: "output", component: "Label", type: { title: "LabelData" } });
});

describe("uploads and files", () => {
  test("stores under the upload folder with a sanitised name, and serves it back", async () => {
    const res = await upload(png, "../../evil<name>$.png");
    expect(res.status).toBe(200);
    const [path] = (await res.json()) as string[];
    expect(path).toMatch(new RegExp(`^${uploadDir}/[0-9a-f]{64}/\\.\\.\\.\\.evilname\\.png$`));
    const file = await app.request(`/gradio_api/file=${path!.split("/").map(encodeURIComponent).join("/")}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true);
    expect((await app.request(`/gradio_api/file/${path}`, { method: "HEAD" })).headers.get("content-length")).toBe(String(png.length));
  });
  test("an upload over the limit is 413, a non-multipart body 400", async () => {
    const big = await upload(new Uint8Array(300 * 1024));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ detail: "Upload too large: the limit is 0.25 MB. Send a smaller image." });
    const plain = await app.request("/gradio_api/upload", { method: "POST", body: "hello" });
    expect(plain.status).toBe(400);
  });
  test("files outside the server's folders are 403, however they are reached", async () => {
    const outside = mkdtempSync(join(tmpdir(), "outside-"));
    writeFileSync(join(outside, "secret.txt"), "secret");
    symlinkSync(join(outside, "secret.txt"), join(uploadDir, "link.txt"));
    const dotdot = `${uploadDir}/../${outside.split("/").pop()}/secret.txt`;
    for (const path of ["/etc/passwd", dotdot, `${uploadDir}/link.txt`, uploadDir]) {
      const res = await app.request(`/gradio_api/file=${path}`);
      expect(res.status, path).toBe(403);
      // URL parsing resolves "..", even as %2E%2E, before the route sees it: the path then names the outside file.
      expect((await res.json()).detail).toMatch(/^File not allowed: \/.+\.$/);
    }
    // Below HTTP, the check itself refuses ".." and symlinks out.
    await expect(resolveAllowedPath(dotdot, [uploadDir])).rejects.toMatchObject({ status: 403 });
    await expect(resolveAllowedPath(`${uploadDir}/link.txt`, [uploadDir])).rejects.toMatchObject({ status: 403 });
    rmSync(outside, { recursive: true });
    expect((await app.request(`/gradio_api/file=${fixture("fashion-mnist/000.png")}`)).status).toBe(200); // examples are served
  });
});

describe("POST /gradio_api/queue/join", () => {
  const join_ = (body: unknown) =>
    app.request("/gradio_api/queue/join", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  test("returns an event id", async () => {
    const res = await join_({ data: [`data:image/png;base64,${png.toString("base64")}`], fn_index: 0, session_hash: "abc" });
    expect(Object.keys(await res.json())).toEqual(["event_id"]);
  });
  test.each([
    [{ data: [], fn_index: 0, session_hash: "s" }, 422, "Expected 1 input (image), got 0."],
    [{ data: ["x"], fn_index: 5, session_hash: "s" }, 404, 'Unknown endpoint fn_index 5: this Space has "predict" (fn_index 0).'],
    [{ data: ["x"], fn_index: 0 }, 400, "Session hash not found."],
    [{ fn_index: 0 }, 422, 'Expected a JSON object like {"data": [<input>, …]}, got an object with keys fn_index.'],
  ])("%j → %i", async (body, status, detail) => {
    const res = await join_(body);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ detail });
  });
});

test("queue/data for an unknown session says so in-band with a 200 stream, then closes", async () => {
  const res = await app.request("/gradio_api/queue/data?session_hash=nobody");
  expect(res.status).toBe(200);
  expect(await res.text()).toBe(
    'data: {"msg":"unexpected_error","event_id":null,"message":"404: Not Found","session_not_found":true,"success":false}\n\n' +
      'data: {"msg":"close_stream","event_id":null}\n\n',
  );
});

test("CORS preflights of queue/join and queue/data allow what @gradio/client sends", async () => {
  for (const [path, headers] of [
    ["/gradio_api/queue/join", "content-type,x-gradio-user"],
    ["/gradio_api/queue/data?session_hash=x", "content-type"],
  ] as const) {
    const res = await app.request(path, {
      method: "OPTIONS",
      headers: { origin: "http://page.example", "access-control-request-method": "GET", "access-control-request-headers": headers },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://page.example");
    expect(res.headers.get("access-control-allow-headers")).toBe(headers);
  }
});

test("queue/status, cancel and reset answer as gradio does", async () => {
  expect(await (await app.request("/gradio_api/queue/status")).json()).toEqual({
    msg: "estimation",
    event_id: null,
    rank: null,
    queue_size: 0,
    rank_eta: null,
  });
  for (const path of ["/gradio_api/cancel", "/gradio_api/reset"]) {
    expect(
      await (
        await app.request(path, { method: "POST", body: JSON.stringify({ event_id: "nope", session_hash: "s", fn_index: 0 }) })
      ).json(),
    ).toEqual({ success: true });
  }
});

test("curl: an unknown endpoint is a 404, an unknown event an `event: error`", async () => {
  const res = await app.request("/gradio_api/call/classify", { method: "POST", body: JSON.stringify({ data: [] }) });
  expect(res.status).toBe(404);
  expect(await (await app.request("/gradio_api/call/predict/nope")).text()).toBe(
    'event: error\ndata: "No event nope: it never existed, or its result was already read."\n\n',
  );
});

test("image URLs are downloaded from public hosts only, unless private addresses are allowed", async () => {
  const { createServer } = await import("node:http");
  const host = createServer((req, res) => {
    if (req.url === "/moved") res.writeHead(302, { location: "/x.png" }).end();
    else if (req.url === "/x.png") res.writeHead(200, { "content-type": "image/png" }).end(png);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => host.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
  try {
    const body = (path: string) => JSON.stringify({ data: [{ path, meta: { _type: "gradio.FileData" } }] });
    const refused = await app.request("/api/predict", { method: "POST", body: body(`${base}/x.png`) });
    expect(refused.status).toBe(422);
    expect((await refused.json()).error).toBe(
      `Could not fetch the image at ${base}/x.png: 127.0.0.1 is a private or loopback address (127.0.0.1), which this Space does not fetch.`,
    );
    const trusting = createApp(iface, { uploadDir, allowPrivateUrls: true });
    const ok = await trusting.request("/api/predict", { method: "POST", body: body(`${base}/moved`) });
    expect((await ok.json()).data[0].label).toBe("6x4");
    const missing = await trusting.request("/api/predict", { method: "POST", body: body(`${base}/nope.png`) });
    expect(missing.status).toBe(422);
    expect((await missing.json()).error).toBe(`Could not fetch the image at ${base}/nope.png: the server answered HTTP 404.`);
  } finally {
    host.close();
  }
});

test("an upload of bytes already stored never shows a half-written file to readers", async () => {
  const bytes = new Uint8Array(8 * 1024 * 1024).fill(7);
  const [path] = await saveUploads([new File([bytes], "same.bin")], uploadDir);
  // Watch the shared path while the same bytes arrive 20 more times.
  const sizes = new Set<number>();
  let watching = true;
  const watch = (async () => {
    while (watching) {
      sizes.add(statSync(path!).size);
      await new Promise((r) => setImmediate(r));
    }
  })();
  await Promise.all(Array.from({ length: 20 }, () => saveUploads([new File([bytes], "same.bin")], uploadDir)));
  watching = false;
  await watch;
  expect([...sizes]).toEqual([bytes.length]);
});

test("curl: a result is read once; a second GET says so and ends", async () => {
  const join = await app.request("/gradio_api/call/predict", {
    method: "POST",
    body: JSON.stringify({ data: [`data:image/png;base64,${png.toString("base64")}`] }),
  });
  const { event_id } = (await join.json()) as { event_id: string };
  expect(await (await app.request(`/gradio_api/call/predict/${event_id}`)).text()).toMatch(/^event: complete\n/);
  expect(await (await app.request(`/gradio_api/call/predict/${event_id}`)).text()).toBe(
    `event: error\ndata: "No event ${event_id}: it never existed, or its result was already read."\n\n`,
  );
});

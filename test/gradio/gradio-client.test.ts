/** The official @gradio/client 2.7.0 against a real server on an ephemeral port. */
import { Client, handle_file } from "@gradio/client";
import { createServer, request, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AppError,
  Image,
  Interface,
  Label,
  launch,
  loadClassifier,
  type Classifier,
  type ImageFile,
  type Server,
} from "../../src/index.ts";
import { root } from "../helpers.ts";

const examples = ["sneaker", "bag", "trouser", "dress", "ankle-boot"].map((name) => ({
  name,
  path: `${root}/examples/${name}.png`,
  bytes: readFileSync(`${root}/examples/${name}.png`),
}));
const squash = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "");
type LabelOut = { label: string; confidences: { label: string; confidence: number }[] };

let model: Classifier;
let server: Server;
const clients: Client[] = [];
const connect = async (url = server.url) => {
  // events: status too, as a UI would ask for; predict() is unaffected.
  const client = await Client.connect(url, { events: ["data", "status"] });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  model = await loadClassifier(`${root}/model.onnx`);
  const iface = new Interface({
    fn: (image: ImageFile) => model.classify(image),
    inputs: new Image({ label: "image" }),
    outputs: new Label({ label: "prediction", numTopClasses: 3 }),
    title: "Fashion-MNIST classifier",
  });
  server = await launch(iface, { port: 0, host: "127.0.0.1", quiet: true });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
  await model.close();
});

describe("Client.connect(url)", () => {
  test("view_api() describes /predict as Gradio does", async () => {
    const client = await connect();
    const api = await client.view_api();
    const endpoint = {
      parameters: [
        {
          label: "image",
          parameter_name: "image",
          parameter_has_default: false,
          parameter_default: null,
          type: "Blob | File | Buffer",
          python_type: { type: "filepath", description: "A local filepath or publicly available URL." },
          component: "Image",
          example_input: expect.objectContaining({ meta: { _type: "gradio.FileData" } }),
        },
      ],
      returns: [
        {
          label: "prediction",
          type: "",
          python_type: {
            type: "dict(label: str | int | float | None, confidences: list[dict(label: str | int | float | None, confidence: float | None)] | None, ood: dict(score: float, threshold: float, out_of_domain: bool) | None)",
            description: "",
          },
          component: "Label",
        },
      ],
      type: { generator: false, cancel: false },
    };
    expect(api).toEqual({ named_endpoints: { "/predict": endpoint }, unnamed_endpoints: { 0: endpoint } });
  });

  test("predict() with a Buffer, a Blob and handle_file(path) gives the right labels", async () => {
    const client = await connect();
    for (const ex of examples) {
      for (const input of [ex.bytes, new Blob([ex.bytes], { type: "image/png" }), handle_file(ex.path)]) {
        const result = await client.predict("/predict", [input]);
        const [out] = result.data as [LabelOut];
        expect(squash(out.label), ex.name).toBe(squash(ex.name));
        expect(out.confidences).toHaveLength(3);
      }
    }
  });

  test("three predictions in a row on one client (close_stream lets the next one open a stream)", async () => {
    const client = await connect();
    for (const ex of examples.slice(0, 3)) {
      const [out] = (await client.predict("/predict", [ex.bytes])).data as [LabelOut];
      expect(squash(out.label)).toBe(squash(ex.name));
    }
  });

  test("20 concurrent predictions on one client, and 20 spread over 5 clients", async () => {
    const one = await connect();
    const many = await Promise.all(Array.from({ length: 5 }, () => connect()));
    const jobs = Array.from({ length: 20 }, (_, i) => examples[i % examples.length]!);
    const run = (client: Client, ex: (typeof examples)[number]) =>
      client.predict("/predict", [ex.bytes]).then((r: { data: unknown }) => (r.data as [LabelOut])[0].label);
    const labels1 = await Promise.all(jobs.map((ex) => run(one, ex)));
    const labels5 = await Promise.all(jobs.map((ex, i) => run(many[i % 5]!, ex)));
    for (const labels of [labels1, labels5]) expect(labels.map(squash)).toEqual(jobs.map((ex) => squash(ex.name)));
  });

  test("submit() yields status events, then the data", async () => {
    const client = await connect();
    const events: { type: string; stage?: string }[] = [];
    for await (const event of client.submit("/predict", [examples[0]!.bytes])) {
      events.push(event as { type: string; stage?: string });
      if (event.type === "status" && (event.stage === "complete" || event.stage === "error")) break;
    }
    const kinds = events.map((e) => (e.type === "status" ? `status:${e.stage}` : e.type));
    expect(kinds[0]).toBe("status:pending");
    expect(kinds).toContain("data");
    expect(kinds.at(-1)).toBe("status:complete");
    expect(kinds.indexOf("data")).toBeGreaterThan(kinds.indexOf("status:pending"));
  });

  test("an unknown endpoint is refused by the client", async () => {
    const client = await connect();
    await expect(client.predict("/classify", [examples[0]!.bytes])).rejects.toThrow(/No endpoint matching .*\/classify/);
  });

  test("a text file as the image is refused with the server's message, and the client keeps working", async () => {
    const client = await connect();
    const started = Date.now();
    await expect(client.predict("/predict", [Buffer.from("just some notes\n")])).rejects.toThrow(
      'Not an image: expected JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF data, got text starting "just some notes".',
    );
    expect(Date.now() - started).toBeLessThan(3000);
    const [out] = (await client.predict("/predict", [examples[1]!.bytes])).data as [LabelOut];
    expect(out.label).toBe("Bag");
  });
});

describe("a busy Space", () => {
  // concurrency 1 and room for one waiting job: the third call finds the queue full.
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  let busy: Server;
  beforeAll(async () => {
    const iface = new Interface({
      fn: async (s: string) => {
        await gate;
        return s.toUpperCase();
      },
      inputs: "text",
      outputs: "text",
    });
    busy = await launch(iface, { port: 0, host: "127.0.0.1", quiet: true, queue: { concurrency: 1, maxSize: 1 } });
  });
  afterAll(() => busy.close());

  test("shows the queue position while waiting, and refuses with the client's busy message when full", async () => {
    const client = await connect(busy.url);
    const first = client.predict("/predict", ["a"]);
    await new Promise((r) => setTimeout(r, 200));
    const statuses: { stage?: string; position?: number; size?: number }[] = [];
    const second = (async () => {
      for await (const event of client.submit("/predict", ["b"])) {
        if (event.type === "status") statuses.push(event);
        if (event.type === "data") return event.data;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await expect(client.predict("/predict", ["c"])).rejects.toThrow("This application is currently busy. Please try again. ");
    expect(statuses).toContainEqual(expect.objectContaining({ stage: "pending", position: 0, size: 1 }));
    release();
    expect((await first).data).toEqual(["A"]);
    expect(await second).toEqual(["B"]);
    gate = Promise.resolve();
    client.close();
  });
});

describe("errors raised by fn", () => {
  let space: Server;
  beforeAll(async () => {
    const iface = new Interface({
      fn: (s: string) => {
        if (s === "app") throw new AppError("Please send a garment, not a cat.");
        if (s === "boom") throw new Error("db password is hunter2");
        return s;
      },
      inputs: "text",
      outputs: "text",
    });
    space = await launch(iface, { port: 0, host: "127.0.0.1", quiet: true });
  });
  afterAll(() => space.close());

  test("an AppError reaches the user verbatim, anything else as a generic message; the client stays usable", async () => {
    const client = await connect(space.url);
    await expect(client.predict("/predict", ["app"])).rejects.toThrow("Please send a garment, not a cat.");
    const hidden = await client.predict("/predict", ["boom"]).catch((e: Error) => e);
    expect(hidden).toBeInstanceOf(Error);
    expect((hidden as Error).message).toBe("An error occurred"); // the client's words for {"error": null}
    expect((await client.predict("/predict", ["fine"])).data).toEqual(["fine"]);
  });
});

describe("behind a reverse proxy that mounts the Space under /apps/x/", () => {
  let proxy: HttpServer;
  beforeAll(async () => {
    const target = new URL(server.url);
    // Strips the prefix and says where it was, as the Space host will (X-Forwarded-Prefix).
    proxy = createServer((req, res) => {
      if (!req.url?.startsWith("/apps/x/") && req.url !== "/apps/x") {
        res.writeHead(404).end("not under /apps/x");
        return;
      }
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url.slice("/apps/x".length) || "/",
          headers: { ...req.headers, "x-forwarded-host": req.headers.host, "x-forwarded-proto": "http", "x-forwarded-prefix": "/apps/x" },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  });
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

  test("config.root carries the prefix, and predict() works through the proxy", async () => {
    const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/apps/x`;
    const config = await (await fetch(`${base}/config`)).json();
    expect(config.root).toBe(base);
    const client = await connect(`${base}/`);
    const [out] = (await client.predict("/predict", [examples[2]!.bytes])).data as [LabelOut];
    expect(out.label).toBe("Trouser");
  });
});

describe("the curl flow, with fetch", () => {
  const readSse = async (res: Response) => {
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    return res.text(); // the stream ends after the terminal event
  };

  test("upload, POST /call/predict, then GET the result as `event: complete`", async () => {
    const form = new FormData();
    form.append("files", new Blob([examples[0]!.bytes], { type: "image/png" }), "sneaker photo.png");
    const paths = (await (await fetch(`${server.url}/gradio_api/upload`, { method: "POST", body: form })).json()) as string[];
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatch(/\/[0-9a-f]{64}\/sneaker photo\.png$/);
    const join = await fetch(`${server.url}/gradio_api/call/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: [{ path: paths[0], meta: { _type: "gradio.FileData" } }] }),
    });
    const { event_id, ...rest } = (await join.json()) as { event_id: string };
    expect(rest).toEqual({});
    const text = await readSse(await fetch(`${server.url}/gradio_api/call/predict/${event_id}`));
    const match = text.match(/^event: complete\ndata: (.*)\n\n$/);
    expect(match, text).not.toBeNull();
    expect(JSON.parse(match![1]!)[0].label).toBe("Sneaker");
  });

  test("v2 takes parameters by name; errors arrive as `event: error`", async () => {
    const dataUrl = `data:image/png;base64,${examples[1]!.bytes.toString("base64")}`;
    const ok = await fetch(`${server.url}/gradio_api/call/v2/predict`, { method: "POST", body: JSON.stringify({ image: dataUrl }) });
    const { event_id } = (await ok.json()) as { event_id: string };
    expect(await readSse(await fetch(`${server.url}/gradio_api/call/v2/predict/${event_id}`))).toMatch(
      /^event: complete\ndata: \[\{"label":"Bag"/,
    );
    const bad = await fetch(`${server.url}/gradio_api/call/predict`, {
      method: "POST",
      body: JSON.stringify({ data: ["data:text/plain;base64,aGVsbG8gdGhlcmU="] }),
    });
    const { event_id: badId } = (await bad.json()) as { event_id: string };
    const text = await readSse(await fetch(`${server.url}/gradio_api/call/predict/${badId}`));
    expect(text).toBe(
      `event: error\ndata: ${JSON.stringify({ error: 'Not an image: expected JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF data, got text starting "hello there".', duration: 10, visible: true, title: "Error" })}\n\n`,
    );
    const missing = await fetch(`${server.url}/gradio_api/call/v2/predict`, { method: "POST", body: JSON.stringify({ img: dataUrl }) });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({ detail: 'Expected the parameters "image"; missing image.' });
  });
});

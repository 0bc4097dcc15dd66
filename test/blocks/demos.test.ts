/**
 * The six ported Gradio demos (examples/gradio/) served in this process, one server each on an
 * ephemeral port, called through the pristine @gradio/client 2.7 (positional and keyword
 * arguments, view_api) and through the curl flow (`POST /call/<name>`, then its SSE), with the
 * feedback messages (log, progress) and per-session State a client sees.
 */
import { Client, handle_file } from "@gradio/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { demo as blocksFlipper } from "../../examples/gradio/blocks_flipper/app.ts";
import { demo as calculator } from "../../examples/gradio/calculator/app.ts";
import { demo as helloBlocks } from "../../examples/gradio/hello_blocks/app.ts";
import { demo as scoreTracker } from "../../examples/gradio/score_tracker/app.ts";
import { demo as sentenceBuilder } from "../../examples/gradio/sentence_builder/app.ts";
import { demo as stateCounter } from "../../examples/gradio/state_counter/app.ts";
import * as gr from "../../src/index.ts";

// A Blocks of the features no demo shows: progress, warnings, a chained event, a private and a
// limited endpoint.
const extras = new gr.Blocks(() => {
  const text = new gr.Textbox({ label: "Text" });
  const out = new gr.Textbox({ label: "Out" });
  const btn = new gr.Button("Go");
  btn
    .click({
      fn: async (t: string, progress: gr.ProgressTracker) => {
        progress(0.5, { desc: "Half way" });
        if (t.length > 3) gr.warning("Long text.");
        return t.toUpperCase();
      },
      inputs: text,
      outputs: out,
      apiName: "shout",
      progress: true,
      concurrencyLimit: 1,
    })
    .then((s: string) => `${s}!`, out, out);
  btn.click({ fn: (t: string) => t, inputs: text, outputs: out, apiName: false });
  btn.click(
    function echo(t: string) {
      return t;
    },
    text,
    out,
  );
  btn.click(
    function echo(t: string) {
      return t;
    },
    text,
    out,
  );
});

// Gradio's SelectData: with eventData, what the event says (index, value, selected) reaches fn after its inputs.
const picker = new gr.Blocks(() => {
  const choice = new gr.Radio({ choices: ["a", "b", "c"], label: "Choice" });
  const out = new gr.Textbox({ label: "Picked" });
  choice.select({
    fn: function picked(evt: gr.EventData) {
      return `${evt.index}:${evt.value}:${evt.selected}`;
    },
    inputs: [],
    outputs: out,
    eventData: true,
  });
});

const apps = { helloBlocks, calculator, sentenceBuilder, blocksFlipper, scoreTracker, stateCounter, extras, picker };
const servers = {} as Record<keyof typeof apps, gr.Server>;
const clients: Client[] = [];
const connect = async (name: keyof typeof apps) => {
  const client = await Client.connect(servers[name].url, { events: ["data", "status", "log"] });
  clients.push(client);
  return client;
};

/** The curl flow: POST /gradio_api/call/<name> {data}, then read its SSE to the end. */
async function curl(name: keyof typeof apps, endpoint: string, body: unknown): Promise<{ status: number; text: string }> {
  const base = `${servers[name].url}/gradio_api/call/${endpoint}`;
  const posted = await fetch(base, { method: "POST", body: JSON.stringify(body) });
  if (!posted.ok) return { status: posted.status, text: await posted.text() };
  const { event_id } = (await posted.json()) as { event_id: string };
  const streamed = await fetch(`${base.replace("/v2/", "/")}/${event_id}`);
  return { status: streamed.status, text: await streamed.text() };
}

beforeAll(async () => {
  await Promise.all(
    Object.entries(apps).map(async ([name, app]) => {
      servers[name as keyof typeof apps] = await gr.launch(app, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false });
    }),
  );
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

describe("hello_blocks", () => {
  test("/greet by position and by keyword, view_api and curl", async () => {
    const client = await connect("helloBlocks");
    expect((await client.predict("/greet", ["World"])).data).toEqual(["Hello World!"]);
    expect((await client.predict("/greet", { name: "Ada" })).data).toEqual(["Hello Ada!"]);
    const api = (await client.view_api()) as {
      named_endpoints: Record<string, { parameters: { parameter_name: string; type: string; component: string; label: string }[] }>;
    };
    expect(Object.keys(api.named_endpoints)).toEqual(["/greet"]);
    expect(api.named_endpoints["/greet"]!.parameters).toMatchObject([
      { parameter_name: "name", label: "Name", type: "string", component: "Textbox" },
    ]);
    expect(await curl("helloBlocks", "greet", { data: ["curl"] })).toEqual({
      status: 200,
      text: 'event: complete\ndata: ["Hello curl!"]\n\n',
    });
    expect((await curl("helloBlocks", "v2/greet", { name: "v2" })).text).toContain('["Hello v2!"]');
  });

  test("/config has Gradio's shape: a Form around the Textboxes, the Button, one dependency", async () => {
    const config = await (await fetch(`${servers.helloBlocks.url}/config`)).json();
    expect(config.mode).toBe("blocks");
    const types = Object.fromEntries(config.components.map((c: { id: number; type: string }) => [c.id, c.type]));
    expect(config.layout).toEqual({ id: 0, children: [{ id: 4, children: [{ id: 1 }, { id: 2 }] }, { id: 3 }] });
    expect(types).toEqual({ 1: "textbox", 2: "textbox", 3: "button", 4: "form" });
    expect(config.dependencies).toMatchObject([
      {
        id: 0,
        targets: [[3, "click"]],
        inputs: [1],
        outputs: [2],
        api_name: "greet",
        api_visibility: "public",
        queue: true,
        trigger_after: null,
      },
    ]);
  });

  test("bad input is a 422 naming the component; the server keeps serving", async () => {
    const res = await fetch(`${servers.helloBlocks.url}/gradio_api/call/greet`, { method: "POST", body: JSON.stringify({ data: [] }) });
    expect(res.status).toBe(422);
    expect((await res.json()).detail).toBe("Expected 1 input (Name), got 0.");
    const wrong = await curl("helloBlocks", "greet", { data: [3] });
    expect(wrong.text).toMatch(/^event: error\n/);
    expect(wrong.text).toContain("Textbox");
    const unknown = await fetch(`${servers.helloBlocks.url}/gradio_api/call/nope`, {
      method: "POST",
      body: JSON.stringify({ data: ["x"] }),
    });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).detail).toBe('Unknown endpoint "nope": this Space has "greet" (fn_index 0).');
  });
});

describe("calculator (an Interface with examples)", () => {
  test("/predict by position and keyword; divide by zero rejects with gr.Error's message", async () => {
    const client = await connect("calculator");
    expect((await client.predict("/predict", [4, "divide", 2])).data).toEqual([2]);
    expect((await client.predict("/predict", { num1: 5, operation: "add", num2: 3 })).data).toEqual([8]);
    await expect(client.predict("/predict", [1, "divide", 0])).rejects.toThrow("Cannot divide by zero!");
    const config = await (await fetch(`${servers.calculator.url}/config`)).json();
    expect(config.mode).toBe("interface");
    expect(config.examples).toEqual([
      [5, "add", 3],
      [4, "divide", 2],
      [-4, "multiply", 2.5],
      [0, "subtract", 1.2],
    ]);
  });

  test("a choice not offered is a 422 naming the endpoint and the Radio", async () => {
    const res = await fetch(`${servers.calculator.url}/gradio_api/run/predict`, {
      method: "POST",
      body: JSON.stringify({ data: [1, "modulo", 2] }),
    });
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error).toMatch(/^\/predict, Radio "radio" \(input 2\): /);
    expect(error).toContain("modulo");
  });
});

describe("sentence_builder", () => {
  test("six kinds of input through the client and curl", async () => {
    const client = await connect("sentenceBuilder");
    const args = [2, "cat", ["Japan", "Pakistan"], "park", ["ate", "swam"], true];
    const sentence = "The 2 cats from Japan and Pakistan went to the park where they ate and swam until the morning";
    expect((await client.predict("/predict", args)).data).toEqual([sentence]);
    expect((await curl("sentenceBuilder", "predict", { data: args })).text).toContain(JSON.stringify([sentence]));
    const api = (await client.view_api()) as { named_endpoints: Record<string, { parameters: { component: string }[] }> };
    const components = api.named_endpoints["/predict"]!.parameters.map((p) => p.component);
    expect(components.map((c) => c.toLowerCase())).toEqual(["slider", "dropdown", "checkboxgroup", "radio", "dropdown", "checkbox"]);
    const bad = await curl("sentenceBuilder", "predict", { data: [99, "cat", [], "park", [], true] });
    expect(bad.text).toMatch(/^event: error\n/);
    expect(bad.text).toContain("Slider");
  });
});

describe("blocks_flipper", () => {
  test("Tabs, Row, Accordion and Markdown in /config; the lambda's endpoint is /lambda", async () => {
    const config = await (await fetch(`${servers.blocksFlipper.url}/config`)).json();
    const types = config.components.map((c: { type: string }) => c.type);
    for (const t of ["markdown", "tabs", "tabitem", "row", "accordion", "slider", "image"]) expect(types).toContain(t);
    expect(config.dependencies.map((d: { api_name: string }) => d.api_name)).toEqual(["lambda", "flip_text", "flip_image"]);
  });

  test("flip_text, and flip_image mirrors the picture (the output is a file the server serves)", async () => {
    const client = await connect("blocksFlipper");
    expect((await client.predict("/flip_text", ["abc"])).data).toEqual(["cba"]);
    // Left half red, right half blue: flipped, the left pixel is blue.
    const png = await sharp({ create: { width: 4, height: 2, channels: 3, background: "red" } })
      .composite([{ input: { create: { width: 2, height: 2, channels: 3, background: "blue" } }, left: 2, top: 0 }])
      .png()
      .toBuffer();
    const [out] = (await client.predict("/flip_image", [handle_file(new Blob([new Uint8Array(png)]))])).data as [{ url: string }];
    const served = Buffer.from(await (await fetch(out.url)).arrayBuffer());
    const { data } = await sharp(served).raw().toBuffer({ resolveWithObject: true });
    // WebP is lossy: near red and near blue, not exact.
    expect(data[0]).toBeLessThan(40);
    expect(data[2]).toBeGreaterThan(215);
  });
});

describe("score_tracker", () => {
  test("keeps the top three scores across calls", async () => {
    const client = await connect("scoreTracker");
    for (const s of [5, 9, 1]) await client.predict("/predict", [s]);
    // An Interface names a parameter by its input's label (Python's client would say `score`): see the porting guide.
    expect((await client.predict("/predict", { Score: 7 })).data).toEqual([[9, 7, 5]]);
  });
});

describe("state_counter", () => {
  test("each session counts on its own; the State is never sent; Info reaches the client as a log", async () => {
    const a = await connect("stateCounter");
    const b = await connect("stateCounter");
    // The client drops the State's slot (the server sends null there) and gives the visible outputs.
    expect((await a.predict("/increment", [])).data).toEqual([1]);
    expect((await a.predict("/increment", {})).data).toEqual([2]);
    expect((await b.predict("/increment", [])).data).toEqual([1]);
    const logs: unknown[] = [];
    for await (const event of a.submit("/reset", [])) {
      if (event.type === "log") logs.push(event);
      if (event.type === "data") break;
    }
    expect(logs).toMatchObject([{ log: "Counter reset.", level: "info", title: "Info" }]);
    expect((await a.predict("/increment", [])).data).toEqual([1]);
    const config = await (await fetch(`${servers.stateCounter.url}/config`)).json();
    expect(config.components.find((c: { type: string }) => c.type === "state")).toMatchObject({ skip_api: true, props: { value: null } });
    const info = await (await fetch(`${servers.stateCounter.url}/gradio_api/info`)).json();
    expect(info.named_endpoints["/increment"].parameters).toEqual([]);
  });
});

describe("feedback, chaining and visibility", () => {
  test("progress and warning messages reach the client; .then() is trigger_after; private and duplicate names", async () => {
    const client = await connect("extras");
    const seen: string[] = [];
    for await (const event of client.submit("/shout", ["hello"])) {
      if (event.type === "log") seen.push(`log:${(event as { level: string; log: string }).level}:${(event as { log: string }).log}`);
      if (event.type === "status" && (event as { progress_data?: { desc: string }[] }).progress_data) {
        seen.push(`progress:${(event as { progress_data: { desc: string }[] }).progress_data[0]!.desc}`);
      }
      if (event.type === "data") {
        expect(event.data).toEqual(["HELLO"]);
        break;
      }
    }
    expect(seen).toContain("progress:Half way");
    expect(seen).toContain("log:warning:Long text.");
    const config = await (await fetch(`${servers.extras.url}/config`)).json();
    expect(
      config.dependencies.map((d: { api_name: string; api_visibility: string; trigger_after: number | null }) => [
        d.api_name,
        d.api_visibility,
        d.trigger_after,
      ]),
    ).toEqual([
      ["shout", "public", null],
      ["lambda", "public", 0],
      ["lambda_1", "private", null], // an arrow in `{ fn: … }` is named "fn" by JavaScript: taken as a lambda
      ["echo", "public", null],
      ["echo_1", "public", null],
    ]);
    const info = await (await fetch(`${servers.extras.url}/gradio_api/info`)).json();
    expect(Object.keys(info.named_endpoints)).toEqual(["/shout", "/lambda", "/echo", "/echo_1"]);
    const hidden = await fetch(`${servers.extras.url}/gradio_api/call/lambda_1`, { method: "POST", body: JSON.stringify({ data: ["x"] }) });
    expect(hidden.status).toBe(404);
  });
});

describe("event data", () => {
  test("a select handler with eventData gets what the client says of the event; /config says it collects it", async () => {
    const client = await connect("picker");
    const picked = async (eventData?: unknown) => {
      for await (const e of client.submit("/picked", [], eventData)) if (e.type === "data") return (e.data as string[])[0];
    };
    expect(await picked({ index: 1, value: "b", selected: true })).toBe("1:b:true");
    // None sent, or not an object: fn still gets an object, empty.
    expect(await picked()).toBe("undefined:undefined:undefined");
    expect(await picked("b")).toBe("undefined:undefined:undefined");
    const config = await (await fetch(`${servers.picker.url}/config`)).json();
    expect(config.dependencies[0].collects_event_data).toBe(true);
  });
});

/**
 * Generators (issue 24) through the pristine @gradio/client 2.7 and curl: every yield arrives in
 * order (diffed on queue/data, whole on /call), the last is the result, cancel stops the
 * generator (its `finally` runs) and the queue moves on.
 */
import { Client } from "@gradio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as gr from "../../src/index.ts";
import { openShared } from "../../src/gradio/shared/index.ts";
import type { SharedBackend } from "../../src/gradio/shared/backend.ts";
import { Cluster, has } from "../cluster.ts";
import { callStream } from "../helpers.ts";

const finallyRan: Record<string, number> = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const demo = new gr.Blocks(() => {
  const text = new gr.Textbox({ label: "Text" });
  const out = new gr.Textbox({ label: "Out" });
  const count = new gr.Number({ label: "Count" });
  const btn = new gr.Button("Go");
  // Gradio's streaming echo: each yield is the text so far.
  btn.click({
    fn: async function* spell(t: string) {
      for (let i = 1; i <= t.length; i++) {
        await sleep(5);
        yield t.slice(0, i);
      }
    },
    inputs: text,
    outputs: out,
    apiName: "spell",
  });
  // A sync generator, two outputs, and a value that shrinks (diffs that delete and replace).
  btn.click({
    fn: function* countdown(n: number) {
      for (let i = n; i >= 0; i--) yield [`${"x".repeat(i)}`, i];
    },
    inputs: count,
    outputs: [out, count],
    apiName: "countdown",
  });
  // Slow and endless until cancelled: records when its finally ran.
  btn.click({
    fn: async function* forever(t: string) {
      try {
        for (let i = 0; ; i++) {
          await sleep(50);
          yield `${t} ${i}`;
        }
      } finally {
        finallyRan[t] = Date.now();
      }
    },
    inputs: text,
    outputs: out,
    apiName: "forever",
    concurrencyLimit: 1,
  });
  // One at a time, a fifth of a second each: what a queue's ETA is made of.
  btn.click({
    fn: async function* paced(t: string) {
      for (let i = 0; i < 5; i++) {
        await sleep(40);
        yield `${t} ${i}`;
      }
    },
    inputs: text,
    outputs: out,
    apiName: "paced",
    concurrencyLimit: 1,
  });
  // Gradio's SelectData, carried through whichever queue runs it.
  text.select({
    fn: function selected(evt: gr.EventData) {
      return `picked ${evt.index}`;
    },
    inputs: [],
    outputs: out,
    eventData: true,
  });
  // Returns an async iterable without being a generator function.
  btn.click({
    fn: (t: string) => ({
      async *[Symbol.asyncIterator]() {
        yield t;
        yield `${t}!`;
      },
    }),
    inputs: text,
    outputs: out,
    apiName: "iterable",
  });
  btn.click({
    fn: async function* failing(t: string) {
      yield t;
      throw new gr.GradioError("Broke after one.");
    },
    inputs: text,
    outputs: out,
    apiName: "failing",
  });
  btn.click({
    fn: async function* progressing(t: string, progress: gr.ProgressTracker) {
      progress(0.5, { desc: "Half" });
      yield t;
    },
    inputs: text,
    outputs: out,
    apiName: "progressing",
    progress: true,
  });
});

let server: gr.Server;
let client: Client;

beforeAll(async () => {
  server = await gr.launch(demo, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false });
  client = await Client.connect(server.url, { events: ["data", "status"] });
});
afterAll(async () => {
  client?.close();
  await server?.close();
});

/** Every data event of one submit(), and its last status stage. */
async function collect(endpoint: string, data: unknown[]): Promise<{ values: unknown[][]; stages: string[] }> {
  const values: unknown[][] = [];
  const stages: string[] = [];
  for await (const event of client.submit(endpoint, data)) {
    if (event.type === "data") values.push(event.data as unknown[]);
    if (event.type === "status") stages.push(event.stage);
  }
  return { values, stages };
}

/** The curl flow's frames: POST /call/<name>, then the GET's SSE text. */
const curl = (endpoint: string, data: unknown[]) => callStream(server.url, endpoint, data);

describe("a generator fn", () => {
  test("submit() sees every yield in order, then the last again as the result (as Gradio sends it)", async () => {
    const { values, stages } = await collect("/spell", ["hello"]);
    expect(values).toEqual([["h"], ["he"], ["hel"], ["hell"], ["hello"], ["hello"]]);
    expect(stages).toContain("generating");
    expect(stages.at(-1)).toBe("complete");
  });

  test("a sync generator with two outputs, whose values shrink (diffs delete and replace)", async () => {
    const { values } = await collect("/countdown", [3]);
    expect(values).toEqual([
      ["xxx", 3],
      ["xx", 2],
      ["x", 1],
      ["", 0],
      ["", 0],
    ]);
  });

  test("a function returning an async iterable streams too; /config marks only generator functions", async () => {
    expect((await collect("/iterable", ["a"])).values).toEqual([["a"], ["a!"], ["a!"]]);
    const config = await (await fetch(`${server.url}/config`)).json();
    const generator = Object.fromEntries(
      config.dependencies.map((d: { api_name: string; types: { generator: boolean } }) => [d.api_name, d.types.generator]),
    );
    expect(generator).toMatchObject({ spell: true, countdown: true, forever: true, iterable: false });
  });

  test("queue/data sends the first yield whole and later ones as Gradio's diffs", async () => {
    const hash = "diffs1";
    const join = await fetch(`${server.url}/gradio_api/queue/join`, {
      method: "POST",
      body: JSON.stringify({ data: ["abc"], fn_index: 0, session_hash: hash }),
    });
    expect(join.status).toBe(200);
    const text = await (await fetch(`${server.url}/gradio_api/queue/data?session_hash=${hash}`)).text();
    const messages = text
      .split("\n\n")
      .filter((f) => f.startsWith("data: "))
      .map((f) => JSON.parse(f.slice(6)));
    const generating = messages.filter((m) => m.msg === "process_generating");
    expect(generating.map((m) => m.output.data)).toEqual([["a"], [[["append", [], "b"]]], [[["append", [], "c"]]]]);
    expect(generating[0]).toMatchObject({ success: true, output: { is_generating: true } });
    const done = messages.find((m) => m.msg === "process_completed");
    expect(done).toMatchObject({ success: true, output: { data: ["abc"], is_generating: false } });
  });

  test("curl's /call stream shows each `event: generating`, then `event: complete`", async () => {
    expect(await curl("spell", ["abc"])).toBe(
      'event: generating\ndata: ["a"]\n\nevent: generating\ndata: ["ab"]\n\nevent: generating\ndata: ["abc"]\n\nevent: complete\ndata: ["abc"]\n\n',
    );
  });

  test("/api/<name> returns the last value", async () => {
    const res = await fetch(`${server.url}/gradio_api/api/spell`, { method: "POST", body: JSON.stringify({ data: ["hey"] }) });
    expect(await res.json()).toMatchObject({ data: ["hey"], is_generating: false });
  });

  test("an error after a yield ends the event with its message", async () => {
    await expect(client.predict("/failing", ["x"])).rejects.toThrow("Broke after one.");
    expect(await curl("failing", ["y"])).toMatch(/^event: generating\ndata: \["y"\]\n\nevent: error\n.*Broke after one/s);
  });

  test("progress messages still reach the client", async () => {
    const progress: unknown[] = [];
    for await (const event of client.submit("/progressing", ["p"])) {
      if (event.type === "status" && event.progress_data) progress.push(...event.progress_data);
    }
    expect(progress).toContainEqual(expect.objectContaining({ progress: 0.5, desc: "Half" }));
  });

  test("a generator waiting behind another is told its place and an ETA from the streams' durations", async () => {
    for await (const _ of client.submit("/paced", ["warm"])); // one whole stream: the average duration
    const second = await Client.connect(server.url, { events: ["data", "status"] });
    try {
      const first = client.submit("/paced", ["a"]);
      const waiting: { position?: number; eta?: number | null }[] = [];
      let values = 0;
      await Promise.all([
        (async () => {
          for await (const _ of first);
        })(),
        (async () => {
          for await (const e of second.submit("/paced", ["b"])) {
            if (e.type === "status" && e.stage === "pending" && e.position !== undefined)
              waiting.push({ position: e.position, eta: e.eta });
            if (e.type === "data") values++;
          }
        })(),
      ]);
      expect(waiting[0]?.position).toBe(0);
      // About one stream's length (5 yields × 40 ms) to wait: the whole stream counts, not its first yield.
      expect(waiting[0]?.eta).toBeGreaterThan(0.15);
      expect(waiting[0]?.eta).toBeLessThan(2);
      expect(values).toBe(6); // five yields, then the last again on completion
    } finally {
      second.close();
    }
  });

  test("job.cancel() mid-stream runs the generator's finally within 1 s, and the queue moves on", async () => {
    const job = client.submit("/forever", ["c1"]);
    const seen: unknown[] = [];
    const stages: string[] = [];
    let cancelledAt = 0;
    // Read on after the cancel: the job ends as a success with no new values, never an error.
    for await (const event of job) {
      if (event.type === "status") stages.push(event.stage);
      if (event.type === "data" && !cancelledAt) {
        seen.push(event.data);
        if (seen.length === 2) {
          cancelledAt = Date.now();
          await job.cancel();
        }
      }
    }
    expect(seen).toEqual([["c1 0"], ["c1 1"]]);
    expect(stages).not.toContain("error");
    expect(stages.at(-1)).toBe("complete");
    const deadline = Date.now() + 1000;
    while (!finallyRan.c1 && Date.now() < deadline) await sleep(10);
    expect(finallyRan.c1).toBeDefined();
    expect(finallyRan.c1! - cancelledAt).toBeLessThan(1000);
    // concurrencyLimit 1: a second run only starts if the first one's slot was freed.
    const next = client.submit("/forever", ["c2"]);
    for await (const event of next) {
      if (event.type === "data") {
        await next.cancel();
        break;
      }
    }
    const until = Date.now() + 1000;
    while (!finallyRan.c2 && Date.now() < until) await sleep(10);
    expect(finallyRan.c2).toBeDefined();
  });

  test("closing the curl stream stops the generator too", async () => {
    const base = `${server.url}/gradio_api/call/forever`;
    const { event_id } = (await (await fetch(base, { method: "POST", body: JSON.stringify({ data: ["c3"] }) })).json()) as {
      event_id: string;
    };
    const abort = new AbortController();
    const res = await fetch(`${base}/${event_id}`, { signal: abort.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: generating");
    const closedAt = Date.now();
    abort.abort();
    const until = Date.now() + 1000;
    while (!finallyRan.c3 && Date.now() < until) await sleep(10);
    expect(finallyRan.c3! - closedAt).toBeLessThan(1000);
  });
});

// Two replicas of the demo in this process sharing one Redis (shared/): whichever runs a job,
// its yields reach the client through the session's Redis Stream, and a cancel sent to one
// replica stops the generator running on the other.
describe.skipIf(!has("redis-server") && !process.env.CI)("a generator behind the shared (Redis) queue", () => {
  const cluster = new Cluster();
  const replicas: gr.Server[] = [];
  const shared: SharedBackend[] = [];
  let remote: Client;
  beforeAll(async () => {
    const redis = await cluster.startRedis();
    for (let i = 0; i < 2; i++) {
      const backend = await openShared(redis.url, { prefix: "gen:", log: () => {} });
      shared.push(backend);
      replicas.push(await gr.launch(demo, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false, shared: backend }));
    }
    remote = await Client.connect(replicas[0]!.url, { events: ["data", "status"] });
  });
  afterAll(async () => {
    remote?.close();
    await Promise.all(replicas.map((r) => r.close()));
    await Promise.all(shared.map((s) => s.close()));
    await cluster.stop();
  });

  test("every yield arrives in order, then the result", async () => {
    for (let run = 0; run < 3; run++) {
      const values: unknown[] = [];
      for await (const event of remote.submit("/spell", ["redis"])) if (event.type === "data") values.push(event.data);
      expect(values).toEqual([["r"], ["re"], ["red"], ["redi"], ["redis"], ["redis"]]);
    }
  });

  test("the event's data travels with the job through Redis", async () => {
    const values: unknown[] = [];
    for await (const e of remote.submit("/selected", [], { index: 3, value: "x" })) if (e.type === "data") values.push(e.data);
    expect(values).toEqual([["picked 3"]]);
  });

  test("job.cancel() stops the generator within 1 s, wherever it runs", async () => {
    const job = remote.submit("/forever", ["r1"]);
    const stages: string[] = [];
    let cancelledAt = 0;
    for await (const event of job) {
      if (event.type === "status") stages.push(event.stage);
      if (event.type === "data" && !cancelledAt) {
        cancelledAt = Date.now();
        await job.cancel();
      }
    }
    expect(stages).not.toContain("error");
    const until = Date.now() + 1500;
    while (!finallyRan.r1 && Date.now() < until) await sleep(10);
    expect(finallyRan.r1! - cancelledAt).toBeLessThan(1000);
  });
});

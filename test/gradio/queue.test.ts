/** The queue's ordering rules (gradio-protocol.md §4.3), without HTTP. */
import { afterEach, describe, expect, test } from "vitest";
import { errorPayload } from "../../src/errors.ts";
import { DurationStats } from "../../src/gradio/duration-stats.ts";
import type { ServerMessage } from "../../src/gradio/protocol.ts";
import { Queue } from "../../src/gradio/queue.ts";
import { dataFrame, eventFrame, sseResponse } from "../../src/gradio/sse.ts";

const queues: Queue[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.close();
});

/** A queue whose jobs finish when the test says so. */
function controlled(options: { concurrency?: number; maxSize?: number } = {}) {
  const gates: ((fail?: Error) => void)[] = [];
  const run = (data: unknown[]) =>
    new Promise<{ data: unknown[]; duration: number }>((resolve, reject) => {
      gates.push((fail) => (fail ? reject(fail) : resolve({ data: [String(data[0]).toUpperCase()], duration: 0.01 })));
    });
  const queue = new Queue(run, new DurationStats(), (e) => errorPayload(e, false), options);
  queues.push(queue);
  return { queue, finish: (i = 0, fail?: Error) => gates.splice(i, 1)[0]!(fail) };
}
const tick = () => new Promise((r) => setImmediate(r));
const kinds = (ms: ServerMessage[]) => ms.map((m) => m.msg);

describe("Queue", () => {
  test("buffers a session's messages from its join until its stream connects", async () => {
    const { queue, finish } = controlled();
    const id = queue.join(["a"], "s1");
    finish();
    await tick();
    const got: ServerMessage[] = [];
    expect(queue.listen("s1", (m) => got.push(m))).toBeTypeOf("function");
    expect(kinds(got)).toEqual(["estimation", "process_starts", "process_completed", "close_stream"]);
    expect(got[2]).toMatchObject({ event_id: id, success: true, output: { data: ["A"], is_generating: false } });
    expect("error" in (got[2] as { output: object }).output).toBe(false); // the client reads any `error` key as failure
  });

  test("close_stream only once the session has nothing pending", async () => {
    const { queue, finish } = controlled();
    const got: ServerMessage[] = [];
    queue.join(["a"], "s");
    queue.join(["b"], "s");
    queue.listen("s", (m) => got.push(m));
    finish();
    await tick();
    expect(kinds(got)).not.toContain("close_stream");
    finish();
    await tick();
    expect(kinds(got).filter((k) => k === "close_stream")).toHaveLength(1);
    expect(got.at(-1)!.msg).toBe("close_stream");
  });

  test("failures carry an error key: the message of input errors, null for hidden ones", async () => {
    const { queue, finish } = controlled();
    const got: ServerMessage[] = [];
    queue.join(["a"], "s");
    queue.listen("s", (m) => got.push(m));
    finish(0, new Error("secret"));
    await tick();
    expect(got.find((m) => m.msg === "process_completed")).toMatchObject({ success: false, output: { error: null }, title: "Error" });
  });

  test("ranks: estimation on join, re-sent as jobs start, and they go down", async () => {
    const { queue, finish } = controlled({ concurrency: 1 });
    const b: ServerMessage[] = [];
    const d: ServerMessage[] = [];
    queue.join(["a"], "s1"); // runs at once
    const bId = queue.join(["b"], "s2");
    queue.listen("s2", (m) => b.push(m));
    expect(b[0]).toMatchObject({ msg: "estimation", event_id: bId, rank: 0, queue_size: 1 });
    queue.join(["c"], "s3");
    const dId = queue.join(["d"], "s4");
    queue.listen("s4", (m) => d.push(m));
    const ranks = () => d.filter((m) => m.msg === "estimation").map((m) => m.msg === "estimation" && [m.event_id, m.rank, m.queue_size]);
    expect(ranks(), "d on join: behind b and c").toEqual([[dId, 2, 3]]);

    finish(); // a done → b starts; c and d move up
    await tick();
    expect(kinds(b), "b starts").toContain("process_starts");
    expect(ranks(), "d re-ranked when b started").toEqual([
      [dId, 2, 3],
      [dId, 1, 2],
    ]);

    finish(); // b done → c starts
    await tick();
    expect(ranks(), "d re-ranked when c started").toEqual([
      [dId, 2, 3],
      [dId, 1, 2],
      [dId, 0, 1],
    ]);
    finish(); // c done → d starts
    await tick();
    expect(kinds(d).at(-1), "d starts once nothing is ahead").toBe("process_starts");
    finish();
  });

  test("refuses joins beyond maxSize with gradio's message", () => {
    const { queue } = controlled({ concurrency: 1, maxSize: 1 });
    queue.join(["a"], "s");
    queue.join(["b"], "s");
    expect(() => queue.join(["c"], "s")).toThrow("Queue is full. Max size is 1 and size is 1.");
  });

  test("a stream that drops cancels its session's waiting jobs", async () => {
    const { queue, finish } = controlled({ concurrency: 1 });
    queue.join(["a"], "other");
    queue.join(["b"], "gone");
    const detach = queue.listen("gone", () => {})!;
    expect(queue.size).toBe(1);
    detach();
    expect(queue.size).toBe(0);
    expect(queue.listen("gone", () => {})).toBeUndefined();
    finish();
  });

  test("cancel ends a waiting event with a success carrying no values", () => {
    const { queue } = controlled({ concurrency: 1 });
    queue.join(["a"], "s1");
    const id = queue.join(["b"], "s2");
    const got: ServerMessage[] = [];
    queue.listen("s2", (m) => got.push(m));
    queue.cancel(id);
    expect(got.slice(-2)).toEqual([
      {
        msg: "process_completed",
        event_id: id,
        output: expect.objectContaining({ data: [], is_generating: false }),
        success: true,
        title: null,
      },
      { msg: "close_stream", event_id: null },
    ]);
  });
});

describe("SSE framing", () => {
  test("queue/data frames are one line of JSON and a blank line", () => {
    expect(dataFrame({ msg: "close_stream", event_id: null })).toBe('data: {"msg":"close_stream","event_id":null}\n\n');
    expect(dataFrame({ msg: "estimation", event_id: "e", rank: 0, queue_size: 1, rank_eta: null })).toBe(
      'data: {"msg":"estimation","event_id":"e","rank":0,"queue_size":1,"rank_eta":null}\n\n',
    );
  });
  test("curl frames name their event", () => {
    expect(eventFrame("complete", [{ label: "Bag" }])).toBe('event: complete\ndata: [{"label":"Bag"}]\n\n');
    expect(eventFrame("heartbeat", null)).toBe("event: heartbeat\ndata: null\n\n");
  });
  test("sseResponse streams what is written, heartbeats while idle, and cleans up once on close", async () => {
    let cleaned = 0;
    const res = sseResponse(
      (stream) => {
        stream.write("data: 1\n\n");
        setTimeout(() => stream.close(), 60);
        return () => cleaned++;
      },
      "data: {}\n\n",
      20,
    );
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    const text = await res.text();
    expect(text.startsWith("data: 1\n\ndata: {}\n\n")).toBe(true);
    expect(cleaned).toBe(1);
  });
  test("a client that goes away triggers the cleanup", async () => {
    let cleaned = 0;
    const res = sseResponse(() => () => cleaned++, "data: {}\n\n");
    await res.body!.cancel();
    expect(cleaned).toBe(1);
  });
});

test("a join after an unread close_stream withdraws it, so the stream stays open for the new event", async () => {
  const { queue, finish } = controlled();
  queue.join(["a"], "s");
  finish();
  await tick(); // a's result and close_stream are buffered: no stream yet
  const b = queue.join(["b"], "s");
  const got: ServerMessage[] = [];
  let closed = false;
  const detach = queue.listen("s", (m) => {
    got.push(m);
    if (m.msg === "close_stream") {
      closed = true;
      detach?.();
    }
  });
  expect(closed).toBe(false);
  finish();
  await tick();
  expect(got.filter((m) => m.msg === "process_completed").map((m) => m.event_id)).toContain(b);
  expect(got.at(-1)!.msg).toBe("close_stream");
});

test("a stream opened after its session's results were delivered elsewhere just closes", async () => {
  const { queue, finish } = controlled();
  const first: ServerMessage[] = [];
  queue.join(["a"], "s");
  const detach = queue.listen("s", (m) => first.push(m))!;
  finish();
  await tick();
  detach(); // the client closed after close_stream
  const late: ServerMessage[] = [];
  expect(queue.listen("s", (m) => late.push(m))).toBeTypeOf("function");
  expect(late).toEqual([{ msg: "close_stream", event_id: null }]);
});

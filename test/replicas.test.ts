/**
 * Replicas sharing one queue, with real parts: Debian's redis-server and haproxy (round robin, no
 * stickiness, health checks on /readyz), and three Space processes running the real app.ts with
 * QUEUE_URL. The official @gradio/client goes through the balancer, so its queue/join and
 * queue/data land on different replicas; then a replica is killed under load, another is
 * stopped with SIGTERM, and Redis is restarted. Skipped with a printed reason when redis-server
 * or haproxy is missing, except on CI, where that fails.
 */
import { Client } from "@gradio/client";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Cluster, has, type Proc } from "./cluster.ts";
import { root, waitFor } from "./helpers.ts";

const missing = ["redis-server", "redis-cli", "haproxy"].filter((c) => !has(c));
const CI = process.env.CI === "true";
if (missing.length && !CI)
  console.warn(`test/replicas.test.ts skipped: ${missing.join(", ")} not found (apt-get install redis-server haproxy).`);

const examples = ["sneaker", "bag", "trouser", "dress", "ankle-boot"].map((name) => ({
  name,
  bytes: readFileSync(`${root}/examples/${name}.png`),
}));
const squash = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "");
const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString("base64")}`;
type LabelOut = { label: string };

/** The curl flow: POST to one address, GET the result from another. */
async function call(
  joinAt: string,
  readAt: string,
  ex: (typeof examples)[number],
  timeoutMs = 20_000,
): Promise<{ outcome: "ok" | "wrong" | "error" | "connection" | "hang" | "refused"; eventId?: string; status?: number }> {
  let eventId: string | undefined;
  try {
    const res = await fetch(`${joinAt}/gradio_api/call/predict`, {
      method: "POST",
      body: JSON.stringify({ data: [dataUrl(ex.bytes)] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return { outcome: "refused", status: res.status };
    eventId = ((await res.json()) as { event_id: string }).event_id;
  } catch {
    return { outcome: "connection" };
  }
  try {
    const text = await (await fetch(`${readAt}/gradio_api/call/predict/${eventId}`, { signal: AbortSignal.timeout(timeoutMs) })).text();
    const complete = /event: complete\ndata: (.*)\n/.exec(text);
    if (complete)
      return { outcome: squash((JSON.parse(complete[1]!) as LabelOut[])[0]!.label) === squash(ex.name) ? "ok" : "wrong", eventId };
    return { outcome: text.includes("event: error") ? "error" : "connection", eventId };
  } catch (err) {
    return { outcome: (err as Error).name === "TimeoutError" ? "hang" : "connection", eventId };
  }
}

const tally = (results: { outcome: string }[]) => {
  const t: Record<string, number> = {};
  for (const r of results) t[r.outcome] = (t[r.outcome] ?? 0) + 1;
  return t;
};

/** Runs `count` tasks, `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

describe.skipIf(missing.length > 0 && !CI)("replicas sharing one queue (Redis, HAProxy, 3 × app.ts)", () => {
  const cluster = new Cluster();
  let redis: Proc;
  let replicas: Proc[];
  let lb: Proc;
  let db: Redis;

  beforeAll(async () => {
    expect(missing, "redis-server and haproxy must be installed on CI").toEqual([]);
    redis = await cluster.startRedis();
    const env = { QUEUE_URL: redis.url, QUEUE_CLAIM_IDLE_MS: "1500", QUEUE_FORGET_CONSUMER_MS: "3000", CLASSIFIER_THREADS: "1" };
    replicas = await Promise.all(["r1", "r2", "r3"].map((name) => cluster.startReplica(name, env)));
    lb = await cluster.startHaproxy(replicas);
    db = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    db.on("error", () => {});
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    db?.disconnect();
    await cluster.stop();
  });

  test("/healthz and /readyz answer on every replica and through the balancer", async () => {
    for (const target of [...replicas, lb]) {
      expect((await fetch(`${target.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${target.url}/readyz`)).json()).toEqual({ status: "ready" });
    }
  });

  test("@gradio/client through round robin: 20 clients × 10 calls, all answered right; submit() status events arrive", async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => Client.connect(lb.url, { events: ["data", "status"] })));
    try {
      const labels = await Promise.all(
        clients.map(async (client: Client, c: number) => {
          const got: [string, string][] = [];
          for (let i = 0; i < 10; i++) {
            const ex = examples[(c + i) % examples.length]!;
            const result = await client.predict("/predict", [ex.bytes]); // upload, queue/join, queue/data: round robin
            got.push([squash((result.data as [LabelOut])[0].label), squash(ex.name)]);
          }
          return got;
        }),
      );
      const flat = labels.flat();
      expect(flat).toHaveLength(200);
      expect(flat.filter(([a, b]: [string, string]) => a !== b)).toEqual([]);

      const stages: string[] = [];
      for await (const event of clients[0]!.submit("/predict", [examples[1]!.bytes])) {
        stages.push(event.type === "status" ? `status:${(event as { stage: string }).stage}` : event.type);
        if (event.type === "status" && ["complete", "error"].includes((event as { stage: string }).stage)) break;
      }
      expect(stages[0]).toBe("status:pending");
      expect(stages).toContain("data");
      expect(stages.at(-1)).toBe("status:complete");
    } finally {
      for (const c of clients) c.close();
    }
  }, 60_000);

  test("the curl flow and /api/predict through the balancer; a /call result read on another replica", async () => {
    const results = await pool(12, 4, (i) => call(lb.url, lb.url, examples[i % 5]!));
    expect(tally(results)).toEqual({ ok: 12 });
    const crossed = await call(replicas[0]!.url, replicas[1]!.url, examples[2]!);
    expect(crossed.outcome).toBe("ok");
    for (const ex of examples) {
      const res = await fetch(`${lb.url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl(ex.bytes)] }) });
      expect(res.status).toBe(200);
      expect(squash(((await res.json()) as { data: LabelOut[] }).data[0]!.label)).toBe(squash(ex.name));
    }
  }, 30_000);

  test("a file uploaded to one replica is used by another; flags from every replica become one row each, in one CSV", async () => {
    const form = new FormData();
    form.append("files", new Blob([examples[3]!.bytes], { type: "image/png" }), "dress.png");
    const [path] = (await (await fetch(`${replicas[0]!.url}/gradio_api/upload`, { method: "POST", body: form })).json()) as string[];
    const file = { path, meta: { _type: "gradio.FileData" } };
    const res = await fetch(`${replicas[1]!.url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [file] }) });
    expect(squash(((await res.json()) as { data: LabelOut[] }).data[0]!.label)).toBe("dress");
    // Its URL works on any replica too (the page shows an uploaded image by it).
    const shown = await fetch(`${replicas[2]!.url}/gradio_api/file=${path}`);
    expect(shown.status).toBe(200);
    expect(Buffer.from(await shown.arrayBuffer()).equals(Buffer.from(examples[3]!.bytes))).toBe(true);

    const flags = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        fetch(`${replicas[i % 3]!.url}/gradio_api/flag`, {
          method: "POST",
          body: JSON.stringify({ data: [file], output: [{ label: "Dress" }] }),
        }).then((r) => r.json()),
      ),
    );
    expect(flags.every((f) => (f as { success: boolean }).success)).toBe(true);
    const csvs = replicas.map((r) => join(r.dir, ".gradio/flagged/dataset1.csv")).filter((f) => existsSync(f));
    expect(csvs).toHaveLength(1); // one elected writer
    const lines = readFileSync(csvs[0]!, "utf8").trim().split("\n");
    expect(lines).toHaveLength(1 + 6);
    expect(readdirSync(join(csvs[0]!, "..", "image"))).toHaveLength(6); // each input image copied once
  }, 30_000);

  test("SIGKILL under load: jobs the dead replica claimed are re-delivered, each event answered once; calls on live replicas all succeed", async () => {
    const [r1, r2, r3] = replicas as [Proc, Proc, Proc];
    // Live: joined on r1, read on r2 (and the other way); r3's worker still pulls a third of the jobs.
    const live = pool(150, 24, (i) => call(i % 2 ? r1.url : r2.url, i % 2 ? r2.url : r1.url, examples[i % 5]!));
    // Dead: streams held by r3.
    const dead = pool(20, 4, (i) => call(r3.url, r3.url, examples[i % 5]!));
    const viaLb = pool(30, 4, (i) => call(lb.url, lb.url, examples[i % 5]!));
    await new Promise((r) => setTimeout(r, 400));
    r3.child.kill("SIGKILL");
    const [liveResults, deadResults, lbResults] = await Promise.all([live, dead, viaLb]);
    const events = [...liveResults, ...deadResults, ...lbResults].filter((r) => r.eventId);
    let answeredTwice = 0;
    let redelivered = 0;
    for (const { eventId } of events) {
      const entries = (await db.xrange(`gradio:sess:${eventId}`, "-", "+")).map(([, f]) => JSON.parse(f[1]!) as { msg: string });
      if (entries.filter((m) => m.msg === "process_completed").length !== 1) answeredTwice++;
      if (entries.filter((m) => m.msg === "process_starts").length > 1) redelivered++;
    }
    console.log(
      `SIGKILL: live ${JSON.stringify(tally(liveResults))}, on the dead replica ${JSON.stringify(tally(deadResults))}, through the balancer ${JSON.stringify(tally(lbResults))}; ${events.length} events checked, ${answeredTwice} not answered exactly once, ${redelivered} re-delivered`,
    );
    expect(tally(liveResults)).toEqual({ ok: 150 });
    expect(answeredTwice).toBe(0);
    expect(deadResults.every((r) => r.outcome === "ok" || r.outcome === "connection")).toBe(true);
    // A join HAProxy had already sent to r3 when it died cannot be retried: the balancer answers 502, its way of saying the connection was lost.
    const lost = (r: (typeof lbResults)[number]) => r.outcome === "connection" || (r.outcome === "refused" && r.status === 502);
    expect(lbResults.filter((r) => r.outcome !== "ok" && !lost(r))).toEqual([]);
    await waitFor(async () => ((await db.xpending("gradio:jobs", "workers")) as [number])[0] === 0, {
      timeout: 10_000,
      every: 100,
      what: "nothing left claimed",
    });
    // The dead replica's consumer is forgotten once idle with nothing claimed; the live ones stay or come back on their next read.
    const consumers = async () => ((await db.xinfo("CONSUMERS", "gradio:jobs", "workers")) as string[][]).map((c) => String(c[1]));
    await waitFor(async () => !(await consumers()).some((c) => c.includes(`-${r3.child.pid}-`)), {
      timeout: 15_000,
      every: 100,
      what: "the dead replica's consumer removed",
    });
    const after = await pool(6, 3, (i) => call(r1.url, r2.url, examples[i % 5]!));
    expect(tally(after)).toEqual({ ok: 6 });
  }, 60_000);

  test("SIGTERM: the replica stops pulling, answers what it claimed, then exits", async () => {
    const [r1, r2] = replicas as [Proc, Proc];
    const load = pool(60, 16, (i) => call(r1.url, r1.url, examples[i % 5]!));
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => r2.child.once("exit", (code) => resolve(code)));
    r2.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(r2.log()).toContain("SIGTERM");
    expect(tally(await load)).toEqual({ ok: 60 });
    expect(((await db.xpending("gradio:jobs", "workers")) as [number])[0]).toBe(0); // nothing left for others to re-claim
  }, 30_000);

  test("Redis away: a clear 503, the process stays up; service resumes when Redis is back", async () => {
    const r1 = replicas[0]!;
    redis.child.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const direct = await fetch(`${r1.url}/gradio_api/call/predict`, {
      method: "POST",
      body: JSON.stringify({ data: [dataUrl(examples[0]!.bytes)] }),
    });
    expect(direct.status).toBe(503);
    expect(((await direct.json()) as { detail: string }).detail).toMatch(/queue is unavailable/i);
    expect((await fetch(`${r1.url}/readyz`)).status).toBe(503);
    expect(
      (await fetch(`${lb.url}/gradio_api/call/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl(examples[0]!.bytes)] }) }))
        .status,
    ).toBe(503);
    expect((await fetch(`${r1.url}/healthz`)).status).toBe(200);

    await cluster.startRedis(redis.port);
    await waitFor(async () => (await fetch(`${lb.url}/readyz`)).ok, {
      timeout: 15_000,
      every: 100,
      what: "the balancer to see a ready replica",
    });
    expect((await call(lb.url, lb.url, examples[4]!)).outcome).toBe("ok");
    const client = await Client.connect(lb.url);
    try {
      expect(squash(((await client.predict("/predict", [examples[1]!.bytes])).data as [LabelOut])[0].label)).toBe("bag");
    } finally {
      client.close();
    }
    expect(r1.child.exitCode).toBe(null);
  }, 40_000);
});

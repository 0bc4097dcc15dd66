/**
 * Replica figures for `npm run bench`: what shared mode (QUEUE_URL, Redis) costs against the
 * embedded queue with one replica — latency of one call at concurrency 1, throughput at 32 — and
 * throughput with 1, 2 and 3 replicas behind HAProxy (round robin). The flow is the curl one
 * (POST /call/predict, then GET its result), which goes through the queue in both modes; the
 * load generator is Debian's wrk (native, one thread), so the client does not eat the cores.
 * Real parts only: redis-server, haproxy and the real app.ts (test/cluster.ts).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Cluster, has, type Proc } from "../test/cluster.ts";

const image = readFileSync("examples/bag.png");
const body = JSON.stringify({ data: [`data:image/png;base64,${image.toString("base64")}`] });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function call(url: string): Promise<void> {
  const res = await fetch(`${url}/gradio_api/call/predict`, { method: "POST", body });
  const { event_id } = (await res.json()) as { event_id: string };
  const text = await (await fetch(`${url}/gradio_api/call/predict/${event_id}`)).text();
  if (!text.includes("event: complete")) throw new Error(`call failed: ${text.slice(0, 200)}`);
}

/** Median ms of one call (POST + GET) at concurrency 1, after a warm-up. */
async function latency(url: string, n = 300): Promise<number> {
  for (let i = 0; i < 30; i++) await call(url);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await call(url);
    times.push(performance.now() - started);
  }
  return median(times);
}

/** wrk: each connection POSTs a call, and any free connection GETs a result; calls completed per second. */
const WRK_SCRIPT = (payload: string) => `
local body = [==[${payload}]==]
local pending = {}
completed = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
request = function()
  local id = table.remove(pending)
  if id then return wrk.format("GET", "/gradio_api/call/predict/" .. id) end
  return wrk.format("POST", "/gradio_api/call/predict", { ["Content-Type"] = "application/json" }, body)
end
response = function(status, headers, b)
  local id = b:match('"event_id":"(%w+)"')
  if id then table.insert(pending, id) elseif b:find("event: complete", 1, true) then completed = completed + 1 end
end
done = function(summary, latency, requests)
  local c = 0
  for _, t in ipairs(threads) do c = c + t:get("completed") end
  io.write(string.format("COMPLETED %d %f\\n", c, summary.duration / 1e6))
end
`;

function throughput(url: string, dir: string, connections = 32, seconds = 5): number {
  const script = join(dir, "call.lua");
  writeFileSync(script, WRK_SCRIPT(body));
  spawnSync("wrk", ["-t1", `-c${connections}`, "-d2s", "-s", script, url]); // warm-up
  const out = spawnSync("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "-s", script, url]).stdout.toString();
  const m = /COMPLETED (\d+) ([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk said: ${out}`);
  return Number(m[1]) / Number(m[2]);
}

/** Rows of [figure, value, target]; a skip row when redis-server, haproxy or wrk is missing. */
export async function replicaFigures(log: (s: string) => void): Promise<[string, string, string][]> {
  const missing = ["redis-server", "haproxy", "wrk"].filter((c) => !has(c));
  if (missing.length) return [["replica figures", "skipped", `${missing.join(", ")} missing (apt-get install redis-server haproxy wrk)`]];
  const rows: [string, string, string][] = [];
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const rps = (x: number) => `${x.toFixed(0)} calls/s`;

  log("== replicas: embedded, one replica…");
  let cluster = new Cluster();
  let embedded: { latency: number; throughput: number };
  try {
    const r = await cluster.startReplica("embedded");
    embedded = { latency: await latency(r.url), throughput: throughput(r.url, cluster.dir) };
  } finally {
    await cluster.stop();
  }

  log("== replicas: shared (Redis), 1, 2, 3 replicas…");
  cluster = new Cluster();
  try {
    const redis = await cluster.startRedis();
    const replicas: Proc[] = [];
    const env = { QUEUE_URL: redis.url };
    replicas.push(await cluster.startReplica("r1", env));
    const shared = { latency: await latency(replicas[0]!.url), throughput: throughput(replicas[0]!.url, cluster.dir) };
    rows.push(
      [
        "queue call (POST /call + GET) at concurrency 1, embedded → shared",
        `${ms(embedded.latency)} → ${ms(shared.latency)}`,
        `shared ≤ embedded + 2 ms (+${(shared.latency - embedded.latency).toFixed(2)} ms)`,
      ],
      [
        "queue throughput at 32 (wrk), one replica, embedded → shared",
        `${rps(embedded.throughput)} → ${rps(shared.throughput)}`,
        `shared ≥ 0.9× embedded (${(shared.throughput / embedded.throughput).toFixed(2)}×)`,
      ],
    );
    for (const n of [1, 2, 3]) {
      while (replicas.length < n) replicas.push(await cluster.startReplica(`r${replicas.length + 1}`, env));
      const lb = await cluster.startHaproxy(replicas);
      rows.push([
        `queue throughput at 32 (wrk), ${n} replica${n > 1 ? "s" : ""} behind HAProxy, shared`,
        rps(throughput(lb.url, cluster.dir)),
        "on 2 cores: overhead, not scaling (bench/README.md)",
      ]);
      lb.child.kill("SIGKILL");
    }
  } finally {
    await cluster.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await replicaFigures(console.log)) console.log(row.join("  |  "));
}

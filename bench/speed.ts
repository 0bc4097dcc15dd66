/**
 * `npm run bench -- --only speed` (issue 15): the per-request path measured like a server
 * engineer, in one run. HTTP load comes from Debian's `wrk` (one thread, C, so the load
 * generator takes little of the 2 cores), and every row is a ratio to something measured in
 * the same run: a bare Hono route (the HTTP ceiling), raw ONNX Runtime and raw decoding.
 * Server CPU comes from process.cpuUsage() inside the server (every thread of it).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@gradio/client";
import sharp from "sharp";
import { imageToTensor } from "../src/classifier/decode.ts";
import { readImageHeader } from "../src/image-file.ts";
import { parseModelInfo, readMetadataProps } from "../src/classifier/model-info.ts";
import { createSession, runSession } from "../src/classifier/onnx.ts";

type Row = [string, string, string];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const check = (ok: boolean) => (ok ? "✓" : "✗");
let temp = "";
let LUA = "";

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Raw costs on this thread: one decode (the worker's own decode path), ORT at batch 1 and the best of `batches`. */
export async function raw(modelPath: string, image: Uint8Array, batches: number[]) {
  const bytes = readFileSync(modelPath);
  const info = parseModelInfo(readMetadataProps(bytes));
  const session = await createSession(bytes, { threads: availableParallelism() });
  const per = info.channels * info.size[0] * info.size[1];
  const header = readImageHeader(image);
  const one = new Float32Array(per);
  const decode: number[] = [];
  for (let i = 0; i < 30; i++) decode.push(await time(() => imageToTensor(image, header, info, "sharp", 50e6, one)));
  const dims = (b: number) => [b, info.channels, info.size[0], info.size[1]];
  for (let i = 0; i < 5; i++) await runSession(session, one, dims(1));
  const batch1: number[] = [];
  for (let i = 0; i < 30; i++) batch1.push(await time(() => runSession(session, one, dims(1))));
  let best = { batch: 1, perSecond: 0 };
  for (const b of batches) {
    const input = new Float32Array(per * b);
    await runSession(session, input, dims(b));
    const reps = Math.max(3, Math.round(400 / b));
    const t = await time(async () => {
      for (let i = 0; i < reps; i++) await runSession(session, input, dims(b));
    });
    const perSecond = (reps * b) / (t / 1000);
    if (perSecond > best.perSecond) best = { batch: b, perSecond };
  }
  await session.release();
  return { decode: median(decode.slice(5)), batch1: median(batch1), best };
}

let nextPort = 7950;
async function start(script: string, args: string[], env: Record<string, string> = {}) {
  const port = nextPort++;
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args, String(port)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, port, child };
}
const stop = (child: ChildProcess) =>
  new Promise((r) => {
    child.once("exit", r);
    child.kill("SIGINT");
  });
const stats = async (url: string) =>
  (await (await fetch(`${url}/bench/stats`)).json()) as { eventLoopP99Ms: number; maxRssMB: number; cpuMs: number };
const reset = (url: string) => fetch(`${url}/bench/reset`, { method: "POST" });

const WRK_SCRIPT = `local f = io.open(os.getenv("BODY_FILE"), "rb")\nwrk.method = "POST"\nwrk.body = f:read("*a")\nf:close()\nwrk.headers["Content-Type"] = "application/json"\n`;
const toMs = (v: string, unit: string) => Number(v) * (unit === "us" ? 1e-3 : unit === "s" ? 1e3 : 1);

/** wrk, one thread, POSTing `bodyFile`: requests/s and the median latency. */
function wrk(url: string, bodyFile: string, connections: number, seconds = SECONDS) {
  const r = spawnSync("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", LUA, url], {
    env: { ...process.env, BODY_FILE: bodyFile },
    encoding: "utf8",
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  if (!rps || non2xx) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
  return { rps, p50: p50 ? toMs(p50[1]!, p50[2]!) : NaN };
}

/** c32 throughput with the server's CPU per request and event-loop p99, then c1 median latency. */
async function load(url: string, path: string, bodyFile: string, statsUrl = url) {
  wrk(`${url}${path}`, bodyFile, 32, 1); // warm-up
  await reset(statsUrl);
  const cpu0 = (await stats(statsUrl)).cpuMs;
  const c32 = wrk(`${url}${path}`, bodyFile, 32);
  const s = await stats(statsUrl);
  const cpuPerReqMs = (s.cpuMs - cpu0) / (c32.rps * SECONDS);
  const c1 = wrk(`${url}${path}`, bodyFile, 1, Math.min(SECONDS, 3));
  return { rps: c32.rps, cpuPerReqMs, eventLoopP99Ms: s.eventLoopP99Ms, maxRssMB: s.maxRssMB, c1: c1.p50 };
}

const bodyFileOf = (name: string, image: Uint8Array, mime: string) => {
  const file = join(temp, `${name}.json`);
  writeFileSync(file, JSON.stringify({ data: [`data:${mime};base64,${Buffer.from(image).toString("base64")}`] }));
  return file;
};

/**
 * Server CPU per @gradio/client predict() (upload + join + SSE), 32 in flight over 4 clients.
 * `distinct`: every call uploads other bytes (a counter after the PNG's IEND), so no upload finds
 * its file already stored, as with real visitors' pictures.
 */
async function clientCpu(url: string, image: Uint8Array, distinct: boolean) {
  const clients = await Promise.all(Array.from({ length: 4 }, () => Client.connect(url)));
  let n = 0;
  try {
    const call = (c: Client) =>
      c.predict("/predict", [new Blob(distinct ? [new Uint8Array(image), `${process.pid}:${n++}`] : [new Uint8Array(image)])]);
    for (let i = 0; i < 20; i++) await call(clients[0]!);
    await reset(url);
    const cpu0 = (await stats(url)).cpuMs;
    let done = 0;
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        while (performance.now() < until) {
          await call(clients[i % 4]!);
          done++;
        }
      }),
    );
    const s = await stats(url);
    return { cpuPerCallMs: (s.cpuMs - cpu0) / done, eventLoopP99Ms: s.eventLoopP99Ms, perSecond: done / SECONDS };
  } finally {
    for (const c of clients) c.close();
  }
}

/** `node app.ts` as a Space host starts it: spawn → /config answered, and RSS once idle. */
async function startup(): Promise<Row[]> {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    const port = nextPort++;
    const data = mkdtempSync(join(temp, "space-"));
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", "tsx", "app.ts"], {
      env: { ...process.env, PORT: String(port), GRADIO_SERVER_NAME: "127.0.0.1", SPACE_DATA_DIR: data },
      stdio: "ignore",
    });
    try {
      for (;;) {
        if (performance.now() - started > 30_000) throw new Error("app.ts did not answer /config within 30 s");
        if (
          await fetch(`http://127.0.0.1:${port}/config`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 5));
      }
      times.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 2000)); // examples precomputed, idle
      rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]) / 1024;
    } finally {
      await new Promise((r) => {
        child.once("exit", r);
        child.kill("SIGTERM");
      });
    }
  }
  const t = median(times);
  return [
    ["Space process (node app.ts): spawn → /config answered, median of 3", ms(t), `${check(t <= 1000)} ≤ 1000 ms`],
    ["Space process: idle RSS (2 s after /config)", `${rss.toFixed(0)} MB`, "reported"],
  ];
}

export async function speedFigures(): Promise<Row[]> {
  const rows: Row[] = [];
  temp = mkdtempSync(join(tmpdir(), "speed-bench-"));
  LUA = join(temp, "post.lua");
  writeFileSync(LUA, WRK_SCRIPT);
  const fashionPng = readFileSync("test/fixtures/fashion-mnist/000.png");
  const fashionBody = bodyFileOf("fashion", fashionPng, "image/png");

  log("== speed: HTTP ceiling (a bare Hono route, same JSON)…");
  const hono = await start("bench/serve.ts", ["--hono"]);
  const ceiling = wrk(`${hono.url}/api/predict`, fashionBody, 32);
  await stop(hono.child);
  rows.push([
    "HTTP ceiling: bare Hono route parsing the same JSON, fixed label, c32 (wrk)",
    `${ceiling.rps.toFixed(0)} req/s`,
    "no model can go faster through HTTP here",
  ]);

  log("== speed: Fashion CNN raw…");
  const rf = await raw("model.onnx", fashionPng, [32]);
  log("== speed: Fashion CNN end to end (wrk)…");
  const space = await start("bench/serve.ts", ["model.onnx"]);
  let direct: Awaited<ReturnType<typeof load>>;
  try {
    direct = await load(space.url, "/api/predict", fashionBody);
    const rawOne = rf.decode + rf.batch1;
    rows.push(
      ["model.onnx (Fashion CNN), 28×28 PNG as a data URL", "", ""],
      ["  raw decode + normalise (the worker's decoder)", ms(rf.decode), ""],
      ["  raw ORT latency, batch 1", ms(rf.batch1), ""],
      ["  raw ORT throughput, batch 32", `${rf.best.perSecond.toFixed(0)} img/s`, ""],
      [
        "  /api/predict, concurrency 32 (wrk)",
        `${direct.rps.toFixed(0)} req/s`,
        `${check(direct.rps >= 0.5 * rf.best.perSecond)} ≥ 0.5 × raw = ${(0.5 * rf.best.perSecond).toFixed(0)} (${(direct.rps / rf.best.perSecond).toFixed(2)}× raw, ${(direct.rps / ceiling.rps).toFixed(2)}× the HTTP ceiling)`,
      ],
      ["  server CPU per request at c32 (all threads)", ms(direct.cpuPerReqMs), ""],
      [
        "  /api/predict, concurrency 1 (wrk median)",
        ms(direct.c1),
        `${check(direct.c1 <= rawOne + 1)} ≤ raw decode + inference + 1 = ${ms(rawOne + 1)}`,
      ],
      ["  server event-loop delay p99 under c32", ms(direct.eventLoopP99Ms), `${check(direct.eventLoopP99Ms <= 20)} ≤ 20 ms`],
      ["  server peak RSS", `${direct.maxRssMB.toFixed(0)} MB`, ""],
    );

    log("== speed: through the host's proxy (identify + proxyToApp)…");
    const front = await start("bench/proxy-front.ts", [String(space.port)]);
    try {
      const p = await load(front.url, "/spaces/bench/space/app/api/predict", fashionBody, space.url);
      const frontCpu = await stats(front.url);
      rows.push(
        [
          "  through the host's share URL (identify + proxyToApp), c32",
          `${p.rps.toFixed(0)} req/s`,
          `${check(p.rps >= 0.9 * direct.rps)} ≥ 0.9 × direct = ${(0.9 * direct.rps).toFixed(0)} (${(p.rps / direct.rps).toFixed(2)}×)`,
        ],
        [
          "  through the host's share URL, concurrency 1 (wrk median)",
          ms(p.c1),
          `${check(p.c1 <= direct.c1 + 0.5)} ≤ direct + 0.5 = ${ms(direct.c1 + 0.5)} (proxy process CPU total ${(frontCpu.cpuMs / 1000).toFixed(1)} s)`,
        ],
        ["  app event-loop delay p99 under that load", ms(p.eventLoopP99Ms), `${check(p.eventLoopP99Ms <= 20)} ≤ 20 ms`],
      );
    } finally {
      await stop(front.child);
    }

    for (const distinct of [false, true]) {
      log(`== speed: @gradio/client, server CPU per call (${distinct ? "a new image each call" : "the same image"})…`);
      const g = await clientCpu(space.url, fashionPng, distinct);
      rows.push(
        [
          `  @gradio/client predict() (upload + join + SSE), 32 in flight, ${distinct ? "new image each call" : "same image"}: server CPU per call`,
          ms(g.cpuPerCallMs),
          `${check(g.cpuPerCallMs <= 1.5 * direct.cpuPerReqMs)} ≤ 1.5 × /api/predict's = ${ms(1.5 * direct.cpuPerReqMs)} (${(g.cpuPerCallMs / direct.cpuPerReqMs).toFixed(2)}×; ${g.perSecond.toFixed(0)} calls/s, client on the same cores)`,
        ],
        ["  server event-loop delay p99 under that load", ms(g.eventLoopP99Ms), `${check(g.eventLoopP99Ms <= 20)} ≤ 20 ms`],
      );
    }
  } finally {
    await stop(space.child);
  }

  const RESNET = "bench/models/resnet18.onnx";
  if (!existsSync(RESNET)) spawnSync("/usr/bin/python3", ["bench/make_resnet18.py"], { stdio: "inherit" });
  if (existsSync(RESNET)) {
    const vga = await sharp({
      create: {
        width: 640,
        height: 480,
        channels: 3,
        background: { r: 110, g: 110, b: 110 },
        noise: { type: "gaussian", mean: 110, sigma: 60 },
      },
    })
      .blur(1.5)
      .jpeg({ quality: 85 })
      .toBuffer();
    log("== speed: ResNet-18 raw…");
    const rr = await raw(RESNET, vga, [8, 16, 32]);
    log("== speed: ResNet-18 end to end (wrk)…");
    const r = await start("bench/serve.ts", [RESNET]);
    try {
      const e = await load(r.url, "/api/predict", bodyFileOf("vga", vga, "image/jpeg"));
      // The machine's limit on these cores: per image, batched inference takes 1/best s of both
      // cores, and a decode takes `decode` ms of one core, i.e. decode/cores of both.
      const cores = availableParallelism();
      const inferMs = 1000 / rr.best.perSecond;
      const limit = 1000 / (inferMs + rr.decode / cores);
      rows.push(
        ["ResNet-18 (random weights), 640×480 JPEG as a data URL", "", ""],
        ["  raw decode + resize + normalise (sharp)", ms(rr.decode), ""],
        ["  raw ORT latency, batch 1", ms(rr.batch1), ""],
        [`  raw ORT best-batch throughput (batch ${rr.best.batch})`, `${rr.best.perSecond.toFixed(1)} img/s`, ""],
        [
          "  machine limit: 1000 / (inference + decode / cores)",
          `${limit.toFixed(1)} req/s`,
          `1000 / (${inferMs.toFixed(1)} + ${rr.decode.toFixed(1)} / ${cores}) ms`,
        ],
        [
          "  /api/predict, concurrency 32 (wrk)",
          `${e.rps.toFixed(1)} req/s`,
          `${check(e.rps >= 0.9 * limit)} ≥ 0.9 × limit = ${(0.9 * limit).toFixed(1)} (${(e.rps / limit).toFixed(2)}×)`,
        ],
        ["  /api/predict, concurrency 1 (wrk median)", ms(e.c1), `raw decode + inference = ${ms(rr.decode + rr.batch1)}`],
        ["  server event-loop delay p99 under c32", ms(e.eventLoopP99Ms), `${check(e.eventLoopP99Ms <= 20)} ≤ 20 ms`],
      );
    } finally {
      await stop(r.child);
    }
  }

  log("== speed: Space start-up…");
  rows.push(...(await startup()));
  rmSync(temp, { recursive: true, force: true });
  return rows;
}

/**
 * `npm run bench`: speed and memory figures for model.onnx and a ResNet-18-sized model, raw
 * (ONNX Runtime and decoding on this thread) and end to end (HTTP /api/predict against the
 * Space in its own process). Prints a table; targets are from the issue tracker.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Client } from "@gradio/client";
import { gzipSync } from "node:zlib";
import sharp from "sharp";
import { hostFigures } from "./host-bench.ts";
import { raw as rawCosts } from "./speed.ts";

const RESNET = "bench/models/resnet18.onnx";
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 8) * 1000;
const rows: [string, string, string][] = [];
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const check = (ok: boolean) => (ok ? "✓" : "✗");

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** ORT alone, on this thread: batch-1 latency, best batch throughput, and decode cost of `image`. */
const raw = (modelPath: string, image: Uint8Array) => rawCosts(modelPath, image, [1, 8, 16, 32]);

let nextPort = 7900;
async function startServer(modelPath: string, env: Record<string, string> = {}) {
  const port = nextPort++;
  const child = spawn(process.execPath, ["--import", "tsx", "bench/serve.ts", modelPath, String(port)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

const stop = (child: ChildProcess) =>
  new Promise((r) => {
    child.once("exit", r);
    child.kill("SIGTERM");
  });

async function predict(url: string, body: string) {
  const res = await fetch(`${url}/api/predict`, { method: "POST", body, headers: { "content-type": "application/json" } });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

/** End to end through HTTP: latency at concurrency 1, throughput at 32, the server's event-loop p99 and RSS. */
async function endToEnd(modelPath: string, image: Uint8Array) {
  const body = JSON.stringify({ data: [`data:image/png;base64,${Buffer.from(image).toString("base64")}`] });
  const { url, child } = await startServer(modelPath);
  try {
    for (let i = 0; i < 10; i++) await predict(url, body);
    const c1: number[] = [];
    for (let i = 0; i < 50; i++) c1.push(await time(() => predict(url, body)));
    await fetch(`${url}/bench/reset`, { method: "POST" });
    let done = 0;
    const until = performance.now() + DURATION_MS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < until) {
          await predict(url, body);
          done++;
        }
      }),
    );
    const perSecond = done / ((performance.now() - started) / 1000);
    const stats = (await (await fetch(`${url}/bench/stats`)).json()) as { eventLoopP99Ms: number; maxRssMB: number };
    return { c1: median(c1), perSecond, ...stats };
  } finally {
    await stop(child);
  }
}

/**
 * A photo-like JPEG: blurred noise compresses like a camera picture (a 12 MP one to ~3.6 MB, as
 * phones write them); raw noise would be an 8 MB worst case no camera produces.
 */
const photo = (width: number, height: number, quality: number) =>
  sharp({
    create: { width, height, channels: 3, background: { r: 110, g: 110, b: 110 }, noise: { type: "gaussian", mean: 110, sigma: 60 } },
  })
    .blur(1.5)
    .jpeg({ quality })
    .toBuffer();

/**
 * The same through the official @gradio/client (upload + queue/join + SSE per call): latency at
 * concurrency 1, throughput at 32 (over 4 clients), and the server's event-loop p99 while 200
 * idle SSE streams (heartbeat streams, as browsers keep) stay open during that load.
 */
async function throughClient(modelPath: string, image: Uint8Array) {
  const { url, child } = await startServer(modelPath);
  const idle = new AbortController();
  const clients = await Promise.all(Array.from({ length: 4 }, () => Client.connect(url)));
  try {
    const call = (client: Client) => client.predict("/predict", [Buffer.from(image)]);
    for (let i = 0; i < 10; i++) await call(clients[0]!);
    const c1: number[] = [];
    for (let i = 0; i < 40; i++) c1.push(await time(() => call(clients[0]!)));
    const streams = await Promise.all(
      Array.from({ length: 200 }, (_, i) => fetch(`${url}/gradio_api/heartbeat/idle${i}`, { signal: idle.signal })),
    );
    await fetch(`${url}/bench/reset`, { method: "POST" });
    let done = 0;
    const until = performance.now() + DURATION_MS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        while (performance.now() < until) {
          await call(clients[i % 4]!);
          done++;
        }
      }),
    );
    const perSecond = done / ((performance.now() - started) / 1000);
    const stats = (await (await fetch(`${url}/bench/stats`)).json()) as { eventLoopP99Ms: number };
    const open = streams.filter((s) => s.status === 200).length;
    return { c1: median(c1), perSecond, eventLoopP99Ms: stats.eventLoopP99Ms, open };
  } finally {
    idle.abort();
    for (const c of clients) c.close();
    await stop(child);
  }
}

async function bigJpeg(backend: "sharp" | "jimp") {
  const jpeg = await photo(4032, 3024, 92);
  const body = JSON.stringify({ data: [`data:image/jpeg;base64,${jpeg.toString("base64")}`] });
  const { url, child } = await startServer("model.onnx", { IMAGE_BACKEND: backend });
  try {
    await predict(url, body);
    const t: number[] = [];
    for (let i = 0; i < 5; i++) t.push(await time(() => predict(url, body)));
    const stats = (await (await fetch(`${url}/bench/stats`)).json()) as { maxRssMB: number };
    return { latency: median(t), mb: jpeg.length / 1e6, rss: stats.maxRssMB };
  } finally {
    await stop(child);
  }
}

if (process.argv.includes("--only")) {
  // `npm run bench -- --only speed`: issue 15's rows alone (bench/speed.ts); `--only streaming`: issue 24's.
  const only = process.argv[process.argv.indexOf("--only") + 1];
  if (only !== "speed" && only !== "streaming") throw new Error(`--only takes "speed" or "streaming", got ${only}`);
  if (only === "speed") rows.push(...(await (await import("./speed.ts")).speedFigures()));
  else rows.push(...(await (await import("./streaming-bench.ts")).streamingFigures(log)));
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
  console.log(
    `\nnpm run bench -- --only ${only} — ${availableParallelism()} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
  );
  console.log(`${"figure".padEnd(w[0]!)}  ${"value".padStart(w[1]!)}  target`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`);
  process.exit(0);
}

if (!existsSync(RESNET)) {
  log(`${RESNET} is missing: generating it with Debian's torch (python3 bench/make_resnet18.py)…`);
  const r = spawnSync("/usr/bin/python3", ["bench/make_resnet18.py"], { stdio: "inherit" });
  if (r.status !== 0)
    log("Could not generate it (apt-get install python3-torch python3-torchvision python3-onnx); ResNet-18 rows are skipped.");
}

const fashionPng = readFileSync("test/fixtures/fashion-mnist/000.png");
const vga = await photo(640, 480, 85);
const models = [
  { name: "model.onnx (Fashion CNN), 28×28 PNG", path: "model.onnx", image: fashionPng },
  ...(existsSync(RESNET) ? [{ name: "ResNet-18 (random weights), 640×480 JPEG", path: RESNET, image: vga }] : []),
];

log("== transport ceiling: the same server with an fn that does nothing…");
const ceiling = await endToEnd("--noop", fashionPng);
rows.push([
  "HTTP ceiling: /api/predict with a no-op fn, 28×28 PNG, concurrency 32",
  `${ceiling.perSecond.toFixed(0)} req/s`,
  "what any model can reach here (client and server share the 2 cores)",
]);

for (const m of models) {
  log(`== ${m.name}: raw ONNX Runtime…`);
  const r = await raw(m.path, m.image);
  log(`== ${m.name}: end to end over HTTP (${DURATION_MS / 1000} s at concurrency 32)…`);
  const e = await endToEnd(m.path, m.image);
  log(`== ${m.name}: through @gradio/client…`);
  const g = await throughClient(m.path, m.image);
  const rawOne = r.decode + r.batch1;
  rows.push(
    [m.name, "", ""],
    ["  raw ORT latency, batch 1", ms(r.batch1), ""],
    ["  raw decode + resize + normalise (sharp)", ms(r.decode), ""],
    [`  raw best-batch throughput (batch ${r.best.batch})`, `${r.best.perSecond.toFixed(0)} img/s`, ""],
    [
      "  end to end /api/predict, concurrency 1 (median)",
      ms(e.c1),
      `${check(e.c1 <= rawOne + 5)} ≤ raw decode+inference + 5 = ${ms(rawOne + 5)}`,
    ],
    [
      "  end to end /api/predict, concurrency 32",
      `${e.perSecond.toFixed(0)} req/s`,
      `${check(e.perSecond >= 0.85 * r.best.perSecond)} ≥ 0.85 × raw = ${(0.85 * r.best.perSecond).toFixed(0)} (${((100 * e.perSecond) / r.best.perSecond).toFixed(0)} % of raw, ${((100 * e.perSecond) / ceiling.perSecond).toFixed(0)} % of the HTTP ceiling)`,
    ],
    ["  server event-loop delay p99 under that load", ms(e.eventLoopP99Ms), `${check(e.eventLoopP99Ms <= 20)} ≤ 20 ms`],
    ["  server peak RSS", `${e.maxRssMB.toFixed(0)} MB`, ""],
    [
      "  @gradio/client predict(), concurrency 1 (median)",
      ms(g.c1),
      `${check(g.c1 <= rawOne + 5)} ≤ raw decode+inference + 5 = ${ms(rawOne + 5)} (upload + join + SSE: 3 requests)`,
    ],
    [
      "  @gradio/client predict(), concurrency 32 (4 clients)",
      `${g.perSecond.toFixed(0)} req/s`,
      `${check(g.perSecond >= 0.85 * r.best.perSecond)} ≥ 0.85 × raw = ${(0.85 * r.best.perSecond).toFixed(0)} (${((100 * g.perSecond) / r.best.perSecond).toFixed(0)} % of raw)`,
    ],
    [
      `  server event-loop delay p99 under that load, ${g.open} idle SSE streams open`,
      ms(g.eventLoopP99Ms),
      `${check(g.eventLoopP99Ms <= 20)} ≤ 20 ms`,
    ],
  );
}
/**
 * Issue 10: the cost of the out-of-domain score end to end. The same Space with model.onnx and
 * with its copy without the OOD outputs (add_metadata.py --no-ood; identical logits), both
 * servers up at once, measured alternately in one run: concurrency-1 calls interleaved, and the
 * concurrency-32 load in four alternating slices each, so load from other processes hits both alike.
 */
async function oodEndToEnd(image: Uint8Array): Promise<[string, string, string][]> {
  const NO_OOD = "bench/models/model-no-ood.onnx";
  const name = "Fashion CNN end to end /api/predict with the OOD score vs without";
  if (!existsSync(NO_OOD)) {
    const r = existsSync("/usr/bin/python3")
      ? spawnSync("/usr/bin/python3", ["training/add_metadata.py", "model.onnx", "--out", NO_OOD, "--no-ood"], { stdio: "inherit" })
      : undefined;
    if (r?.status !== 0)
      return [
        [
          name,
          "skipped",
          `no ${NO_OOD}: needs /usr/bin/python3 with python3-onnx (python3 training/add_metadata.py model.onnx --out ${NO_OOD} --no-ood)`,
        ],
      ];
  }
  const body = JSON.stringify({ data: [`data:image/png;base64,${Buffer.from(image).toString("base64")}`] });
  const servers = [await startServer("model.onnx"), await startServer(NO_OOD)];
  try {
    const urls = servers.map((s) => s.url);
    for (let i = 0; i < 10; i++) for (const u of urls) await predict(u, body);
    const c1: number[][] = [[], []];
    for (let i = 0; i < 100; i++) for (const j of i % 2 ? [1, 0] : [0, 1]) c1[j]!.push(await time(() => predict(urls[j]!, body)));
    const done = [0, 0],
      spent = [0, 0];
    for (let slice = 0; slice < 8; slice++) {
      const j = slice % 2;
      const started = performance.now();
      const until = started + DURATION_MS / 4;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (performance.now() < until) {
            await predict(urls[j]!, body);
            done[j]!++;
          }
        }),
      );
      spent[j]! += (performance.now() - started) / 1000;
    }
    const [withOod, without] = [0, 1].map((j) => ({ c1: median(c1[j]!), perSecond: done[j]! / spent[j]! }));
    const change = (a: number, b: number) => {
      const d = ((a / b - 1) * 100).toFixed(1);
      return `${d.startsWith("-") && d !== "-0.0" ? "−" : "+"}${d.replace(/^-/, "")} %`;
    };
    return [
      [
        `${name}, concurrency 1 (median)`,
        ms(withOod!.c1),
        `${check(withOod!.c1 <= 1.1 * without!.c1)} ≤ 1.10 × without (${ms(without!.c1)}): ${change(withOod!.c1, without!.c1)}`,
      ],
      [
        `${name}, concurrency 32`,
        `${withOod!.perSecond.toFixed(0)} req/s`,
        `${check(withOod!.perSecond >= without!.perSecond / 1.1)} ≥ without / 1.10 (${without!.perSecond.toFixed(0)} req/s): ${change(withOod!.perSecond, without!.perSecond)}`,
      ],
    ];
  } finally {
    for (const s of servers) await stop(s.child);
  }
}
log("== Fashion CNN with vs without the OOD score, end to end…");
rows.push(...(await oodEndToEnd(fashionPng)));

for (const backend of ["sharp", "jimp"] as const) {
  log(`== 12 MP JPEG end to end with ${backend}…`);
  const b = await bigJpeg(backend);
  rows.push([
    `12 MP JPEG (4032×3024, ${b.mb.toFixed(1)} MB) end to end, ${backend}`,
    ms(b.latency),
    `${backend === "sharp" ? `${check(b.latency <= 150)} ≤ 150 ms; ` : ""}peak RSS ${b.rss.toFixed(0)} MB`,
  ]);
}

/** The web UI: bytes shipped, and navigation → interactive (Submit enabled) in headless Chromium. */
async function webUi() {
  const { url, child } = await startServer("model.onnx");
  try {
    const assets = await Promise.all(
      ["app.js", "app.css"].map(async (name) => new Uint8Array(await (await fetch(`${url}/assets/${name}`)).arrayBuffer())),
    );
    const js = assets[0]!;
    rows.push([
      "web UI JavaScript, minified (gzip)",
      `${(js.length / 1024).toFixed(1)} KB`,
      `${check(js.length <= 60 * 1024)} ≤ 60 KB (${(gzipSync(js).length / 1024).toFixed(1)} KB gzip; CSS ${(assets[1]!.length / 1024).toFixed(1)} KB)`,
    ]);
    if (!existsSync("/usr/bin/chromium")) {
      rows.push(["web UI time to interactive", "skipped", "/usr/bin/chromium is missing (apt-get install chromium)"]);
      return;
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const context = await browser.newContext(); // a cold cache each time
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${url}/`);
      await page.getByRole("button", { name: "Submit" }).waitFor();
      times.push(performance.now() - started);
      await context.close();
    }
    await browser.close();
    rows.push([
      "web UI navigation → interactive (Submit shown), cold cache, median of 7",
      ms(median(times.slice(1))),
      "headless Chromium, same machine",
    ]);
  } finally {
    await stop(child);
  }
}
log("== web UI…");
await webUi();
log("== static Space (npm run build:static) in Chromium…");
{
  const { url, child } = await startServer("model.onnx");
  try {
    rows.push(...(await (await import("./static-bench.ts")).staticFigures(log, url, fashionPng)));
  } finally {
    await stop(child);
  }
}
rows.push(...(await hostFigures(log)));
rows.push(...(await (await import("./sandbox-bench.ts")).sandboxFigures(log)));
rows.push(...(await (await import("./replicas-bench.ts")).replicaFigures(log)));
rows.push(...(await (await import("./streaming-bench.ts")).streamingFigures(log)));

const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
console.log(`\nnpm run bench — ${availableParallelism()} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log(`${"figure".padEnd(w[0]!)}  ${"value".padStart(w[1]!)}  target`);
for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`);

/**
 * `npm run bench -- --only speed` (issues 15 and 22): the Space as shipped — the root app.ts,
 * started as `npm start` starts it, monitor, out-of-domain score and review feed at their
 * defaults — on the pictures users send, measured like a server engineer, in one run. HTTP load
 * comes from Debian's `wrk` (one thread, C, so the load generator takes little of the 2 cores),
 * and every row is a ratio to something measured in the same run: raw ONNX Runtime, the raw
 * decode of that very input, a bare Hono route (the HTTP ceiling). Server CPU and event-loop
 * delay come from inside the Space's process (bench/probe.mjs, preloaded through NODE_OPTIONS;
 * process.cpuUsage() counts every thread of it).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
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
/** A server's own figures, under `base`: bench/serve.ts's `${url}/bench`, or an app's bench/probe.mjs port. */
const stats = async (base: string) =>
  (await (await fetch(`${base}/stats`)).json()) as { eventLoopP99Ms: number; maxRssMB: number; rssMB: number; cpuMs: number };
const reset = (base: string) => fetch(`${base}/reset`, { method: "POST" });

const WRK_SCRIPT = `local f = io.open(os.getenv("BODY_FILE"), "rb")\nwrk.method = "POST"\nwrk.body = f:read("*a")\nf:close()\nwrk.headers["Content-Type"] = "application/json"\n`;
const toMs = (v: string, unit: string) => Number(v) * (unit === "us" ? 1e-3 : unit === "s" ? 1e3 : 1);

/** wrk, one thread, POSTing `bodyFile`: requests/s and the median latency. */
function wrk(url: string, bodyFile: string, connections: number, seconds = SECONDS) {
  const r = spawnSync("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "--latency", "-s", LUA, url], {
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
async function load(url: string, path: string, bodyFile: string, statsBase: string) {
  // Warm-up: a first call of a kind compiles its decoder (wasm) and warms the JIT; not measured.
  try {
    wrk(`${url}${path}`, bodyFile, 1, 2);
    wrk(`${url}${path}`, bodyFile, 32, 1);
  } catch {} // a slow input may complete nothing in a 1 s warm-up
  await reset(statsBase);
  const cpu0 = (await stats(statsBase)).cpuMs;
  const c32 = wrk(`${url}${path}`, bodyFile, 32);
  const s = await stats(statsBase);
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
async function clientCpu(url: string, statsBase: string, image: Uint8Array, distinct: boolean) {
  const clients = await Promise.all(Array.from({ length: 4 }, () => Client.connect(url)));
  let n = 0;
  try {
    const call = (c: Client) =>
      c.predict("/predict", [new Blob(distinct ? [new Uint8Array(image), `${process.pid}:${n++}`] : [new Uint8Array(image)])]);
    for (let i = 0; i < 20; i++) await call(clients[0]!);
    await reset(statsBase);
    const cpu0 = (await stats(statsBase)).cpuMs;
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
    const s = await stats(statsBase);
    return { cpuPerCallMs: (s.cpuMs - cpu0) / done, eventLoopP99Ms: s.eventLoopP99Ms, perSecond: done / SECONDS };
  } finally {
    for (const c of clients) c.close();
  }
}

/** A Space process the bench started: its URL, its probe's, and how to stop it. */
interface Space {
  url: string;
  port: number;
  probe: string;
  child: ChildProcess;
}

/**
 * `npm start` in `cwd` (the repository, or a folder that mirrors it), as a Space host starts it:
 * PORT, GRADIO_SERVER_NAME=127.0.0.1, a fresh SPACE_DATA_DIR; plus bench/probe.mjs through
 * NODE_OPTIONS. Its own process group, so stopping it stops npm, tsx and node together.
 */
async function startApp(cwd = process.cwd(), env: Record<string, string> = {}, command = ["npm", "start", "--silent"]): Promise<Space> {
  const port = nextPort++;
  const probePort = nextPort++;
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    detached: true,
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      PORT: String(port),
      GRADIO_SERVER_NAME: "127.0.0.1",
      SPACE_DATA_DIR: mkdtempSync(join(temp, "space-data-")),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${resolve("bench/probe.mjs")}`.trim(),
      BENCH_PROBE_PORT: String(probePort),
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const up = (u: string) =>
    fetch(u).then(
      (r) => r.ok,
      () => false,
    );
  while (!(await up(`${url}/config`)) || !(await up(`http://127.0.0.1:${probePort}/stats`))) {
    if (child.exitCode !== null || performance.now() - started > 60_000) throw new Error(`npm start in ${cwd} did not serve /config`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url, port, probe: `http://127.0.0.1:${probePort}`, child };
}

const stopApp = (space: Space) =>
  new Promise<void>((done) => {
    if (space.child.exitCode !== null) return done();
    space.child.once("exit", () => done());
    process.kill(-space.child.pid!, "SIGTERM");
  });

/**
 * The same app.ts with the monitor, the review feed and the out-of-domain score off: a folder
 * that mirrors the repository, whose model.onnx is the model without the OOD outputs (identical
 * logits; `training/add_metadata.py --no-ood`), and whose SPACE_DATA_DIR is a file, so the
 * monitor's and the review queue's store cannot open and launch() serves without them (its
 * documented fallback). `undefined` when the no-OOD model cannot be made (needs python3-onnx).
 */
function productOffFolder(): string | undefined {
  const NO_OOD = "bench/models/model-no-ood.onnx";
  mkdirSync("bench/models", { recursive: true });
  if (!existsSync(NO_OOD) && existsSync("/usr/bin/python3"))
    spawnSync("/usr/bin/python3", ["training/add_metadata.py", "model.onnx", "--out", NO_OOD, "--no-ood"], { stdio: "inherit" });
  if (!existsSync(NO_OOD)) return undefined;
  const dir = mkdtempSync(join(temp, "app-off-"));
  for (const f of ["app.ts", "package.json", "examples", "node_modules", "src", "ui"]) symlinkSync(resolve(f), join(dir, f));
  symlinkSync(resolve(NO_OOD), join(dir, "model.onnx"));
  writeFileSync(join(dir, "not-a-folder"), "");
  return dir;
}

/** A photo-like picture: blurred noise compresses like a camera's (a 12 MP JPEG to ~3.6 MB, as phones write them). */
const photo = (width: number, height: number) =>
  sharp({
    create: { width, height, channels: 3, background: { r: 110, g: 110, b: 110 }, noise: { type: "gaussian", mean: 110, sigma: 60 } },
  }).blur(1.5);

/** The input set: what a page, a phone or @gradio/client sends. */
async function inputs(fashionPng: Buffer) {
  const rgb = () => sharp(fashionPng).toColourspace("srgb");
  return [
    { name: "28×28 grey PNG", mime: "image/png", bytes: fashionPng, small: true },
    { name: "28×28 RGB PNG", mime: "image/png", bytes: await rgb().png().toBuffer(), small: true },
    { name: "28×28 RGBA PNG", mime: "image/png", bytes: await rgb().ensureAlpha().png().toBuffer(), small: true },
    { name: "28×28 palette PNG", mime: "image/png", bytes: await rgb().png({ palette: true }).toBuffer(), small: true },
    { name: "28×28 JPEG", mime: "image/jpeg", bytes: await rgb().jpeg({ quality: 90 }).toBuffer(), small: true },
    { name: "640×480 JPEG", mime: "image/jpeg", bytes: await photo(640, 480).jpeg({ quality: 85 }).toBuffer(), small: false },
    { name: "640×480 WebP", mime: "image/webp", bytes: await photo(640, 480).webp({ quality: 80 }).toBuffer(), small: false },
    { name: "12 MP JPEG (4032×3024)", mime: "image/jpeg", bytes: await photo(4032, 3024).jpeg({ quality: 92 }).toBuffer(), small: false },
  ];
}

/**
 * Start-up, `npm start` (npm → sh → tsx, which compiles the TypeScript in the process and in the
 * classifier's worker) against `node` on the esbuild bundle a Space host's build makes once
 * (host/build/bundle.ts, here in dev mode, and what the host then starts): spawn →
 * /config answered, and the memory of all the Space's processes once idle.
 */
async function startup(): Promise<Row[]> {
  const { memoryMb, processTree } = await import("./proc-tree.ts");
  const { bundle: makeBundle } = await import("../host/build/bundle.ts");
  const cacheDir = mkdtempSync(join(temp, "bundle-cache-"));
  const made = await makeBundle({ repo: "", lfs: "", builds: "", cacheDir, owner: "bench", name: "speed" }, process.cwd(), log);
  if (!made) throw new Error("the host's bundle step failed on app.ts (see above)");
  const variants: { name: string; command?: string[]; env: Record<string, string> }[] = [
    { name: "npm start", command: undefined, env: {} },
    { name: "node .space/app/app.mjs (bundle)", command: ["node", ".space/app/app.mjs"], env: { BENCH_PROBE_SCRIPT: "app.mjs" } },
  ];
  const out: Row[] = [];
  const figures: { t: number; rss: number; pss: number; comms: string }[] = [];
  for (const v of variants) {
    const times: number[] = [];
    let mem = { rss: 0, pss: 0 };
    let comms = "";
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const space = await startApp(process.cwd(), v.env, v.command);
      times.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 2000)); // examples precomputed, idle
      const tree = processTree(space.child.pid!);
      mem = memoryMb(tree.map((p) => p.pid));
      comms = tree.map((p) => p.comm).join(", ");
      await stopApp(space);
    }
    figures.push({ t: median(times), ...mem, comms });
  }
  const [npm, bundle] = figures as [(typeof figures)[0], (typeof figures)[0]];
  out.push(
    ["Space start-up: npm start → /config answered, median of 3", ms(npm.t), "what the host ran before issue 22"],
    ["  idle, 2 s after /config: all its processes", `${npm.rss.toFixed(0)} MB RSS`, `${npm.pss.toFixed(0)} MB PSS (${npm.comms})`],
    [
      "Space start-up: node on the host build's esbuild bundle (host/build/bundle.ts) → /config",
      ms(bundle.t),
      `${check(bundle.t <= 1000)} ≤ 1000 ms; ${(npm.t - bundle.t).toFixed(0)} ms less than npm start`,
    ],
    [
      "  idle, 2 s after /config: all its processes",
      `${bundle.rss.toFixed(0)} MB RSS`,
      `${bundle.pss.toFixed(0)} MB PSS (${bundle.comms}): ${(npm.pss - bundle.pss).toFixed(0)} MB PSS less`,
    ],
  );
  return out;
}

export async function speedFigures(): Promise<Row[]> {
  const rows: Row[] = [];
  temp = mkdtempSync(join(tmpdir(), "speed-bench-"));
  LUA = join(temp, "post.lua");
  writeFileSync(LUA, WRK_SCRIPT);
  const fashionPng = readFileSync("test/fixtures/fashion-mnist/000.png");
  const fashionBody = bodyFileOf("fashion", fashionPng, "image/png");
  const cores = availableParallelism();

  log("== speed: HTTP ceiling (a bare Hono route, same JSON)…");
  const hono = await start("bench/serve.ts", ["--hono"]);
  const ceiling = wrk(`${hono.url}/api/predict`, fashionBody, 32);
  await stop(hono.child);
  rows.push([
    "HTTP ceiling: bare Hono route parsing the same JSON, fixed label, c32 (wrk; bench/serve.ts)",
    `${ceiling.rps.toFixed(0)} req/s`,
    "no model can go faster through HTTP here",
  ]);

  log("== speed: raw ONNX Runtime and the raw decode of each input…");
  const set = await inputs(fashionPng);
  const rawByInput = [];
  for (const input of set) rawByInput.push(await raw("model.onnx", input.bytes, [32]));
  const ort = rawByInput[0]!; // ORT's figures do not depend on the input
  const inferMs = 1000 / ort.best.perSecond;
  rows.push(
    ["model.onnx (Fashion CNN): raw ONNX Runtime on the bench's thread, 2 intra-op threads", "", ""],
    ["  raw ORT latency, batch 1", ms(ort.batch1), ""],
    ["  raw ORT throughput, batch 32", `${ort.best.perSecond.toFixed(0)} img/s`, `= ${inferMs.toFixed(3)} ms of both cores per image`],
  );

  log("== speed: app.ts as npm start runs it, each input (wrk)…");
  const app = await startApp();
  let grey!: Awaited<ReturnType<typeof load>>;
  try {
    rows.push(["app.ts as shipped (npm start; monitor, OOD score, review feed at their defaults), /api/predict with a data URL", "", ""]);
    for (const [i, input] of set.entries()) {
      log(`   ${input.name}…`);
      const decode = rawByInput[i]!.decode;
      const limit = 1000 / (inferMs + decode / cores);
      const e = await load(app.url, "/api/predict", bodyFileOf(`input${i}`, input.bytes, input.mime), app.probe);
      if (i === 0) grey = e;
      const c1Bound = decode + ort.batch1 + 0.5;
      const throughput = input.small
        ? `${check(e.rps >= 0.5 * ort.best.perSecond)} ≥ 0.5 × raw ORT batched: ${(e.rps / ort.best.perSecond).toFixed(2)}×; ${(e.rps / limit).toFixed(2)}× its limit`
        : `${input.name.startsWith("640") ? `${check(e.rps >= 0.8 * limit)} ≥ 0.8 × its limit: ` : ""}${(e.rps / limit).toFixed(2)}× its limit`;
      rows.push(
        [
          `  ${input.name} (${(input.bytes.length / 1024).toFixed(1)} KB): raw decode; limit 1000 / (inference + decode / ${cores})`,
          `${ms(decode)}; ${limit.toFixed(0)} req/s`,
          "",
        ],
        [`    c32 (wrk), server CPU per request`, `${e.rps.toFixed(0)} req/s, ${ms(e.cpuPerReqMs)}`, throughput],
        [`    c1 (wrk median)`, ms(e.c1), `${check(e.c1 <= c1Bound)} ≤ raw decode + inference + 0.5 = ${ms(c1Bound)}`],
        [
          `    event-loop delay p99 under c32; peak RSS`,
          `${ms(e.eventLoopP99Ms)}; ${e.maxRssMB.toFixed(0)} MB`,
          `${check(e.eventLoopP99Ms <= 20)} ≤ 20 ms`,
        ],
      );
    }

    log("== speed: through the host's proxy (identify + proxyToApp)…");
    const front = await start("bench/proxy-front.ts", [String(app.port)]);
    try {
      const p = await load(front.url, "/spaces/bench/space/app/api/predict", fashionBody, app.probe);
      const frontCpu = await stats(`${front.url}/bench`);
      rows.push(
        [
          "  28×28 grey PNG through the host's share URL (identify + proxyToApp), c32",
          `${p.rps.toFixed(0)} req/s`,
          `${(p.rps / grey.rps).toFixed(2)}× direct (the proxy is a second process on the same cores; its CPU ${(frontCpu.cpuMs / 1000).toFixed(1)} s in all)`,
        ],
        ["  the same, c1 (wrk median)", ms(p.c1), `${check(p.c1 <= grey.c1 + 0.5)} ≤ direct + 0.5 = ${ms(grey.c1 + 0.5)}`],
      );
    } finally {
      await stop(front.child);
    }

    for (const distinct of [false, true]) {
      log(`== speed: @gradio/client, server CPU per call (${distinct ? "a new image each call" : "the same image"})…`);
      const g = await clientCpu(app.url, app.probe, fashionPng, distinct);
      rows.push(
        [
          `  @gradio/client predict() (upload + join + SSE), 32 in flight, ${distinct ? "new image each call" : "same image"}: server CPU per call`,
          ms(g.cpuPerCallMs),
          `${check(g.cpuPerCallMs <= 2 * grey.cpuPerReqMs)} ≤ 2 × /api/predict's = ${ms(2 * grey.cpuPerReqMs)} (${(g.cpuPerCallMs / grey.cpuPerReqMs).toFixed(2)}×; ${g.perSecond.toFixed(0)} calls/s, client on the same cores)`,
        ],
        ["    event-loop delay p99 under that load", ms(g.eventLoopP99Ms), `${check(g.eventLoopP99Ms <= 20)} ≤ 20 ms`],
      );
    }
  } finally {
    await stopApp(app);
  }

  const offDir = productOffFolder();
  if (!offDir)
    rows.push(["app.ts with the product's extras on vs off", "skipped", "no bench/models/model-no-ood.onnx: needs python3-onnx"]);
  else {
    log("== speed: app.ts with the monitor, OOD score and review feed on vs off (both up, alternating)…");
    const on = await startApp();
    const off = await startApp(offDir, { SPACE_DATA_DIR: join(offDir, "not-a-folder", "data") });
    try {
      const c1On: number[] = [],
        c1Off: number[] = [],
        c32On: number[] = [],
        c32Off: number[] = [];
      for (let round = 0; round < 4; round++) {
        for (const [space, c1, c32] of round % 2
          ? ([
              [off, c1Off, c32Off],
              [on, c1On, c32On],
            ] as const)
          : ([
              [on, c1On, c32On],
              [off, c1Off, c32Off],
            ] as const)) {
          c32.push(wrk(`${space.url}/api/predict`, fashionBody, 32, Math.max(2, Math.round(SECONDS / 2))).rps);
          c1.push(wrk(`${space.url}/api/predict`, fashionBody, 1, 2).p50);
        }
      }
      const [a, b, x, y] = [median(c32On), median(c32Off), median(c1On), median(c1Off)];
      rows.push(
        [
          "app.ts, monitor + OOD score + review feed on vs off, 28×28 grey PNG, c32 (median of 4 alternating runs)",
          `${a.toFixed(0)} vs ${b.toFixed(0)} req/s`,
          `${check(a >= 0.9 * b)} ≤ 10 % less: ${((1 - a / b) * 100).toFixed(1)} %`,
        ],
        [
          "  the same, c1 (wrk median)",
          `${ms(x)} vs ${ms(y)}`,
          `${check(x - y <= 0.2)} ≤ +0.2 ms: ${(x - y >= 0 ? "+" : "−") + Math.abs(x - y).toFixed(2)} ms`,
        ],
      );
    } finally {
      await Promise.all([stopApp(on), stopApp(off)]);
    }
  }

  const RESNET = "bench/models/resnet18.onnx";
  if (!existsSync(RESNET)) spawnSync("/usr/bin/python3", ["bench/make_resnet18.py"], { stdio: "inherit" });
  if (existsSync(RESNET)) {
    const vga = await photo(640, 480).jpeg({ quality: 85 }).toBuffer();
    log("== speed: ResNet-18 raw…");
    const rr = await raw(RESNET, vga, [8, 16, 32]);
    log("== speed: ResNet-18 end to end (wrk)…");
    const r = await start("bench/serve.ts", [RESNET]);
    try {
      const e = await load(r.url, "/api/predict", bodyFileOf("vga", vga, "image/jpeg"), `${r.url}/bench`);
      const inferR = 1000 / rr.best.perSecond;
      const limit = 1000 / (inferR + rr.decode / cores);
      rows.push(
        ["ResNet-18 (random weights) in bench/serve.ts (a bare Interface), 640×480 JPEG as a data URL", "", ""],
        ["  raw decode + resize + normalise (sharp); raw ORT batch 1", `${ms(rr.decode)}; ${ms(rr.batch1)}`, ""],
        [
          `  raw ORT best-batch throughput (batch ${rr.best.batch}); limit`,
          `${rr.best.perSecond.toFixed(1)} img/s; ${limit.toFixed(1)} req/s`,
          `1000 / (${inferR.toFixed(1)} + ${rr.decode.toFixed(1)} / ${cores}) ms`,
        ],
        ["  /api/predict, c32 (wrk)", `${e.rps.toFixed(1)} req/s`, `${(e.rps / limit).toFixed(2)}× the limit`],
        ["  /api/predict, c1 (wrk median)", ms(e.c1), `raw decode + inference = ${ms(rr.decode + rr.batch1)}`],
        ["  server event-loop delay p99 under c32", ms(e.eventLoopP99Ms), `${check(e.eventLoopP99Ms <= 20)} ≤ 20 ms`],
      );
    } finally {
      await stop(r.child);
    }
  } else rows.push(["ResNet-18 rows", "skipped", `no ${RESNET}: bench/make_resnet18.py needs python3-torch and python3-torchvision`]);

  log("== speed: Space start-up…");
  rows.push(...(await startup()));
  rmSync(temp, { recursive: true, force: true });
  return rows;
}

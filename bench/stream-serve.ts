/**
 * A streaming Space for the streaming bench and the load test, in its own process so that the
 * event-loop delay measured is the server's alone: `/chat` (a ChatInterface whose reply grows a
 * word every STEP_MS) and `/ticks` (a generator yielding the time of each yield, for the
 * yield → client latency). Sends `{url}` on IPC once listening; answers `"loop"` with the event
 * loop's delay since the last ask (p50/p99/max, ms), and `"memory"` with the heap after a full
 * collection, the RSS and the generators still running.
 *
 * @example
 * const child = fork("bench/stream-serve.ts", [], { execArgv: ["--import", "tsx"], env: { STEP_MS: "50" } });
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as gr from "../src/index.ts";

const STEP_MS = Number(process.env.STEP_MS ?? 50);
const WORDS = Number(process.env.WORDS ?? 40);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Generators started and not yet ended (their `finally` not run): what a cancel must bring back to 0. */
let active = 0;
const chat = new gr.ChatInterface({
  fn: async function* reply(message: string) {
    active++;
    try {
      let text = "";
      for (let i = 0; i < WORDS; i++) {
        await sleep(STEP_MS);
        text += `${message}${i} `;
        yield text;
      }
    } finally {
      active--;
    }
  },
});
const ticks = new gr.Blocks(() => {
  const n = new gr.Number({ label: "Count" });
  const out = new gr.Textbox({ label: "Time" });
  new gr.Button("Go").click({
    fn: async function* ticks(count: number) {
      active++;
      try {
        for (let i = 0; i < count; i++) {
          await sleep(STEP_MS);
          yield String(performance.timeOrigin + performance.now());
        }
      } finally {
        active--;
      }
    },
    inputs: n,
    outputs: out,
    apiName: "ticks",
  });
});

const which = process.argv[2] === "ticks" ? ticks : chat;
const server = await gr.launch(which, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false, queue: { concurrency: 1000 } });
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const ms = (ns: number) => Math.round(ns / 1e4) / 100;
process.on("message", (m) => {
  if (m === "memory") {
    // After a full collection (--expose-gc), what is still held: a leak shows here, garbage does not.
    (globalThis as { gc?: () => void }).gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send?.({ heapMB: heapUsed / 2 ** 20, rssMB: rss / 2 ** 20, active });
    return;
  }
  if (m !== "loop") return;
  process.send?.({ p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) });
  loop.reset();
});
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
process.send?.({ url: server.url });

/**
 * Streaming latency (issue 24): the time from a generator's `yield` to the pristine
 * @gradio/client's `submit()` handing the value over, with one stream and with 50 at once,
 * and the server's event-loop delay meanwhile. The server runs in its own process
 * (bench/stream-serve.ts); both sides read the same clock (performance.timeOrigin + now()).
 *
 * @example
 * const rows = await streamingFigures(console.log); // [["yield → client, c=1, p50 / p99", "0.9 / 2.1 ms", …], …]
 */
import { fork, type ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { Client } from "@gradio/client";

type Row = [string, string, string];

/** Starts bench/stream-serve.ts (`which`: "chat" or "ticks"); resolves with its URL and ways to read its event-loop delay and its memory. */
export async function startStreamServer(which: "chat" | "ticks", env: Record<string, string> = {}) {
  const child: ChildProcess = fork(new URL("./stream-serve.ts", import.meta.url).pathname, [which], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`stream-serve exited (${code}) before listening`)));
  });
  const loop = () =>
    new Promise<{ p50: number; p99: number; max: number }>((resolve) => {
      child.once("message", (m) => resolve(m as { p50: number; p99: number; max: number }));
      child.send("loop");
    });
  const memory = () =>
    new Promise<{ heapMB: number; rssMB: number; active: number }>((resolve) => {
      child.once("message", (m) => resolve(m as { heapMB: number; rssMB: number; active: number }));
      child.send("memory");
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { url, loop, memory, stop };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** One stream of `count` ticks through submit(): each value's delay from its yield, in ms. */
async function delays(client: Client, count: number): Promise<number[]> {
  const out: number[] = [];
  let n = 0;
  for await (const e of client.submit("/ticks", [count])) {
    if (e.type !== "data") continue;
    // The last value comes twice (process_completed repeats it): only the yields count.
    if (++n > count) break;
    out.push(performance.timeOrigin + performance.now() - Number((e.data as string[])[0]));
  }
  return out;
}

/**
 * The bench rows: yield → client latency at c=1 and c=50 (p50 / p99), and the server's event-loop
 * p99 during the c=50 run, each with the load average at the time.
 */
export async function streamingFigures(log: (line: string) => void): Promise<Row[]> {
  log("== streaming: yield → client latency…");
  const server = await startStreamServer("ticks", { STEP_MS: "20" });
  const rows: Row[] = [];
  const clients: Client[] = [];
  try {
    for (const c of [1, 50]) {
      while (clients.length < c) clients.push(await Client.connect(server.url, { events: ["data"] }));
      await Promise.all(clients.slice(0, c).map((cl) => delays(cl, 10))); // warm up
      await server.loop();
      const all = (await Promise.all(clients.slice(0, c).map((cl) => delays(cl, 200)))).flat().sort((a, b) => a - b);
      const loop = await server.loop();
      const load = loadavg()[0]!.toFixed(2);
      rows.push([
        `streaming: yield → client (submit()), c=${c}, p50 / p99`,
        `${pct(all, 50).toFixed(1)} / ${pct(all, 99).toFixed(1)} ms`,
        `${all.length} yields every 20 ms per stream; load avg ${load}`,
      ]);
      if (c === 50)
        rows.push(["streaming: server event-loop delay p99, c=50", `${loop.p99} ms`, `≤ 20 ms; max ${loop.max} ms; load avg ${load}`]);
    }
  } finally {
    for (const cl of clients) cl.close();
    await server.stop();
  }
  return rows;
}

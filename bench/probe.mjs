/**
 * What the speed bench reads inside a Space it started as `npm start` starts it: preloaded with
 * NODE_OPTIONS="--import <this file>", it serves this process's event-loop delay, CPU time and
 * memory on its own port (BENCH_PROBE_PORT), so the Space's code is the shipped one, untouched.
 * NODE_OPTIONS reaches npm and tsx's launcher too: only the process running BENCH_PROBE_SCRIPT
 * (default app.ts), and only its main thread, listens. Plain JavaScript: it loads before tsx.
 *
 * GET /stats → {eventLoopP99Ms, eventLoopMaxMs, maxRssMB, rssMB, cpuMs}; POST /reset restarts the histogram.
 */
import { createServer } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { isMainThread } from "node:worker_threads";

const port = Number(process.env.BENCH_PROBE_PORT);
const script = process.env.BENCH_PROBE_SCRIPT ?? "app.ts";
if (isMainThread && port && process.argv[1]?.endsWith(script)) {
  let delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const server = createServer((req, res) => {
    res.setHeader("connection", "close"); // no kept-alive socket for the bench's fetch to find closed minutes later
    if (req.method === "POST" && req.url === "/reset") {
      delay.disable();
      delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      res.end("{}");
      return;
    }
    const { user, system } = process.cpuUsage();
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        eventLoopP99Ms: delay.percentile(99) / 1e6,
        eventLoopMaxMs: delay.max / 1e6,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
        rssMB: process.memoryUsage.rss() / 2 ** 20,
        cpuMs: (user + system) / 1000,
      }),
    );
  });
  server.listen(port, "127.0.0.1");
  server.unref(); // the Space decides when its process ends
}

/**
 * The Space's Interface around any model, plus one route the benchmark reads: this process's
 * event-loop delay, peak RSS and CPU time. Usage: tsx bench/serve.ts <model.onnx | --noop | --hono> <port>
 * (--noop: the same Interface with an fn that returns at once, to measure the transport alone;
 * --hono: a bare Hono route that parses the same JSON and answers a fixed label, the ceiling).
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createApp, Image, Interface, Label, loadClassifier } from "../src/index.ts";

const [modelPath = "model.onnx", port = "7870"] = process.argv.slice(2);
const uploadDir = mkdtempSync(join(tmpdir(), "bench-uploads-")); // removed at exit: load runs upload thousands of files
const bare = () => {
  const hono = new Hono();
  const answer = {
    data: [{ label: "Ankle boot", confidences: [{ label: "Ankle boot", confidence: 0.99 }] }],
    is_generating: false,
    duration: 0,
    average_duration: 0,
    render_config: null,
    changed_state_ids: [],
  };
  hono.post("/api/predict", async (c) => {
    const body = (await c.req.json()) as { data: string[] };
    if (typeof body.data[0] !== "string") return c.json({ error: "no image" }, 422);
    return c.json(answer);
  });
  return hono;
};
const model = modelPath === "--noop" || modelPath === "--hono" ? { classify: async () => ({ noop: 1 }) } : await loadClassifier(modelPath);
const app: Hono =
  modelPath === "--hono"
    ? bare()
    : (createApp(new Interface({ fn: (image) => model.classify(image), inputs: new Image(), outputs: new Label({ numTopClasses: 3 }) }), {
        uploadDir,
      }) as unknown as Hono);

let delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
app.post("/bench/reset", (c) => {
  delay.disable();
  delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  return c.json({ ok: true });
});
app.get("/bench/stats", (c) =>
  c.json({
    eventLoopP99Ms: delay.percentile(99) / 1e6,
    eventLoopMaxMs: delay.max / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    rssMB: process.memoryUsage.rss() / 2 ** 20,
    cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage()),
  }),
);
serve({ fetch: app.fetch, port: Number(port), hostname: "127.0.0.1" }, () => console.log("ready"));
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    rmSync(uploadDir, { recursive: true, force: true });
    process.exit(0);
  });
}

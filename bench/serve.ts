/**
 * The Space's Interface around any model, plus one route the benchmark reads: this process's
 * event-loop delay and peak RSS. Usage: tsx bench/serve.ts <model.onnx | --noop> <port>
 * (--noop: the same Interface with an fn that returns at once, to measure the transport alone).
 */
import { serve } from "@hono/node-server";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createApp, Image, Interface, Label, loadClassifier } from "../src/index.ts";

const [modelPath = "model.onnx", port = "7870"] = process.argv.slice(2);
const model = modelPath === "--noop" ? { classify: async () => ({ noop: 1 }) } : await loadClassifier(modelPath);
const app = createApp(new Interface({ fn: (image) => model.classify(image), inputs: new Image(), outputs: new Label({ numTopClasses: 3 }) }));

let delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
app.post("/bench/reset", (c) => {
  delay.disable();
  delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  return c.json({ ok: true });
});
app.get("/bench/stats", (c) =>
  c.json({ eventLoopP99Ms: delay.percentile(99) / 1e6, eventLoopMaxMs: delay.max / 1e6, maxRssMB: process.resourceUsage().maxRSS / 1024 }),
);
serve({ fetch: app.fetch, port: Number(port), hostname: "127.0.0.1" }, () => console.log("ready"));
process.on("SIGINT", () => process.exit(0));

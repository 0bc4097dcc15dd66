// Cost of the out-of-domain outputs with the Space's own runtime (onnxruntime-node).
//
//   node bench/ood/cost.mjs ORIGINAL.onnx STAMPED.onnx [seconds-per-case]
//
// Plain JavaScript (no TypeScript, no build): loads onnxruntime-node from ./node_modules or
// /work/main/node_modules, creates both sessions with the options src/onnx.ts uses, and
// times session.run() on Fashion-MNIST test images, alternating the two models in short
// rounds so that load from other processes hits both alike. Reports the median per batch
// for batch 1 and 32 at 1 and 2 intra-op threads, the extra cost in %, and checks that
// the logits are identical and prints ood_distance for test image 0.
import { createRequire } from "node:module";
import { readFileSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const roots = [path.join(here, "..", ".."), "/work/main"];
const root = roots.find((r) => existsSync(path.join(r, "node_modules", "onnxruntime-node")));
const ort = createRequire(path.join(root, "package.json"))("onnxruntime-node");

const [origPath, newPath, secArg] = process.argv.slice(2);
const seconds = Number(secArg ?? 3);
const idx = readFileSync("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
const pixels = gunzipSync(idx).subarray(16);
const MEAN = 0.286,
  STD = 0.353;
function batch(n, offset = 0) {
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) out[i] = (pixels[offset * 784 + i] / 255 - MEAN) / STD;
  return new ort.Tensor("float32", out, [n, 1, 28, 28]);
}
const options = (threads) => ({
  graphOptimizationLevel: "all",
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
});
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
};

for (const threads of [1, 2]) {
  const orig = await ort.InferenceSession.create(readFileSync(origPath), options(threads));
  const stamped = await ort.InferenceSession.create(readFileSync(newPath), options(threads));
  if (threads === 1) {
    const x = batch(32);
    const a = (await orig.run({ input: x })).logits.data;
    const r = await stamped.run({ input: x });
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - r.logits.data[i]));
    console.log(`outputs: ${stamped.outputNames.join(", ")}; logits max |diff| vs original on 32 images: ${maxDiff}`);
    console.log(
      `test image 0: ood_distance ${r.ood_distance.data[0].toFixed(4)}, features[0..3] ${Array.from(r.features.data.slice(0, 4)).map((v) => v.toFixed(3))}`,
    );
  }
  for (const n of [1, 32]) {
    const x = batch(n, 100);
    const times = { orig: [], stamped: [] };
    for (const s of [orig, stamped]) for (let i = 0; i < 50; i++) await s.run({ input: x }); // warm up
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      for (const [k, s] of [
        ["orig", orig],
        ["stamped", stamped],
      ]) {
        for (let i = 0; i < 20; i++) {
          const t = process.hrtime.bigint();
          await s.run({ input: x });
          times[k].push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }
    }
    const mo = median(times.orig),
      ms = median(times.stamped);
    console.log(
      `threads ${threads}, batch ${String(n).padStart(2)}: original ${mo.toFixed(3)} ms, with OOD ${ms.toFixed(3)} ms ` +
        `(median of ${times.orig.length}), extra ${((ms / mo - 1) * 100).toFixed(1)} %`,
    );
  }
}

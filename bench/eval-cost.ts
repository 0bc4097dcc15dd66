/**
 * The cost of the out-of-domain score for `npm run eval`: raw ONNX Runtime on this thread with
 * the app's session options (src/classifier/onnx.ts), three variants alternating in short
 * rounds so that load from other processes hits them alike, medians of many runs:
 *   A  the model without the OOD subgraph (add_metadata.py --no-ood), fetching logits;
 *   B  the shipped model, fetching logits only (does ORT prune the OOD nodes then?);
 *   C  the shipped model, fetching logits + ood_distance and mapping it to a score, as the
 *      worker does for every batch.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { parseModelInfo, readMetadataProps } from "../src/classifier/model-info.ts";
import { createSession, runSession } from "../src/classifier/onnx.ts";
import { scoreFromQuantiles } from "../src/classifier/ood-score.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface CostRow {
  batch: number;
  a: number;
  b: number;
  c: number;
  samples: number;
}

/**
 * Which graph nodes ORT runs when only the first output is fetched: a session with profiling on
 * (otherwise the app's options), three runs, the node names its profile lists. Answers whether
 * fetching only `logits` skips the OOD subgraph (then "without" would need no second model).
 */
export async function nodesRunFetchingLogitsOnly(bytes: Uint8Array): Promise<{ ran: number; oodRan: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "ort-profile-"));
  try {
    const session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: "all",
      intraOpNumThreads: 1,
      executionMode: "sequential",
      enableProfiling: true,
      profileFilePrefix: join(dir, "run"),
    });
    const x = new ort.Tensor("float32", new Float32Array(784), [1, 1, 28, 28]);
    for (let i = 0; i < 3; i++) await session.run({ [session.inputNames[0]!]: x }, [session.outputNames[0]!]);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith(".json"))!;
    const events = JSON.parse(readFileSync(join(dir, file), "utf8")) as { cat: string; name: string }[];
    const nodes = new Set(
      events.filter((e) => e.cat === "Node").map((e) => e.name.replace(/_(kernel_time|fence_before|fence_after)$/, "")),
    );
    const oodRan = [...nodes].filter((n) => n.startsWith("ood_"));
    return { ran: nodes.size, oodRan }; // training/ood.py names every node it adds ood_*
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function oodCost(
  modelPath: string,
  noOodPath: string,
  pixels: Uint8Array,
  log: (s: string) => void,
  seconds = Number(process.env.COST_SECONDS ?? 4),
): Promise<{ threads: number; rows: CostRow[]; nodes: string }> {
  const bytes = readFileSync(modelPath);
  const info = parseModelInfo(readMetadataProps(bytes));
  if (!info.ood) throw new Error(`${modelPath} has no "ood" metadata`);
  const threads = availableParallelism(); // what loadClassifier gives its worker by default
  const withOod = await createSession(bytes, { threads });
  const without = await createSession(readFileSync(noOodPath), { threads });
  const q = info.ood.quantiles;
  const rows: CostRow[] = [];
  for (const batch of [1, 32]) {
    const input = new Float32Array(batch * 784);
    for (let i = 0; i < input.length; i++) input[i] = (pixels[100 * 784 + i]! / 255 - info.mean[0]!) / info.std[0]!;
    const dims = [batch, 1, 28, 28];
    const variants: [keyof Omit<CostRow, "batch" | "samples">, () => Promise<unknown>][] = [
      ["a", () => runSession(without, input, dims)],
      ["b", () => runSession(withOod, input, dims)],
      [
        "c",
        async () => {
          const { extra } = await runSession(withOod, input, dims, info.ood!.output);
          for (let i = 0; i < batch; i++) scoreFromQuantiles(extra![i]!, q);
        },
      ],
    ];
    const times: Record<string, number[]> = { a: [], b: [], c: [] };
    for (const [, run] of variants) for (let i = 0; i < 50; i++) await run(); // warm up
    const end = performance.now() + seconds * 1000;
    let round = 0;
    while (performance.now() < end) {
      // Rotate which variant goes first, so none always follows the same one.
      for (let v = 0; v < 3; v++) {
        const [key, run] = variants[(v + round) % 3]!;
        for (let i = 0; i < 20; i++) {
          const t = performance.now();
          await run();
          times[key]!.push(performance.now() - t);
        }
      }
      round++;
      process.stderr.write(`\rcost, batch ${String(batch).padStart(2)}: ${times.a!.length} runs of each variant  `);
    }
    process.stderr.write("\n");
    rows.push({ batch, a: median(times.a!), b: median(times.b!), c: median(times.c!), samples: times.a!.length });
  }
  await withOod.release();
  await without.release();
  const sizes = `${(readFileSync(noOodPath).length / 1e6).toFixed(2)} MB → ${(bytes.length / 1e6).toFixed(2)} MB`;
  log(`cost measured with ${threads} intra-op threads (the app's default), model ${sizes}`);
  return { threads, rows, nodes: sizes };
}

/**
 * `npm run eval`: all 10,000 Fashion-MNIST test images through the full pipeline (PNG bytes →
 * header check → worker decode → batched ONNX inference). Prints accuracy, per-class recall
 * and the confusion matrix, and draws the matrix to bench/out/confusion-matrix.png. Then issue
 * 10's figures, all through the same pipeline: out-of-domain AUROC / false warnings / detection
 * rates (bench/eval-ood.ts), the cost of the score (bench/eval-cost.ts), drift detection delay
 * and false alarms (bench/eval-drift.ts), with bench/out/ood-scores.png and bench/out/drift.png.
 * Needs Debian's dataset-fashion-mnist (or FASHION_MNIST_DIR pointing at the IDX files); the
 * out-of-domain sets are made by bench/ood/make_sets.py when missing.
 *
 * Last, it writes the model's report to `report/` (REPORT_DIR), which the Space serves at
 * /report: report.json (accuracy, per-class precision and recall, top losses, out-of-domain
 * figures, the model's metadata) with the confusion matrix and the top losses as PNGs. Commit
 * it with the model.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import sharp from "sharp";
import { loadClassifier } from "../src/classifier/index.ts";
import { readMetadataProps } from "../src/classifier/model-info.ts";
import type { ModelReport } from "../src/report/page.ts";
import { oodCost, nodesRunFetchingLogitsOnly } from "./eval-cost.ts";
import { driftSvg, observation, PREFIX, runStream, SHIFTED, shiftedStreams, shuffled, type ShiftResult } from "./eval-drift.ts";
import {
  classifyAll,
  energyFromFallback,
  ensureSets,
  maxSoftmax,
  noOodCopy,
  OOD_DIR,
  OOD_SETS,
  oodTable,
  readNpy,
  rocSvg,
  SHIFTED_SETS,
  slice,
  toPngs,
  type OodMethod,
  type Predictions,
} from "./eval-ood.ts";

const dir = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
const modelPath = process.argv[2] ?? "model.onnx";
if (!existsSync(`${dir}/t10k-images-idx3-ubyte.gz`)) {
  console.error(`No Fashion-MNIST test set in ${dir}: apt-get install dataset-fashion-mnist (or set FASHION_MNIST_DIR).`);
  process.exit(1);
}
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const images = gunzipSync(readFileSync(`${dir}/t10k-images-idx3-ubyte.gz`)).subarray(16); // IDX header: magic, count, rows, cols
const truth = gunzipSync(readFileSync(`${dir}/t10k-labels-idx1-ubyte.gz`)).subarray(8); // magic, count
const count = truth.length;

const model = await loadClassifier(modelPath);
const labels = model.info.labels;
const k = labels.length;
const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
let correct = 0;
let done = 0;
const started = performance.now();
const testPngs = await toPngs(images, count);
const test = await classifyAll(model, testPngs, "test images", (i, p) => {
  done++;
  if (p.label[i] === truth[i]) correct++;
  return `  accuracy so far ${((100 * correct) / done).toFixed(2)} %`;
});
for (let i = 0; i < count; i++) confusion[truth[i]!]![test.label[i]!]!++;

const seconds = (performance.now() - started) / 1000;
console.log(
  `\n${modelPath}: accuracy ${((100 * correct) / count).toFixed(2)} % on ${count} test images (${seconds.toFixed(1)} s, ${(count / seconds).toFixed(0)} img/s)\n`,
);
const short = labels.map((l) => l.slice(0, 8));
console.log(`${"true \\ predicted".padEnd(14)}${short.map((s) => s.padStart(9)).join("")}   recall`);
confusion.forEach((row, i) => {
  const total = row.reduce((a, b) => a + b, 0);
  console.log(
    `${labels[i]!.slice(0, 13).padEnd(14)}${row.map((n) => String(n).padStart(9)).join("")}   ${((100 * row[i]!) / total).toFixed(1)} %`,
  );
});

// The matrix as a picture: cells shaded by the share of each true class, counts written in.
const cell = 64,
  left = 130,
  top = 120;
const size = { w: left + k * cell + 70, h: top + k * cell + 20 };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const cells = confusion.flatMap((row, i) => {
  const total = row.reduce((a, b) => a + b, 0);
  return row.map((n, j) => {
    const share = n / total;
    const light = Math.round(97 - share * 62);
    const fill = i === j ? `hsl(150,55%,${light}%)` : `hsl(5,70%,${light}%)`;
    return (
      `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"/>` +
      `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 5}" text-anchor="middle" font-size="15" fill="${share > 0.5 ? "#fff" : "#222"}">${n}</text>`
    );
  });
});
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.w}" height="${size.h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${size.w / 2}" y="28" text-anchor="middle" font-size="20" font-weight="bold">Confusion matrix — accuracy ${((100 * correct) / count).toFixed(2)} %</text>
<text x="${left + (k * cell) / 2}" y="52" text-anchor="middle" font-size="14" fill="#555">predicted</text>
<text transform="translate(18,${top + (k * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="14" fill="#555">true</text>
${labels.map((l, j) => `<text transform="translate(${left + j * cell + cell / 2},${top - 8}) rotate(-35)" font-size="13">${esc(l)}</text>`).join("\n")}
${labels.map((l, i) => `<text x="${left - 8}" y="${top + i * cell + cell / 2 + 5}" text-anchor="end" font-size="13">${esc(l)}</text>`).join("\n")}
${cells.join("\n")}
</svg>`;
mkdirSync("bench/out", { recursive: true });
const matrixPng = await sharp(Buffer.from(svg)).png({ palette: true }).toBuffer();
writeFileSync("bench/out/confusion-matrix.png", matrixPng);
console.log("\nPicture: bench/out/confusion-matrix.png");

// ---- Issue 10: out-of-domain score, its cost, drift detection ----
const pct = (x: number, digits = 1) => `${(100 * x).toFixed(digits)} %`;
const check = (ok: boolean) => (ok ? "✓" : "✗");
const table = (rows: string[][], align: ("l" | "r")[]) => {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => (align[c] === "l" ? v.padEnd(w[c]!) : v.padStart(w[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
};
const setNames = [...Object.keys(OOD_SETS), ...Object.keys(SHIFTED_SETS)];
const haveSets = ensureSets(log);
const preds: Record<string, Predictions> = {};
const setPngs: Record<string, Buffer[]> = {};
if (haveSets) {
  for (const s of setNames) {
    const { shape, data } = readNpy(`${OOD_DIR}/${s}.npy`);
    setPngs[s] = await toPngs(data, shape[0]!);
    preds[s] = await classifyAll(model, setPngs[s]!, s);
  }
}
await model.close();

const noOod = haveSets ? noOodCopy(modelPath, log) : null;
const energy: Record<string, Predictions> = {};
if (noOod) {
  // The same PNGs through the same pipeline, on the copy without the OOD outputs: its fallback score is the energy.
  const plain = await loadClassifier(noOod);
  energy.test = await classifyAll(plain, testPngs, "test (no-OOD copy)");
  for (const s of setNames) energy[s] = await classifyAll(plain, setPngs[s]!, `${s} (no-OOD)`);
  await plain.close();
  let diff = 0;
  for (const [name, p] of Object.entries(energy)) {
    const q = name === "test" ? test : preds[name]!;
    for (let i = 0; i < p.probs.length; i++) diff = Math.max(diff, Math.abs(p.probs[i]! - q.probs[i]!));
  }
  log(
    `no-OOD copy vs shipped model: max |Δp| over all ${Object.values(energy).reduce((n, p) => n + p.n, 0)} predictions = ${diff.toExponential(1)} (same predictions)`,
  );
}

const methods: OodMethod[] = [];
/** The shipped score's AUROC per set (in-domain = test images 5000–9999), for the report. */
const shippedAuroc: Record<string, number> = {};
if (haveSets) {
  const cal = slice(test, 0, 5000),
    ev = slice(test, 5000, count);
  methods.push({
    name: `shipped (${model.info.ood?.method ?? "energy fallback"})`,
    cal: cal.score,
    eval: ev.score,
    sets: Object.fromEntries(setNames.map((s) => [s, preds[s]!.score])),
    flags: { cal: cal.flagged, eval: ev.flagged, sets: Object.fromEntries(setNames.map((s) => [s, preds[s]!.flagged])) },
  });
  if (noOod) {
    const e = energyFromFallback(energy.test!);
    methods.push({
      name: "energy",
      cal: e.subarray(0, 5000),
      eval: e.subarray(5000),
      sets: Object.fromEntries(setNames.map((s) => [s, energyFromFallback(energy[s]!)])),
    });
  }
  const m = maxSoftmax(test);
  methods.push({
    name: "max-softmax",
    cal: m.subarray(0, 5000),
    eval: m.subarray(5000),
    sets: Object.fromEntries(setNames.map((s) => [s, maxSoftmax(preds[s]!)])),
  });

  const { rows, falseWarnings } = oodTable(methods, setNames);
  const names = methods.map((x) => x.name);
  for (const r of rows) shippedAuroc[r.set] = r.auroc[names[0]!]!;
  const shortName = (n: string) => (n.startsWith("shipped") ? "shipped" : n);
  const header = ["set", "n", ...names.map((n) => `AUROC ${shortName(n)}`), "target", ...names.map((n) => `warned ${shortName(n)}`)];
  const body = (subset: string[], target: boolean) =>
    rows
      .filter((r) => subset.includes(r.set))
      .map((r) => [
        r.set,
        String(r.n),
        ...names.map((n) => r.auroc[n]!.toFixed(3)),
        target ? `${check(r.auroc[names[0]!]! >= 0.95)} ≥ 0.95` : "(none)",
        ...names.map((n) => pct(r.detected[n]!)),
      ]);
  const oodNames = Object.keys(OOD_SETS),
    shiftedNames = Object.keys(SHIFTED_SETS);
  const minRow = [
    "min over the 7",
    "",
    ...names.map((n) => Math.min(...rows.filter((r) => oodNames.includes(r.set)).map((r) => r.auroc[n]!)).toFixed(3)),
    "",
    ...names.map(() => ""),
  ];
  const fw = ["in-domain warned", "", ...names.map(() => ""), "", ...names.map((n) => `${pct(falseWarnings[n]!.eval, 2)}`)];
  console.log(
    `\nOut-of-domain detection through the full pipeline (PNG → model.classify). In-domain = t10k images 5000–9999, the half not used`,
  );
  console.log(`for calibration (0–4999 set the threshold: the shipped model's own, the baselines' at their 95th percentile there).`);
  console.log(`"warned" = share flagged at the threshold (out_of_domain for the shipped score). Energy = −logsumexp(logits), via the`);
  console.log(
    `runtime's fallback score on ${noOod ?? "(no copy without the OOD outputs: skipped)"}; max-softmax = 1 − max p from the same predictions.\n`,
  );
  console.log(
    table(
      [header, ...body(oodNames, true), minRow, ["shifted in domain:", ""], ...body(shiftedNames, false), fw],
      ["l", "r", ...names.map(() => "r" as const), "l", ...names.map(() => "r" as const)],
    ),
  );
  const shipped = falseWarnings[names[0]!]!;
  console.log(
    `\nFalse warnings of the shipped score (out_of_domain true on in-domain test images): ${pct(shipped.all, 2)} of all 10,000 ${check(shipped.all <= 0.05)} ≤ 5 %, ${pct(shipped.eval, 2)} of 5000–9999 ${check(shipped.eval <= 0.05)} ≤ 5 % (threshold ${model.info.ood?.threshold}).`,
  );
  console.log(`\nHow each set was made (bench/ood/make_sets.py, seeded, from what Debian ships):`);
  for (const [s, how] of Object.entries({ ...OOD_SETS, ...SHIFTED_SETS })) console.log(`  ${s.padEnd(17)} ${how}`);
  mkdirSync("bench/out", { recursive: true });
  writeFileSync(
    "bench/out/ood-scores.png",
    await sharp(Buffer.from(rocSvg(methods, setNames, ["#d62728", "#1f77b4", "#7f7f7f"])))
      .png()
      .toBuffer(),
  );
  console.log("\nPicture: bench/out/ood-scores.png");
}

// Cost: raw ORT, one thread of this process, after the classifiers are closed.
if (noOod && model.info.ood) {
  const pruning = await nodesRunFetchingLogitsOnly(readFileSync(modelPath));
  const { threads, rows, nodes } = await oodCost(modelPath, noOod, images, log);
  console.log(
    `\nCost of the OOD score: raw ONNX Runtime, the app's session options (createSession, ${threads} intra-op threads), medians of ${rows.map((r) => r.samples).join(" / ")} runs per variant, the three alternating every 20 runs; model ${nodes}.`,
  );
  console.log(
    `Fetching only logits, ORT still ran ${pruning.oodRan.length} OOD nodes of ${pruning.ran} (its profile: ${pruning.oodRan.length ? "no pruning of unfetched outputs" : "pruned"}).\n`,
  );
  console.log(
    table(
      [
        ["batch", "without OOD subgraph", "shipped, logits only", "shipped, logits + ood_distance + score", "extra", "target"],
        ...rows.map((r) => [
          String(r.batch),
          `${r.a.toFixed(3)} ms`,
          `${r.b.toFixed(3)} ms (${((r.b / r.a - 1) * 100).toFixed(1)} %)`,
          `${r.c.toFixed(3)} ms`,
          `${((r.c / r.a - 1) * 100).toFixed(1)} %`,
          `${check(r.c / r.a - 1 <= 0.1)} ≤ 10 %`,
        ]),
      ],
      ["r", "r", "r", "r", "r", "l"],
    ),
  );
} else log("Cost of the OOD score skipped: it needs the model's copy without the OOD outputs (see above).");

// Drift: streams of real classifications, a fresh detector each.
const ref = model.info.driftReference;
if (ref && haveSets) {
  const seeds = [1, 2, 3, 4, 5];
  const all = Array.from({ length: count }, (_, i) => i);
  const inDomain = seeds.map((seed) =>
    runStream(
      shuffled(all, seed).map((i) => observation(test, i)),
      labels,
      ref,
      true,
    ),
  );
  const minP = (r: (typeof inDomain)[number]) => Math.min(...[...r.p!.classes, ...r.p!.confidence, ...r.p!.ood].filter(Number.isFinite));
  const flood = (name: string) => all.filter((i) => labels[truth[i]!] === name);
  const index = (p: Predictions) => Array.from({ length: p.n }, (_, i) => i);
  const results: ShiftResult[] = [
    ...labels.map((l) => shiftedStreams(`only "${l}" test images`, test, test, flood(l), labels, ref, seeds)),
    ...["fashion-inverted", "fashion-blurred", "fashion-rot90", "photos", "digits", "letters", "noise", "icons", "shapes", "faces"].map(
      (s) => shiftedStreams(s, test, preds[s]!, index(preds[s]!), labels, ref, seeds),
    ),
  ];
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const fmt = (r: ShiftResult) => {
    const got = r.delays.filter((d): d is number => d !== null);
    const missed = r.delays.length - got.length;
    const max = missed ? `>${SHIFTED}` : String(Math.max(...got));
    const ok = !missed && Math.max(...got) <= 200;
    return [
      r.name,
      got.length ? String(med(r.delays.map((d) => d ?? Infinity))).replace("Infinity", `>${SHIFTED}`) : `>${SHIFTED}`,
      max,
      r.delays.map((d) => d ?? "–").join(" "),
      String(r.early),
      `${check(ok)} ≤ 200`,
    ];
  };
  console.log(
    `\nDrift detection: DriftDetector (window 200, α = 1e-6 per test, reference = the model's drift_reference), fed the pipeline's real predictions.`,
  );
  console.log(
    `(a) the 10,000 test images in random order (mulberry32 shuffles, seeds ${seeds.join(", ")}): false alarms ${inDomain.map((r) => r.alerts.length).join(", ")} ${check(inDomain[0]!.alerts.length === 0)} 0 (seed 1 is the target; smallest p-value of any test over the streams: ${inDomain.map((r) => minP(r).toExponential(0)).join(", ")})`,
  );
  console.log(
    `(b) ${PREFIX} random test images, then ${SHIFTED} of a shifted stream; delay = shifted requests seen when the alert fires, seeds ${seeds.join(", ")}:\n`,
  );
  const classRows = results.slice(0, labels.length);
  // The class floods shown: Bag, Sneaker, and the slowest to detect of the ten.
  const slowest = [...classRows].sort((a, b) => med(b.delays.map((d) => d ?? Infinity)) - med(a.delays.map((d) => d ?? Infinity)))[0]!;
  const shown = [
    ...new Set([classRows[labels.indexOf("Bag")], classRows[labels.indexOf("Sneaker")], slowest].filter((r): r is ShiftResult => !!r)),
  ];
  console.log(
    table(
      [
        ["shifted stream", "median delay", "max", "per seed", "alerts before the shift", "target"],
        ...shown.map(fmt),
        ...results.slice(labels.length).map(fmt),
      ],
      ["l", "r", "r", "l", "r", "l"],
    ),
  );
  const allClass = classRows.map((r) => med(r.delays.map((d) => d ?? Infinity)));
  console.log(
    `single-class floods, all ${labels.length} classes: median delay ${Math.min(...allClass)}–${Math.max(...allClass)} (slowest: ${slowest.name})`,
  );
  console.log(
    `For comparison: alibi-detect's online detectors report ~13 samples to detect with a window of 20 at an expected run time (ERT) of 150, i.e. a false alarm every ~150 requests; here α = 1e-6 per test per request buys no false alarm over 10,000 requests at the price of a longer delay.`,
  );
  // The picture: the Bag flood of seed 1, with the p-values the detector saw.
  const all1 = shuffled(all, seeds[0]!)
    .slice(0, PREFIX)
    .map((i) => observation(test, i));
  const bag = shuffled(flood("Bag"), seeds[0]! + 1000)
    .slice(0, SHIFTED)
    .map((i) => observation(test, i));
  const run = runStream([...all1, ...bag], labels, ref, true, labels.indexOf("Bag"));
  const firstBelow = run.p!.classes.findIndex((_, i) => Math.min(run.p!.classes[i]!, run.p!.confidence[i]!, run.p!.ood[i]!) < 1e-6) + 1;
  if (firstBelow !== run.alerts[0])
    log(`note: the recomputed p-values first fall below α at request ${firstBelow}, the detector alerted at ${run.alerts[0]}`);
  writeFileSync(
    "bench/out/drift.png",
    await sharp(
      Buffer.from(driftSvg(`Drift: ${PREFIX} in-domain test images, then only "Bag" (seed ${seeds[0]})`, run, 1e-6, PREFIX, "Bag")),
    )
      .png()
      .toBuffer(),
  );
  console.log("\nPicture: bench/out/drift.png");
} else log(`Drift detection skipped: ${ref ? "no out-of-domain sets" : "the model has no drift_reference"}.`);

// ---- the report (report/), served at /report ----
const reportDir = process.env.REPORT_DIR ?? "report";
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });
writeFileSync(join(reportDir, "confusion-matrix.png"), matrixPng);
/** The test images the model got most confidently wrong. */
const topLosses = Array.from({ length: count }, (_, i) => i)
  .filter((i) => test.label[i] !== truth[i])
  .map((i) => ({ index: i, predicted: test.label[i]!, confidence: test.confidence[i]! }))
  .sort((a, b) => b.confidence - a.confidence)
  .slice(0, 24);
for (const [n, loss] of topLosses.entries()) {
  const png = await sharp(images.subarray(loss.index * 784, (loss.index + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
  writeFileSync(join(reportDir, `loss-${String(n + 1).padStart(2, "0")}.png`), png);
}
const props = readMetadataProps(readFileSync(modelPath));
let training: ModelReport["model"]["training"] = null;
try {
  training = props.training ? JSON.parse(props.training) : null;
} catch {
  training = { data: props.training };
}
const oodCalibration = props.ood ? (JSON.parse(props.ood) as { calibration?: string }) : undefined;
const info = model.info;
const flaggedShare = (p: Predictions) => p.flagged.reduce((a, b) => a + b, 0) / p.n;
const report: ModelReport = {
  generated_at: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  model: {
    file: modelPath.split("/").pop()!,
    bytes: statSync(modelPath).size,
    sha256: createHash("sha256").update(readFileSync(modelPath)).digest("hex"),
    labels,
    size: info.size,
    channels: info.channels,
    mean: info.mean,
    std: info.std,
    resize: info.resize,
    output: info.output,
    ...(info.domain ? { domain: info.domain } : {}),
    training,
  },
  test_set: { name: "Fashion-MNIST t10k (all 10,000 test images)", n: count },
  accuracy: correct / count,
  per_class: labels.map((label, j) => {
    const predictedAs = confusion.reduce((sum, row) => sum + row[j]!, 0);
    const support = confusion[j]!.reduce((a, b) => a + b, 0);
    return {
      label,
      precision: predictedAs ? +(confusion[j]![j]! / predictedAs).toFixed(4) : 0,
      recall: support ? +(confusion[j]![j]! / support).toFixed(4) : 0,
      support,
    };
  }),
  confusion_png: "confusion-matrix.png",
  top_losses: topLosses.map((l, n) => ({
    index: l.index,
    true: labels[truth[l.index]!]!,
    predicted: labels[l.predicted]!,
    confidence: +l.confidence.toFixed(4),
    image: `loss-${String(n + 1).padStart(2, "0")}.png`,
  })),
  ood: info.ood
    ? {
        threshold: info.ood.threshold,
        warned_in_domain: flaggedShare(test),
        ...(oodCalibration?.calibration ? { calibration: oodCalibration.calibration } : {}),
        // Per set: the share the score warned about (out-of-domain sets: detection; shifted: warned).
        sets: Object.fromEntries(
          Object.entries(preds).map(([name, p]) => [
            name,
            { ...(name in shippedAuroc ? { auroc: +shippedAuroc[name]!.toFixed(4) } : {}), warned: +flaggedShare(p).toFixed(4) },
          ]),
        ),
      }
    : null,
};
writeFileSync(join(reportDir, "report.json"), `${JSON.stringify(report, null, 1)}\n`);
console.log(`\nReport: ${reportDir}/ (served at /report; commit it with the model)`);

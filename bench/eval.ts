/**
 * `npm run eval`: all 10,000 Fashion-MNIST test images through the full pipeline (PNG bytes →
 * header check → worker decode → batched ONNX inference). Prints accuracy, per-class recall
 * and the confusion matrix, and draws the matrix to bench/out/confusion-matrix.png.
 * Needs Debian's dataset-fashion-mnist (or FASHION_MNIST_DIR pointing at the IDX files).
 *
 * It also writes the model's report to `report/` (REPORT_DIR), which the Space serves at
 * /report: report.json (accuracy, per-class precision and recall, top losses, out-of-domain
 * figures, the model's metadata) with the confusion matrix and the top losses as PNGs. Commit
 * it with the model.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import sharp from "sharp";
import { loadClassifier, oodOf } from "../src/index.ts";
import { readMetadataProps } from "../src/classifier/model-info.ts";
import type { ModelReport } from "../src/report/page.ts";

const dir = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
const modelPath = process.argv[2] ?? "model.onnx";
if (!existsSync(`${dir}/t10k-images-idx3-ubyte.gz`)) {
  console.error(`No Fashion-MNIST test set in ${dir}: apt-get install dataset-fashion-mnist (or set FASHION_MNIST_DIR).`);
  process.exit(1);
}
const images = gunzipSync(readFileSync(`${dir}/t10k-images-idx3-ubyte.gz`)).subarray(16); // IDX header: magic, count, rows, cols
const truth = gunzipSync(readFileSync(`${dir}/t10k-labels-idx1-ubyte.gz`)).subarray(8); // magic, count
const count = truth.length;

const model = await loadClassifier(modelPath);
const labels = model.info.labels;
const k = labels.length;
const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
let correct = 0;
let done = 0;
let warned = 0;
/** Wrong predictions: the test image, its prediction and how sure the model was. */
const wrong: { index: number; predicted: number; confidence: number }[] = [];
const started = performance.now();

const progress = () => {
  const width = 30;
  const filled = Math.round((done / count) * width);
  const rate = done / ((performance.now() - started) / 1000);
  process.stderr.write(`\r[${"█".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${count}  ${rate.toFixed(0)} img/s  accuracy so far ${((100 * correct) / Math.max(done, 1)).toFixed(2)} %`);
};

// Chunks of 256 in flight: enough for the micro-batcher to fill its batches.
for (let start = 0; start < count; start += 256) {
  const ids = Array.from({ length: Math.min(256, count - start) }, (_, i) => start + i);
  await Promise.all(
    ids.map(async (i) => {
      const png = await sharp(images.subarray(i * 784, (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
      const probs = await model.classify(png);
      const [top, confidence] = Object.entries(probs).reduce((a, b) => (b[1] > a[1] ? b : a));
      const predicted = labels.indexOf(top);
      confusion[truth[i]!]![predicted]!++;
      if (predicted === truth[i]) correct++;
      else wrong.push({ index: i, predicted, confidence });
      if (oodOf(probs)?.out_of_domain) warned++;
      done++;
    }),
  );
  progress();
}
process.stderr.write("\n");

// Shifted in-domain pictures (the garments inverted: dark on light), for the out-of-domain figures.
let invertedWarned = 0;
let invertedCorrect = 0;
const SHIFTED = 2000;
if (model.info.ood) {
  for (let start = 0; start < SHIFTED; start += 256) {
    const ids = Array.from({ length: Math.min(256, SHIFTED - start) }, (_, i) => start + i);
    await Promise.all(
      ids.map(async (i) => {
        const pixels = Buffer.from(images.subarray(i * 784, (i + 1) * 784).map((v) => 255 - v));
        const probs = await model.classify(await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
        if (oodOf(probs)?.out_of_domain) invertedWarned++;
        if (Object.entries(probs).reduce((a, b) => (b[1] > a[1] ? b : a))[0] === labels[truth[i]!]) invertedCorrect++;
      }),
    );
  }
}
await model.close();

const seconds = (performance.now() - started) / 1000;
console.log(`\n${modelPath}: accuracy ${((100 * correct) / count).toFixed(2)} % on ${count} test images (${seconds.toFixed(1)} s, ${(count / seconds).toFixed(0)} img/s)\n`);
const short = labels.map((l) => l.slice(0, 8));
console.log(`${"true \\ predicted".padEnd(14)}${short.map((s) => s.padStart(9)).join("")}   recall`);
confusion.forEach((row, i) => {
  const total = row.reduce((a, b) => a + b, 0);
  console.log(`${labels[i]!.slice(0, 13).padEnd(14)}${row.map((n) => String(n).padStart(9)).join("")}   ${((100 * row[i]!) / total).toFixed(1)} %`);
});

// The matrix as a picture: cells shaded by the share of each true class, counts written in.
const cell = 64, left = 130, top = 120;
const size = { w: left + k * cell + 70, h: top + k * cell + 20 };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const cells = confusion.flatMap((row, i) => {
  const total = row.reduce((a, b) => a + b, 0);
  return row.map((n, j) => {
    const share = n / total;
    const light = Math.round(97 - share * 62);
    const fill = i === j ? `hsl(150,55%,${light}%)` : `hsl(5,70%,${light}%)`;
    return `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"/>` +
      `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 5}" text-anchor="middle" font-size="15" fill="${share > 0.5 ? "#fff" : "#222"}">${n}</text>`;
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

// ---- the report (report/), served at /report ----
const reportDir = process.env.REPORT_DIR ?? "report";
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });
writeFileSync(join(reportDir, "confusion-matrix.png"), matrixPng);
const topLosses = wrong.sort((a, b) => b.confidence - a.confidence).slice(0, 24);
for (const [n, loss] of topLosses.entries()) {
  const png = await sharp(images.subarray(loss.index * 784, (loss.index + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
  writeFileSync(join(reportDir, `loss-${String(n + 1).padStart(2, "0")}.png`), png);
}
const props = readMetadataProps(readFileSync(modelPath));
let training: ModelReport["model"]["training"] = null;
try {
  training = props.training ? JSON.parse(props.training) : null;
} catch {
  training = { data: props.training };
}
const oodCalibration = props.ood ? (JSON.parse(props.ood) as { calibration?: string; calibration_n?: number }) : undefined;
const info = model.info;
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
    return { label, precision: predictedAs ? +(confusion[j]![j]! / predictedAs).toFixed(4) : 0, recall: support ? +(confusion[j]![j]! / support).toFixed(4) : 0, support };
  }),
  confusion_png: "confusion-matrix.png",
  top_losses: topLosses.map((l, n) => ({ index: l.index, true: labels[truth[l.index]!]!, predicted: labels[l.predicted]!, confidence: +l.confidence.toFixed(4), image: `loss-${String(n + 1).padStart(2, "0")}.png` })),
  ood: info.ood
    ? {
        threshold: info.ood.threshold,
        warned_in_domain: warned / count,
        ...(oodCalibration?.calibration ? { calibration: oodCalibration.calibration } : {}),
        sets: { [`inverted test images 0–${SHIFTED - 1} (shifted; accuracy ${((100 * invertedCorrect) / SHIFTED).toFixed(1)} %)`]: { warned: invertedWarned / SHIFTED } },
      }
    : null,
};
writeFileSync(join(reportDir, "report.json"), JSON.stringify(report, null, 1) + "\n");
console.log(`Report: ${reportDir}/ (served at /report; commit it with the model)`);

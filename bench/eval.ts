/**
 * `npm run eval`: all 10,000 Fashion-MNIST test images through the full pipeline (PNG bytes →
 * header check → worker decode → batched ONNX inference). Prints accuracy, per-class recall
 * and the confusion matrix, and draws the matrix to bench/out/confusion-matrix.png.
 * Needs Debian's dataset-fashion-mnist (or FASHION_MNIST_DIR pointing at the IDX files).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import sharp from "sharp";
import { loadClassifier } from "../src/index.ts";

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
      const predicted = labels.indexOf(Object.entries(probs).reduce((a, b) => (b[1] > a[1] ? b : a))[0]);
      confusion[truth[i]!]![predicted]!++;
      if (predicted === truth[i]) correct++;
      done++;
    }),
  );
  progress();
}
process.stderr.write("\n");
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
writeFileSync("bench/out/confusion-matrix.png", await sharp(Buffer.from(svg)).png().toBuffer());
console.log("\nPicture: bench/out/confusion-matrix.png");

/**
 * The out-of-domain part of `npm run eval` (issue 10): every image of the sets made by
 * bench/ood/make_sets.py goes through the full pipeline (PNG bytes → `model.classify`), and the
 * shipped score (`oodOf(...).score`) is compared with two logit-only baselines computed from
 * the same predictions: max-softmax (1 − max p) and energy (−logsumexp of the logits).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import sharp from "sharp";
import type { Classifier } from "../src/classifier/index.ts";
import { oodOf } from "../src/ood.ts";

export const OOD_DIR = "bench/ood/data";
/** One line each, from make_sets.py's docstring. */
export const OOD_SETS: Record<string, string> = {
  digits:
    "0–9 in 84 Debian fonts, MNIST-normalised (20×20 box, centre of mass centred), random stroke, ±15° rotation, shear, ±2 px shift, slight blur: an MNIST stand-in",
  letters: "A–Z a–z through the same pipeline: an EMNIST-letters stand-in",
  photos: "random square crops of 16 skimage photos (astronaut, Chelsea the cat, coffee, moon, …), grayscale, area-resized, not inverted",
  faces: "skimage's 200 LFW faces (25×25 grey), random crop/flip, resized to 28×28",
  shapes: "1–3 circles, ellipses, rectangles, triangles or lines, outline or filled, white/grey on black",
  noise: "half uniform per-pixel noise with a random mean/contrast, half Gaussian noise smoothed with σ 1–3",
  icons: "Debian PNG icons (/usr/share/icons, /usr/share/pixmaps) composited on black, letterboxed to 28×28",
};
export const SHIFTED_SETS: Record<string, string> = {
  "fashion-inverted": "t10k 5000–9999, 255 − x (black garment on a white background)",
  "fashion-blurred": "t10k 5000–9999, Gaussian blur σ 1.5",
  "fashion-rot90": "t10k 5000–9999, rotated 90° counter-clockwise",
};

/** What the pipeline returned for a set of images, in order. */
export interface Predictions {
  n: number;
  k: number;
  /** n × k probabilities (the Label's confidences). */
  probs: Float32Array;
  /** `oodOf(...).score` and `.out_of_domain`. */
  score: Float64Array;
  flagged: Uint8Array;
  label: Uint8Array;
  confidence: Float64Array;
}

/** A uint8 .npy array (numpy's format 1.0–3.0, C order): its shape and bytes. */
export function readNpy(path: string): { shape: number[]; data: Uint8Array } {
  const buf = readFileSync(path);
  if (buf.readUInt32BE(0) !== 0x934e554d) throw new Error(`${path} is not a .npy file`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString("latin1");
  if (!/'descr':\s*'\|u1'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new Error(`${path}: expected uint8 in C order, got ${header.trim()}`);
  const shape = header
    .match(/'shape':\s*\(([^)]*)\)/)![1]!
    .split(",")
    .filter((s) => s.trim())
    .map(Number);
  return {
    shape,
    data: new Uint8Array(
      buf.buffer,
      buf.byteOffset + start + headerLen,
      shape.reduce((a, b) => a * b, 1),
    ),
  };
}

/** The sets, regenerated with make_sets.py when missing (if Debian's python3 can); null if they cannot be had. */
export function ensureSets(log: (s: string) => void): boolean {
  const names = [...Object.keys(OOD_SETS), ...Object.keys(SHIFTED_SETS)];
  const missing = () => names.filter((s) => !existsSync(`${OOD_DIR}/${s}.npy`));
  if (missing().length === 0) return true;
  const how =
    "/usr/bin/python3 bench/ood/make_sets.py (needs python3-numpy python3-scipy python3-pil python3-skimage, dataset-fashion-mnist and the fonts listed in bench/ood/README.md)";
  if (!existsSync("/usr/bin/python3")) {
    log(`Out-of-domain sets missing in ${OOD_DIR} (${missing().join(", ")}) and /usr/bin/python3 is not installed: make them with ${how}.`);
    return false;
  }
  log(`Out-of-domain sets missing in ${OOD_DIR} (${missing().join(", ")}): running make_sets.py (~10 s)…`);
  const r = spawnSync("/usr/bin/python3", ["bench/ood/make_sets.py"], { stdio: ["ignore", process.stderr, process.stderr] });
  if (r.status !== 0 || missing().length) {
    log(`make_sets.py failed (exit ${r.status}); the out-of-domain figures are skipped. Make the sets with ${how}.`);
    return false;
  }
  return true;
}

/** A model's copy without the OOD outputs and keys (training/add_metadata.py --no-ood), made if missing; null if it cannot be. */
export function noOodCopy(modelPath: string, log: (s: string) => void): string | null {
  const out = `bench/models/${basename(modelPath, ".onnx")}-no-ood.onnx`;
  if (existsSync(out)) return out;
  if (!existsSync("/usr/bin/python3")) {
    log(
      `${out} is missing and /usr/bin/python3 is not installed (apt-get install python3-onnx; then python3 training/add_metadata.py ${modelPath} --out ${out} --no-ood).`,
    );
    return null;
  }
  const r = spawnSync("/usr/bin/python3", ["training/add_metadata.py", modelPath, "--out", out, "--no-ood"], {
    stdio: ["ignore", process.stderr, process.stderr],
  });
  if (r.status !== 0 || !existsSync(out)) {
    log(`Could not make ${out} (exit ${r.status}; apt-get install python3-onnx).`);
    return null;
  }
  return out;
}

/** 28×28 grey images (n × 784 bytes) as PNG files, the way a client would send them. */
export async function toPngs(pixels: Uint8Array, n: number): Promise<Buffer[]> {
  const out: Buffer[] = new Array(n);
  for (let start = 0; start < n; start += 512) {
    await Promise.all(
      Array.from({ length: Math.min(512, n - start) }, async (_, j) => {
        const i = start + j;
        out[i] = await sharp(pixels.subarray(i * 784, (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } })
          .png()
          .toBuffer();
      }),
    );
  }
  return out;
}

/** A progress bar on stderr, in the style eval.ts has always drawn. */
export function progressBar(what: string, count: number) {
  const started = performance.now();
  return (done: number, extra = "") => {
    const width = 30;
    const filled = Math.round((done / count) * width);
    const rate = done / ((performance.now() - started) / 1000);
    process.stderr.write(
      `\r${what.padEnd(18)} [${"█".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${count}  ${rate.toFixed(0)} img/s${extra}   `,
    );
  };
}

/** Every PNG through `model.classify`, 256 in flight (enough for the micro-batcher to fill its batches). */
export async function classifyAll(
  model: Classifier,
  pngs: Buffer[],
  what: string,
  onEach?: (i: number, p: Predictions) => string,
): Promise<Predictions> {
  const n = pngs.length;
  const labels = model.info.labels;
  const k = labels.length;
  const p: Predictions = {
    n,
    k,
    probs: new Float32Array(n * k),
    score: new Float64Array(n),
    flagged: new Uint8Array(n),
    label: new Uint8Array(n),
    confidence: new Float64Array(n),
  };
  const bar = progressBar(what, n);
  let done = 0;
  let extra = "";
  for (let start = 0; start < n; start += 256) {
    await Promise.all(
      Array.from({ length: Math.min(256, n - start) }, async (_, j) => {
        const i = start + j;
        const confidences = await model.classify(pngs[i]!);
        let best = 0;
        labels.forEach((l, c) => {
          p.probs[i * k + c] = confidences[l]!;
          if (confidences[l]! > p.probs[i * k + best]!) best = c;
        });
        p.label[i] = best;
        p.confidence[i] = p.probs[i * k + best]!;
        const ood = oodOf(confidences);
        if (!ood) throw new Error("model.classify returned no out-of-domain score");
        p.score[i] = ood.score;
        p.flagged[i] = ood.out_of_domain ? 1 : 0;
        done++;
        if (onEach) extra = onEach(i, p);
      }),
    );
    bar(done, extra);
  }
  process.stderr.write("\n");
  return p;
}

/** Rows i of `p`, as a new Predictions. */
export function slice(p: Predictions, from: number, to: number): Predictions {
  const k = p.k;
  return {
    n: to - from,
    k,
    probs: p.probs.subarray(from * k, to * k),
    score: p.score.subarray(from, to),
    flagged: p.flagged.subarray(from, to),
    label: p.label.subarray(from, to),
    confidence: p.confidence.subarray(from, to),
  };
}

/** AUROC = P(out > in) + ½ P(tie), from ranks (ties get their average rank); higher score = more out of domain. */
export function auroc(inn: ArrayLike<number>, out: ArrayLike<number>): number {
  const all = [...Array.from(inn, (v) => [v, 0] as const), ...Array.from(out, (v) => [v, 1] as const)].sort((a, b) => a[0] - b[0]);
  let rankOut = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const rank = (i + 1 + j) / 2; // average of ranks i+1 … j
    for (let m = i; m < j; m++) if (all[m]![1] === 1) rankOut += rank;
    i = j;
  }
  const nOut = out.length;
  return (rankOut - (nOut * (nOut + 1)) / 2) / (inn.length * nOut);
}

/** ROC points (false-positive rate, true-positive rate), at most ~400 of them. */
export function roc(inn: ArrayLike<number>, out: ArrayLike<number>): [number, number][] {
  const thresholds = [...new Set([...Array.from(inn), ...Array.from(out)])].sort((a, b) => b - a);
  const step = Math.max(1, Math.floor(thresholds.length / 400));
  const si = Float64Array.from(inn).sort();
  const so = Float64Array.from(out).sort();
  const above = (sorted: Float64Array, t: number) => {
    // how many ≥ t
    let lo = 0,
      hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return sorted.length - lo;
  };
  const pts: [number, number][] = [[0, 0]];
  for (let i = 0; i < thresholds.length; i += step)
    pts.push([above(si, thresholds[i]!) / si.length, above(so, thresholds[i]!) / so.length]);
  pts.push([1, 1]);
  return pts;
}

/** The q-quantile (linear interpolation, numpy's default). */
export function quantile(xs: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(xs).sort();
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo]! + (pos - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}

/**
 * Max-softmax, 1 − max p. Summed over the other classes rather than subtracted: in float32 a
 * confident p rounds to 1 and 1 − p to 0, which would tie most in-domain images; the small
 * probabilities keep their relative precision. Same value, far fewer ties.
 */
export function maxSoftmax(p: Predictions): Float64Array {
  const out = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    let s = 0;
    for (let c = 0; c < p.k; c++) if (c !== p.label[i]) s += p.probs[i * p.k + c]!;
    out[i] = s;
  }
  return out;
}

/**
 * Energy, −logsumexp(logits). It cannot be had from the probabilities the Label returns:
 * log p_j = l_j − logsumexp(l), so "logits recovered as log p" are shifted by a different
 * constant per image, and that constant is exactly the energy (logsumexp(log p) = 0 for every
 * image). So the energy comes from the same pipeline run on a copy of the model without the OOD
 * outputs (add_metadata.py --no-ood; identical logits): for such a model the runtime's fallback
 * score is σ(−logsumexp(l) + log K) (src/classifier/ood-score.ts), which we invert. The caller
 * checks that the copy's probabilities match the shipped model's, i.e. the same predictions.
 */
export function energyFromFallback(p: Predictions): Float64Array {
  const out = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    const s = p.score[i]!;
    out[i] = Math.log(s / (1 - s)) - Math.log(p.k);
  }
  return out;
}

export interface OodMethod {
  name: string;
  /** Scores of t10k 0–4999 (calibration), 5000–9999 (evaluation), and each set. */
  cal: ArrayLike<number>;
  eval: ArrayLike<number>;
  sets: Record<string, ArrayLike<number>>;
  /** Flags as the pipeline set them (the shipped score); otherwise the 95th percentile of `cal` is the threshold. */
  flags?: { cal: Uint8Array; eval: Uint8Array; sets: Record<string, Uint8Array> };
}

export interface OodRow {
  set: string;
  n: number;
  auroc: Record<string, number>;
  detected: Record<string, number>;
}

/** AUROC (5000–9999 vs each set) and detection rate at the threshold for every method. */
export function oodTable(methods: OodMethod[], sets: string[]) {
  const warnedShare = (m: OodMethod, scores: ArrayLike<number>, flags?: Uint8Array) => {
    if (flags) return flags.reduce((a, b) => a + b, 0) / flags.length;
    const t = quantile(m.cal, 0.95);
    return Array.from(scores).filter((s) => s > t).length / scores.length;
  };
  const rows: OodRow[] = sets.map((s) => ({
    set: s,
    n: methods[0]!.sets[s]!.length,
    auroc: Object.fromEntries(methods.map((m) => [m.name, auroc(m.eval, m.sets[s]!)])),
    detected: Object.fromEntries(methods.map((m) => [m.name, warnedShare(m, m.sets[s]!, m.flags?.sets[s])])),
  }));
  const falseWarnings = Object.fromEntries(
    methods.map((m) => [
      m.name,
      {
        eval: warnedShare(m, m.eval, m.flags?.eval),
        all: warnedShare(
          m,
          [...Array.from(m.cal), ...Array.from(m.eval)],
          m.flags ? Uint8Array.from([...m.flags.cal, ...m.flags.eval]) : undefined,
        ),
      },
    ]),
  );
  return { rows, falseWarnings };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** ROC curves, one panel per set, every method in each: the SVG for bench/out/ood-scores.png. */
export function rocSvg(methods: OodMethod[], sets: string[], colours: string[]): string {
  const cols = 5,
    pw = 210,
    ph = 210,
    gap = 46,
    left = 50,
    top = 100;
  const rows = Math.ceil(sets.length / cols);
  const W = left + cols * (pw + gap),
    H = top + rows * (ph + gap + 40) - 30;
  const panels = sets.map((s, idx) => {
    const x0 = left + (idx % cols) * (pw + gap),
      y0 = top + Math.floor(idx / cols) * (ph + gap + 40);
    const curves = methods.map((m, mi) => {
      const pts = roc(m.eval, m.sets[s]!)
        .map(([fx, ty]) => `${(x0 + fx * pw).toFixed(1)},${(y0 + ph - ty * ph).toFixed(1)}`)
        .join(" ");
      return `<polyline points="${pts}" fill="none" stroke="${colours[mi]}" stroke-width="${mi === 0 ? 2.2 : 1.4}"${mi === 0 ? "" : ' stroke-dasharray="5,3"'}/>`;
    });
    const aucs = methods.map(
      (m, mi) =>
        `<text x="${x0 + pw - 4}" y="${y0 + ph - 8 - (methods.length - 1 - mi) * 15}" text-anchor="end" font-size="12" fill="${colours[mi]}">${auroc(m.eval, m.sets[s]!).toFixed(3)}</text>`,
    );
    return `<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#999"/>
<line x1="${x0}" y1="${y0 + ph}" x2="${x0 + pw}" y2="${y0}" stroke="#ccc" stroke-dasharray="3,3"/>
<line x1="${x0 + 0.05 * pw}" y1="${y0}" x2="${x0 + 0.05 * pw}" y2="${y0 + ph}" stroke="#e3b04b" stroke-width="1"/>
<text x="${x0 + pw / 2}" y="${y0 - 8}" text-anchor="middle" font-size="14" font-weight="bold">${esc(s)}</text>
<text x="${x0 + pw / 2}" y="${y0 + ph + 16}" text-anchor="middle" font-size="11" fill="#555">false-warning rate (in-domain)</text>
<text transform="translate(${x0 - 8},${y0 + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#555">detected</text>
${curves.join("\n")}
${aucs.join("\n")}`;
  });
  const legend =
    `<text x="${W / 2}" y="48" text-anchor="middle" font-size="13" fill="#555">AUROC at the bottom right of each panel; orange line: 5 % false warnings</text>` +
    methods
      .map(
        (m, mi) =>
          `<text x="${left + mi * 300}" y="72" font-size="14" fill="${colours[mi]}">${mi === 0 ? "━━" : "╌╌"} ${esc(m.name)}</text>`,
      )
      .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="26" text-anchor="middle" font-size="19" font-weight="bold">ROC, t10k 5000–9999 vs each set, full pipeline</text>
${legend}
${panels.join("\n")}
</svg>`;
}

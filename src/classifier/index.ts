/**
 * `loadClassifier("model.onnx")` → `classify(image)` → `{label: probability}`.
 * Decoding, resizing, normalising and inference run in worker threads; concurrent calls are
 * coalesced into micro-batches, so many clients share one `session.run()`.
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { createBatcher } from "./batcher.ts";
import { deserializeError } from "../errors.ts";
import type { DecodeBackend } from "./decode.ts";
import type { BatchRequest, WorkerConfig, WorkerMessage } from "./messages.ts";
import { DEFAULT_MAX_PIXELS, type ImageFile } from "../image-file.ts";
import type { ModelInfo } from "./model-info.ts";
import { confidencesOf } from "./tensor.ts";

/**
 * Options of {@link loadClassifier}; each has an environment variable for deployments.
 *
 * @example
 * await loadClassifier("model.onnx", { workers: 1, threads: 2, backend: "jimp" })
 *
 * @example
 * const model: Classifier = await loadClassifier("model.onnx");
 * console.log(model.info.labels, await model.classify(bytes));
 * await model.close();
 */
export interface ClassifierOptions {
  /** Worker threads, each with its own session (`CLASSIFIER_WORKERS`, default 1: one session already uses every core, and a second only adds memory; see bench/README.md). */
  workers?: number;
  /** ONNX Runtime intra-op threads per worker (`CLASSIFIER_THREADS`, default: the cores). */
  threads?: number;
  /** Largest micro-batch (default 32). */
  maxBatchSize?: number;
  /** How long a request may wait for others to join its batch while a worker is idle (default 0: calls made in the same tick still share a batch, and under load batches fill while the workers are busy). */
  maxWaitMs?: number;
  /** Image decoder (`IMAGE_BACKEND`, default "sharp"; "jimp" is pure JavaScript). */
  backend?: DecodeBackend;
  /** Images above this many pixels are refused before decoding (default 50 MP). */
  maxPixels?: number;
}

/**
 * Probabilities by label, in the model's label order. Each classification also carries its
 * out-of-domain score: `oodOf(confidences)` (src/ood.ts).
 *
 * @example
 * const scores: Confidences = { Bag: 0.97, Sneaker: 0.02, Shirt: 0.01 };
 */
export type Confidences = Record<string, number>;

/** A loaded model, ready to classify. */
export interface Classifier {
  /** What the model's metadata says: labels, input size, channels, normalisation. */
  readonly info: ModelInfo;
  /** Classifies one image (a validated {@link ImageFile}, or raw encoded bytes). */
  classify(image: ImageFile | Uint8Array): Promise<Confidences>;
  /** Stops the workers; pending calls are rejected. */
  close(): Promise<void>;
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

const WORKER_ENTRY = new URL("./worker.ts", import.meta.url).href;
/** Beside an esbuild bundle of the app (a Space host's build makes one: host/build/bundle.ts), the worker's own bundle. */
export const BUNDLED_WORKER = "classifier-worker.mjs";

function startWorker(config: WorkerConfig): Worker {
  // Bundled, this module is JavaScript and the worker is plain JavaScript beside it.
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL(`./${BUNDLED_WORKER}`, import.meta.url), { workerData: config });
  // Node 20 cannot run .ts in a worker by itself: register tsx inside the worker, then import the entry.
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY)}); });`;
  return new Worker(code, { eval: true, workerData: config });
}

interface Slot {
  worker: Worker;
  /** Its worker exited and could not be replaced. */
  dead?: boolean;
  inFlight?: { id: number; resolve: (m: WorkerMessage & { type: "batch" }) => void; reject: (e: Error) => void };
}

/**
 * Loads an ONNX image classifier. Its labels and preprocessing come from the model's own
 * metadata (see training/README.md), so any ONNX image model with that metadata drops in.
 *
 * @example
 * const model = await loadClassifier("model.onnx");
 * await model.classify(await readFile("examples/sneaker.png")); // → { Sneaker: 0.98, Sandal: 0.01, … }
 */
export async function loadClassifier(path: string, options: ClassifierOptions = {}): Promise<Classifier> {
  const env = process.env;
  const workers = options.workers ?? positive(env.CLASSIFIER_WORKERS, 1);
  const backend = options.backend ?? (env.IMAGE_BACKEND === "jimp" ? "jimp" : "sharp");
  if (env.IMAGE_BACKEND && env.IMAGE_BACKEND !== "jimp" && env.IMAGE_BACKEND !== "sharp") {
    throw new Error(`IMAGE_BACKEND must be "sharp" or "jimp", got ${JSON.stringify(env.IMAGE_BACKEND)}.`);
  }
  const config: WorkerConfig = {
    modelPath: resolve(path),
    threads: options.threads ?? positive(env.CLASSIFIER_THREADS, availableParallelism()),
    backend,
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
  };
  let closed = false;
  let nextId = 0;

  const spawn = (slot: Partial<Slot>, onReady?: (info: ModelInfo) => void, onFailed?: (e: Error) => void): Slot => {
    const worker = startWorker(config);
    worker.unref(); // an idle classifier must not keep the process alive; dispatch refs it while busy
    slot.worker = worker;
    slot.dead = false;
    let ready = false;
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "ready") {
        ready = true;
        onReady?.(m.info);
      } else if (m.type === "failed") onFailed?.(deserializeError(m.error));
      else {
        const pending = slot.inFlight;
        if (!pending || pending.id !== m.id) return;
        slot.inFlight = undefined;
        worker.unref();
        if (m.type === "batch") pending.resolve(m);
        else pending.reject(deserializeError(m.error));
      }
    });
    worker.on("error", (err) => onFailed?.(err));
    worker.on("exit", (code) => {
      const pending = slot.inFlight;
      slot.inFlight = undefined;
      pending?.reject(new Error(`The classifier worker stopped unexpectedly (exit code ${code}).`));
      // A worker that crashed after loading is replaced, so one bad batch does not take the Space
      // down; one that never loaded is not (it would fail the same way forever).
      if (closed || slot.worker !== worker) return;
      if (ready) spawn(slot);
      else slot.dead = true;
    });
    return slot as Slot;
  };

  const slots: Slot[] = [];
  const infos = await Promise.all(
    Array.from(
      { length: workers },
      () => new Promise<ModelInfo>((ok, fail) => slots.push(spawn({}, ok, (e) => fail(new Error(`Could not load ${path}: ${e.message}`))))),
    ),
  ).catch(async (err: Error) => {
    closed = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw err;
  });
  const info = infos[0]!;

  const runBatch = async (images: (ImageFile | Uint8Array)[]): Promise<(Confidences | Error)[]> => {
    const slot = slots.find((s) => !s.inFlight && !s.dead);
    if (closed || !slot)
      throw new Error(closed ? "The classifier is closed." : "No classifier worker is running: see the log for why they stopped.");
    // Pack every image into one buffer, transferred (not cloned) to the worker.
    const parts = images.map((img) => (img instanceof Uint8Array ? { bytes: img } : img));
    const buffer = new ArrayBuffer(parts.reduce((n, p) => n + p.bytes.byteLength, 0));
    let offset = 0;
    const spans: BatchRequest["images"] = parts.map((p) => {
      new Uint8Array(buffer, offset, p.bytes.byteLength).set(p.bytes);
      const span = { start: offset, end: offset + p.bytes.byteLength, header: "header" in p ? p.header : undefined };
      offset = span.end;
      return span;
    });
    const id = nextId++;
    const reply = await new Promise<WorkerMessage & { type: "batch" }>((resolve, reject) => {
      slot.inFlight = { id, resolve, reject };
      slot.worker.ref();
      const request: BatchRequest = { id, buffer, images: spans };
      slot.worker.postMessage(request, [buffer]);
    });
    const k = info.labels.length;
    return reply.errors.map((error, i) =>
      error ? deserializeError(error) : confidencesOf(info, reply.probabilities.subarray(i * k, (i + 1) * k), reply.ood[i]!),
    );
  };

  const add = createBatcher({
    maxBatchSize: options.maxBatchSize ?? 32,
    // A batch's images are copied into one buffer on the event loop: 16 MB is ~5 ms of it.
    maxBatchWeight: 16 * 2 ** 20,
    weigh: (image: ImageFile | Uint8Array) => (image instanceof Uint8Array ? image : image.bytes).byteLength,
    maxWaitMs: options.maxWaitMs ?? 0,
    concurrency: workers,
    run: runBatch,
  });

  return {
    info,
    classify: (image) => add(image),
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

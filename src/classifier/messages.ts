/**
 * What the main thread (index.ts) and a classifier worker (worker.ts) say to each other. Kept
 * apart from worker.ts because that file's top level starts a worker: importing its types from
 * the main thread must not run it.
 */
import type { SerializedError } from "../errors.ts";
import type { ImageHeader } from "../image-file.ts";
import type { DecodeBackend } from "./decode.ts";
import type { ModelInfo } from "./model-info.ts";

/**
 * Set once when the worker starts (its `workerData`).
 *
 * @example
 * new Worker(entry, { workerData: { modelPath: "/app/model.onnx", threads: 2, backend: "sharp", maxPixels: 50e6 } satisfies WorkerConfig });
 */
export interface WorkerConfig {
  modelPath: string;
  threads: number;
  backend: DecodeBackend;
  maxPixels: number;
}

/**
 * main → worker: one batch; all images packed into one transferred buffer.
 *
 * @example
 * worker.postMessage({ id: 7, buffer, images: [{ start: 0, end: 1834 }] } satisfies BatchRequest, [buffer]);
 */
export interface BatchRequest {
  id: number;
  buffer: ArrayBuffer;
  /** [start, end) of each image in `buffer`, and its header when the caller already read it. */
  images: { start: number; end: number; header?: ImageHeader }[];
}

/**
 * worker → main: `ready` or `failed` once, then one `batch` or `batch-failed` per request.
 *
 * @example
 * worker.on("message", (m: WorkerMessage) => m.type === "ready" && console.log(m.info.labels));
 */
export type WorkerMessage =
  | { type: "ready"; info: ModelInfo }
  | { type: "failed"; error: SerializedError }
  | { type: "batch"; id: number; probabilities: Float32Array; ood: Float32Array; errors: (SerializedError | null)[] }
  | { type: "batch-failed"; id: number; error: SerializedError };

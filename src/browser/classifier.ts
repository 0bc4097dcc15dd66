/**
 * `loadClassifier("model.onnx")` in the visitor's browser: the same model, metadata and
 * arithmetic as the server's (src/classifier/), run by onnxruntime-web's WASM backend instead of
 * onnxruntime-node in worker threads. Pixels come from the browser's own decoder, resized as sharp
 * resizes (resize.ts), so both give the same confidences.
 */
import * as ort from "onnxruntime-web/wasm";
import { InputError } from "../errors.ts";
import { type ImageFile, readImageHeader } from "../image-file.ts";
import { type ModelInfo, parseModelInfo, readMetadataProps } from "../classifier/model-info.ts";
import { confidencesOf, scoreRows, writeTensor } from "../classifier/tensor.ts";
import { bandsOf, fitTo } from "./resize.ts";
import { whyOnServer } from "./where.ts";

/** What the page shows while the model downloads: bytes so far, and the total when the server said it. */
export interface ModelProgress {
  loaded: number;
  total: number | undefined;
}

/** The event the page listens to for {@link ModelProgress} (on `window`). */
export const MODEL_PROGRESS = "static-space:model-progress";

/** Where the build put onnxruntime-web's WASM, relative to the page. */
const ORT_WASM = "ort/ort-wasm-simd-threaded.wasm";

/**
 * A loaded model, as src/classifier/index.ts's `Classifier`.
 *
 * @example
 * const model: BrowserClassifier = await loadClassifier("model.onnx");
 * await model.classify(bytes); // → { Sneaker: 0.98, … }
 */
export interface BrowserClassifier {
  readonly info: ModelInfo;
  classify(image: ImageFile | Uint8Array): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Fetches `url`, announcing progress as the bytes arrive. */
async function download(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`Could not download ${url.pathname}: HTTP ${response.status}.`);
  const total = Number(response.headers.get("content-length")) || undefined;
  const parts: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.byteLength;
    window.dispatchEvent(new CustomEvent<ModelProgress>(MODEL_PROGRESS, { detail: { loaded, total } }));
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

/** The picture's RGBA pixels, EXIF orientation applied (as sharp's `rotate()`), colours as stored. */
async function decode(bytes: Uint8Array, header: ImageFile["header"]): Promise<{ rgba: Uint8ClampedArray; width: number; height: number }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      imageOrientation: "from-image",
      colorSpaceConversion: "none",
      premultiplyAlpha: "none",
    });
  } catch (err) {
    throw new InputError(
      `Could not decode the ${header.format.toUpperCase()} image (${header.width}×${header.height}, ${bytes.length} bytes): ${(err as Error).message}. The file may be truncated or damaged, or this browser cannot decode ${header.format.toUpperCase()}.`,
    );
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { rgba: context.getImageData(0, 0, canvas.width, canvas.height).data, width: canvas.width, height: canvas.height };
}

/**
 * Loads an ONNX image classifier in the browser; its labels and preprocessing come from the
 * model's own metadata, as on the server.
 *
 * @example
 * const model = await loadClassifier("model.onnx");
 * await model.classify(new Uint8Array(await (await fetch("examples/bag.png")).arrayBuffer())); // → { Bag: 0.99, … }
 */
export async function loadClassifier(path: string): Promise<BrowserClassifier> {
  const elsewhere = whyOnServer();
  if (elsewhere) throw new Error(`The app runs on its server: ${elsewhere}.`); // not a model this browser would not run
  // The .wasm only: its JavaScript loader is in this bundle (onnxruntime-web's "bundle" build).
  ort.env.wasm.wasmPaths = { wasm: new URL(ORT_WASM, document.baseURI).href };
  // Threads need a cross-origin isolated page (SharedArrayBuffer), which a plain static host is not.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const model = await download(new URL(path, document.baseURI));
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  } catch (err) {
    throw new Error(`Could not load ${path}: ${(err as Error).message}`);
  }
  const output = session.outputNames[0]!;
  const meta = session.outputMetadata.find((m) => m.name === output);
  const classes = meta?.isTensor && typeof meta.shape[1] === "number" ? meta.shape[1] : undefined;
  const info = parseModelInfo(readMetadataProps(model), classes);
  const oodOutput = info.ood?.output;
  if (oodOutput && !session.outputNames.includes(oodOutput))
    throw new Error(
      `The model's "ood" metadata names the output ${JSON.stringify(oodOutput)}, which the graph does not have (it has ${session.outputNames.join(", ")}).`,
    );
  const [h, w] = info.size;
  // One run at a time: a WASM session refuses a run while another is under way.
  let queue: Promise<unknown> = Promise.resolve();

  const classify = async (image: ImageFile | Uint8Array) => {
    const bytes = image instanceof Uint8Array ? image : image.bytes;
    const header = image instanceof Uint8Array ? readImageHeader(bytes) : image.header;
    const { rgba, width, height } = await decode(bytes, header);
    const pixels = fitTo(bandsOf(rgba, width, height, info.channels), info.size, info.resize);
    const tensor = new Float32Array(info.channels * h * w);
    writeTensor({ data: pixels.data, channels: pixels.bands }, info, tensor);
    const run = queue.then(() =>
      session.run(
        { [session.inputNames[0]!]: new ort.Tensor("float32", tensor, [1, info.channels, h, w]) },
        oodOutput ? [output, oodOutput] : [output],
      ),
    );
    queue = run.catch(() => undefined);
    const results = await run;
    const scores = results[output]!.data as Float32Array;
    const ood = scoreRows(info, scores, oodOutput ? (results[oodOutput]!.data as Float32Array) : undefined);
    return confidencesOf(info, scores, ood[0]!);
  };

  return { info, classify, close: () => session.release() };
}

/**
 * A classifier worker thread: owns one ONNX session, decodes each batch's images and runs the
 * batch. The main thread (index.ts) only moves bytes in and probabilities out.
 */
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { serializeError, type SerializedError } from "../errors.ts";
import { readImageHeader } from "../image-file.ts";
import { imageToTensor } from "./decode.ts";
import type { BatchRequest, WorkerConfig, WorkerMessage } from "./messages.ts";
import { parseModelInfo, readMetadataProps } from "./model-info.ts";
import { createSession, describeSession, runSession } from "./onnx.ts";
import { scoreRows } from "./tensor.ts";

const port = parentPort!;
const config = workerData as WorkerConfig;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  const model = await readFile(config.modelPath);
  const session = await createSession(model, { threads: config.threads });
  const { outputDims } = describeSession(session);
  const classes = typeof outputDims[1] === "number" ? outputDims[1] : undefined;
  const info = parseModelInfo(readMetadataProps(model), classes);
  const [h, w] = info.size;
  const perImage = info.channels * h * w;
  const k = info.labels.length;
  // The model's own out-of-domain output, when it has the calibration and the output it names.
  const oodOutput = info.ood && session.outputNames.includes(info.ood.output) ? info.ood.output : undefined;
  if (info.ood && !oodOutput)
    throw new Error(
      `The model's "ood" metadata names the output ${JSON.stringify(info.ood.output)}, which the graph does not have (it has ${session.outputNames.join(", ")}).`,
    );

  port.on("message", async ({ id, buffer, images }: BatchRequest) => {
    try {
      const tensor = new Float32Array(images.length * perImage);
      const errors = await Promise.all(
        images.map(async ({ start, end, header }, i): Promise<SerializedError | null> => {
          try {
            const bytes = new Uint8Array(buffer, start, end - start);
            const head = header ?? readImageHeader(bytes, config.maxPixels);
            await imageToTensor(bytes, head, info, config.backend, config.maxPixels, tensor.subarray(i * perImage, (i + 1) * perImage));
            return null;
          } catch (err) {
            return serializeError(err);
          }
        }),
      );
      // Only decodable images go to the model; a bad image fails its own caller, not the batch.
      const good = errors.flatMap((e, i) => (e ? [] : [i]));
      const probabilities = new Float32Array(images.length * k);
      const ood = new Float32Array(images.length);
      if (good.length > 0) {
        const input = good.length === images.length ? tensor : new Float32Array(good.length * perImage);
        if (input !== tensor) {
          good.forEach((src, dst) => {
            input.set(tensor.subarray(src * perImage, (src + 1) * perImage), dst * perImage);
          });
        }
        const { scores, extra } = await runSession(session, input, [good.length, info.channels, h, w], oodOutput);
        if (scores.length !== good.length * k)
          throw new Error(`The model returned ${scores.length} scores for ${good.length} images of ${k} classes.`);
        const scored = scoreRows(info, scores, extra);
        good.forEach((src, dst) => {
          ood[src] = scored[dst]!;
          probabilities.set(scores.subarray(dst * k, (dst + 1) * k), src * k);
        });
      }
      post({ type: "batch", id, probabilities, ood, errors }, [probabilities.buffer as ArrayBuffer, ood.buffer as ArrayBuffer]);
    } catch (err) {
      post({ type: "batch-failed", id, error: serializeError(err) });
    }
  });
  post({ type: "ready", info });
} catch (err) {
  post({ type: "failed", error: serializeError(err) });
}

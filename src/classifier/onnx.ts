/**
 * The only file that imports onnxruntime-node (as transformers.js keeps ORT behind
 * backends/onnx.js). It is loaded inside classifier workers only: `session.run()` does its
 * native work on the calling thread and would stall the server's event loop for the whole
 * inference (measured: 320 ms with a ResNet-18 batch of 8).
 */
import * as ort from "onnxruntime-node";

export type Session = ort.InferenceSession;

/**
 * Creates an inference session from a model's bytes.
 *
 * @example
 * const session = await createSession(await readFile("model.onnx"), { threads: 2 });
 */
export async function createSession(model: Uint8Array, { threads }: { threads: number }): Promise<Session> {
  return ort.InferenceSession.create(model, {
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    // Idle ORT threads spin by default, burning the cores that decoding, HTTP and the other
    // workers need between batches.
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  });
}

/** Shape facts of a session's single image input and single output. */
export function describeSession(session: Session): {
  inputName: string;
  outputName: string;
  inputDims: readonly (number | string)[];
  outputDims: readonly (number | string)[];
} {
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const dims = (meta: ort.InferenceSession.ValueMetadata | undefined) => (meta?.isTensor ? meta.shape : []);
  return {
    inputName,
    outputName,
    inputDims: dims(session.inputMetadata.find((m) => m.name === inputName)),
    outputDims: dims(session.outputMetadata.find((m) => m.name === outputName)),
  };
}

/**
 * Runs a float32 NCHW batch through the session and returns the first output as [batch, classes],
 * and the output named `extra` too when asked (the model's out-of-domain distance). Only the
 * outputs asked for are computed.
 *
 * @example
 * const { scores } = await runSession(session, pixels, [8, 3, 224, 224]); // Float32Array of 8 × classes
 * const { extra } = await runSession(session, pixels, [8, 1, 28, 28], "ood_distance"); // Float32Array of 8
 */
export async function runSession(
  session: Session,
  input: Float32Array,
  dims: number[],
  extra?: string,
): Promise<{ scores: Float32Array; extra?: Float32Array }> {
  const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", input, dims) };
  const first = session.outputNames[0]!;
  const results = await session.run(feeds, extra ? [first, extra] : [first]);
  return { scores: results[first]!.data as Float32Array, ...(extra ? { extra: results[extra]!.data as Float32Array } : {}) };
}

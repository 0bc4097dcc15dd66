/**
 * The framework's public surface in the visitor's browser (`npm run build:static` puts it in place
 * of src/index.ts): the same names an `app.ts` imports, with `loadClassifier` on onnxruntime-web
 * and `launch()` answering the page in the page (transport.ts) instead of starting a server.
 * What only a server can do is not exported here, so an app that imports it fails at build time,
 * naming the file and line (docs/static-space.md).
 *
 * @example
 * import { Interface, Image, Label, loadClassifier } from "./src/index.ts"; // this file, in a static build
 * const model = await loadClassifier("model.onnx");
 * await new Interface({ fn: (img) => model.classify(img), inputs: new Image(), outputs: new Label({ numTopClasses: 3 }) }).launch();
 */
import type { Transport } from "../../ui/client.ts";
import { Interface as Definition } from "../interface.ts";
import { inPageTransport } from "./transport.ts";

export type { InterfaceOptions, ComponentLike } from "../interface.ts";
export { Component, type ComponentOptions, type PreprocessContext } from "../components/component.ts";
export { Image, type ImageOptions } from "../components/image.ts";
export { Label, type LabelOptions } from "../components/label.ts";
export { Textbox } from "../components/textbox.ts";
export { NumberInput } from "../components/number.ts";
export { AppError, InputError } from "../errors.ts";
export { loadClassifier, type BrowserClassifier as Classifier } from "./classifier.ts";
export type { Confidences } from "../classifier/index.ts";
export type { ImageFile, ImageHeader, ImageFormat } from "../image-file.ts";
export type { ModelInfo, OodCalibration, DriftReference } from "../classifier/model-info.ts";
export { oodOf, withOod, type OodScore } from "../ood.ts";

let launched: ((transport: Transport) => void) | undefined;

/**
 * The transport the first `launch()` gives the page: the page waits on it for its config.
 *
 * @example
 * useTransport(launchedTransport());
 */
export function launchedTransport(): Promise<Transport> {
  return new Promise((resolve) => {
    launched = resolve;
  });
}

/**
 * The Interface, whose `launch()` serves the page in the page.
 *
 * @example
 * await new Interface({ fn, inputs: new Image(), outputs: new Label() }).launch();
 */
export class Interface extends Definition {
  /** Hands this Interface to the page; the options of the server's `launch()` mean nothing here and are ignored. */
  async launch(_options?: unknown): Promise<void> {
    if (!launched) throw new Error("launch() was called twice: a static Space shows one Interface.");
    launched(inPageTransport(this));
    launched = undefined;
  }
}

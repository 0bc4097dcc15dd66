/**
 * The framework's public surface: everything an `app.ts` needs, nothing else.
 *
 * @example
 * import { Interface, Image, Label, loadClassifier } from "./src/index.ts";
 * const model = await loadClassifier("model.onnx");
 * await new Interface({ fn: (img) => model.classify(img), inputs: new Image(), outputs: new Label({ numTopClasses: 3 }) }).launch();
 */
export { Interface, type InterfaceOptions, type ComponentLike } from "./interface.ts";
export { Component, type ComponentOptions, type PreprocessContext } from "./components/component.ts";
export { Image, type ImageOptions } from "./components/image.ts";
export { Label, type LabelOptions } from "./components/label.ts";
export { Textbox } from "./components/textbox.ts";
export { NumberInput } from "./components/number.ts";
export { AppError, InputError } from "./errors.ts";
export { loadClassifier, type Classifier, type ClassifierOptions, type Confidences } from "./classifier/index.ts";
export type { ImageFile, ImageHeader, ImageFormat } from "./image-file.ts";
export type { ModelInfo, OodCalibration, DriftReference } from "./classifier/model-info.ts";
export { oodOf, withOod, type OodScore } from "./ood.ts";
export { createApp, type AppOptions, type SpaceApp } from "./gradio/app.ts";
export { launch, type LaunchOptions, type Server } from "./gradio/launch.ts";

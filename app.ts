// The Space: a Fashion-MNIST classifier. Swap model.onnx (and examples/) for any ONNX image
// classifier whose metadata names its labels and input size (training/README.md): no code change.
import { readdirSync } from "node:fs";
import { Image, Interface, Label, loadClassifier } from "./src/index.ts";

const model = await loadClassifier("model.onnx");

await new Interface({
  fn: (image) => model.classify(image),
  inputs: new Image({ label: "image" }),
  // Each label carries an out-of-domain score; with the model's info, the page names what it was
  // trained on and the monitor compares live traffic with it.
  outputs: new Label({ label: "prediction", numTopClasses: 3, model: model.info }),
  title: "Fashion-MNIST classifier",
  description: `Upload a picture of a garment and the model says which of ${model.info.labels.length} classes it belongs to: ${model.info.labels.join(", ")}.`,
  article:
    "Trained on Fashion-MNIST (28×28 grayscale, light garments on black), so it does best on similar pictures. See training/README.md.",
  examples: readdirSync("examples")
    .filter((f) => /\.(png|jpe?g|webp|gif)$/i.test(f))
    .sort()
    .map((f) => `examples/${f}`),
}).launch();

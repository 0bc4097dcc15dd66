// gradio demo/image_mod/run.py, in TypeScript: an image in, the image rotated by 45° out (sharp
// instead of PIL; sharp grows the canvas to fit the rotated picture, PIL's rotate crops it).
// The examples are this repository's own pictures (Gradio's demo ships photos of cheetahs).
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

const example = (name: string) => fileURLToPath(new URL(`../../${name}`, import.meta.url));

function image_mod(image: gr.ImageFile) {
  return sharp(image.bytes).rotate(45);
}

export const demo = new gr.Interface({
  fn: image_mod,
  inputs: new gr.Image(),
  outputs: new gr.Image({ format: "png" }),
  examples: [example("bag.png"), example("sneaker.png"), example("dress.png")],
});

if (isMain(import.meta.url)) await demo.launch();

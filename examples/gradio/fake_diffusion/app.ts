// gradio demo/fake_diffusion/run.py, in TypeScript: a generator of images from a Slider. Each
// step yields random noise (made with sharp instead of numpy); the last yield is solid orange.
import sharp from "sharp";
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

// Gradio's demo sleeps 1 s a step; tests set FAKE_DIFFUSION_STEP_MS to go faster.
const STEP_MS = Number(process.env.FAKE_DIFFUSION_STEP_MS ?? 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* fake_diffusion(steps: number) {
  for (let i = 0; i < steps; i++) {
    await sleep(STEP_MS);
    yield sharp({
      create: { width: 600, height: 600, channels: 3, background: "black", noise: { type: "gaussian", mean: 128, sigma: 64 } },
    }).png();
  }
  yield sharp({ create: { width: 1000, height: 1000, channels: 3, background: { r: 255, g: 124, b: 0 } } }).png();
}

export const demo = new gr.Interface({
  fn: fake_diffusion,
  inputs: new gr.Slider({ minimum: 1, maximum: 10, value: 3, step: 1 }),
  outputs: new gr.Image(),
});

if (isMain(import.meta.url)) await demo.launch();

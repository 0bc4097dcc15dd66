// gradio demo/fake_gan/run.py, in TypeScript: a Button fills a Gallery with three captioned
// pictures. Gradio's picks photos from the web; this one paints them with sharp.
import sharp from "sharp";
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

const colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];

function fake_gan() {
  return [0, 1, 2].map((i) => {
    const colour = colours[Math.floor(Math.random() * colours.length)]!;
    return [sharp({ create: { width: 256, height: 256, channels: 3, background: colour } }).png(), `label ${i}`] as [
      gr.ImageOutput,
      string,
    ];
  });
}

export const demo = new gr.Blocks(() => {
  const gallery = new gr.Gallery({
    label: "Generated images",
    showLabel: false,
    elemId: "gallery",
    columns: 3,
    rows: 1,
    objectFit: "contain",
    height: "auto",
  });
  const btn = new gr.Button({ value: "Generate images", scale: 0 });
  btn.click(fake_gan, null, gallery);
});

if (isMain(import.meta.url)) await demo.launch();

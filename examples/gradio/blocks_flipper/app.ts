// gradio demo/blocks_flipper/run.py, in TypeScript: Tabs, a Row, an Accordion, Markdown; the image is flipped with sharp.
import sharp from "sharp";
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

function flip_text(x: string) {
  return [...x].reverse().join("");
}

// np.fliplr: mirror left to right. sharp's flop() does that; the Image output encodes it.
function flip_image(x: gr.ImageFile) {
  return sharp(x.bytes).flop();
}

export const demo = new gr.Blocks(() => {
  new gr.Markdown("Flip text or image files using this demo.");
  let text_input!: gr.Textbox;
  let text_output!: gr.Textbox;
  let text_button!: gr.Button;
  let image_input!: gr.Image;
  let image_output!: gr.Image;
  let image_button!: gr.Button;
  new gr.Tab("Flip Text", () => {
    text_input = new gr.Textbox();
    text_output = new gr.Textbox();
    text_button = new gr.Button("Flip");
  });
  new gr.Tab("Flip Image", () => {
    new gr.Row(() => {
      image_input = new gr.Image();
      image_output = new gr.Image();
    });
    image_button = new gr.Button("Flip");
  });

  new gr.Accordion("Open for More!", () => {
    new gr.Markdown("Look at me...");
    const temp_slider = new gr.Slider({ minimum: 0.0, maximum: 1.0, value: 0.1, step: 0.1, interactive: true, label: "Slide me" });
    temp_slider.change((x: number) => x, [temp_slider]);
  });

  text_button.click(flip_text, text_input, text_output);
  image_button.click(flip_image, image_input, image_output);
});

if (isMain(import.meta.url)) await demo.launch();

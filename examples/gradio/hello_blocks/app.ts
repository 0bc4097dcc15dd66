// gradio demo/hello_blocks/run.py, in TypeScript: `with gr.Blocks() as demo:` is a callback.
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

function greet(name: string) {
  return `Hello ${name}!`;
}

export const demo = new gr.Blocks(() => {
  const name = new gr.Textbox({ label: "Name" });
  const output = new gr.Textbox({ label: "Output Box" });
  const greet_btn = new gr.Button("Greet");
  greet_btn.click({ fn: greet, inputs: name, outputs: output, apiName: "greet" });
});

if (isMain(import.meta.url)) await demo.launch();

// gradio demo/chatinterface_multimodal/run.py, in TypeScript: a multimodal ChatInterface (text
// with files attached) whose fn echoes the message's text; the endpoint is /chat.
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

function echo(message: gr.MultimodalValue, _history: gr.ChatMessage[]) {
  return message.text;
}

export const demo = new gr.ChatInterface({
  fn: echo,
  examples: [{ text: "hello" }, { text: "hola" }, { text: "merhaba" }],
  title: "Echo Bot",
  multimodal: true,
});

if (isMain(import.meta.url)) await demo.launch();

// gradio demo/chatinterface_streaming_echo/run.py, in TypeScript: a generator streams the reply
// as it grows; the endpoint is /chat. (Gradio's demo also turns on flagging and save_history,
// which this server's ChatInterface does not have yet.)
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* slow_echo(message: string, _history: gr.ChatMessage[]) {
  for (let i = 0; i < message.length; i++) {
    await sleep(50);
    yield `You typed: ${message.slice(0, i + 1)}`;
  }
}

export const demo = new gr.ChatInterface({ fn: slow_echo });

if (isMain(import.meta.url)) await demo.launch();

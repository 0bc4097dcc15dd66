// A State demo: a counter per browser session (gr.State), as in gradio's guide "State in Blocks".
// Each visitor (each session_hash) counts on its own; the count never leaves the server.
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

function increment(count: number) {
  return [count + 1, count + 1];
}

function reset() {
  gr.info("Counter reset.");
  return [0, 0];
}

export const demo = new gr.Blocks({ title: "Counter" }, () => {
  new gr.Markdown("# A counter per session\nEach visitor has their own count, kept on the server.");
  const count = new gr.State({ value: 0 });
  const shown = new gr.Number({ label: "Count", value: 0 });
  new gr.Row(() => {
    new gr.Button({ value: "Increment", variant: "primary" }).click(increment, count, [count, shown]);
    new gr.Button("Reset").click(reset, null, [count, shown]);
  });
});

if (isMain(import.meta.url)) await demo.launch();

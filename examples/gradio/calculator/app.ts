// gradio demo/calculator/run.py, in TypeScript: an Interface with examples, and gr.Error on a division by zero.
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

function calculator(num1: number, operation: string, num2: number) {
  if (operation === "add") return num1 + num2;
  if (operation === "subtract") return num1 - num2;
  if (operation === "multiply") return num1 * num2;
  if (operation === "divide") {
    if (num2 === 0) throw new gr.GradioError("Cannot divide by zero!");
    return num1 / num2;
  }
}

export const demo = new gr.Interface({
  fn: calculator,
  inputs: ["number", new gr.Radio({ choices: ["add", "subtract", "multiply", "divide"] }), "number"],
  outputs: "number",
  examples: [
    [5, "add", 3],
    [4, "divide", 2],
    [-4, "multiply", 2.5],
    [0, "subtract", 1.2],
  ],
  title: "Toy Calculator",
  description: "Here's a sample toy calculator. Allows you to calculate things like $2+2=4$",
});

if (isMain(import.meta.url)) await demo.launch();

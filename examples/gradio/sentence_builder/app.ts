// gradio demo/sentence_builder/run.py, in TypeScript: an Interface over six kinds of input.
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

function sentence_builder(quantity: number, animal: string, countries: string[], place: string, activity_list: string[], morning: boolean) {
  return `The ${quantity} ${animal}s from ${countries.join(" and ")} went to the ${place} where they ${activity_list.join(" and ")} until the ${morning ? "morning" : "night"}`;
}

export const demo = new gr.Interface({
  fn: sentence_builder,
  inputs: [
    new gr.Slider({ minimum: 2, maximum: 20, value: 4, label: "Count", info: "Choose between 2 and 20" }),
    new gr.Dropdown({ choices: ["cat", "dog", "bird"], label: "Animal", info: "Will add more animals later!" }),
    new gr.CheckboxGroup({ choices: ["USA", "Japan", "Pakistan"], label: "Countries", info: "Where are they from?" }),
    new gr.Radio({ choices: ["park", "zoo", "road"], label: "Location", info: "Where did they go?" }),
    new gr.Dropdown({
      choices: ["ran", "swam", "ate", "slept"],
      value: ["swam", "slept"],
      multiselect: true,
      label: "Activity",
      info: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed auctor, nisl eget ultricies aliquam, nunc nisl aliquet nunc, eget aliquam nisl nunc vel nisl.",
    }),
    new gr.Checkbox({ label: "Morning", info: "Did they do it in the morning?" }),
  ],
  outputs: "text",
  examples: [
    [2, "cat", ["Japan", "Pakistan"], "park", ["ate", "swam"], true],
    [4, "dog", ["Japan"], "zoo", ["ate", "swam"], false],
    [10, "bird", ["USA", "Pakistan"], "road", ["ran"], false],
    [8, "cat", ["Pakistan"], "zoo", ["ate"], true],
  ],
});

if (isMain(import.meta.url)) await demo.launch();

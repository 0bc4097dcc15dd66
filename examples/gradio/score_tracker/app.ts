// gradio demo/score_tracker/run.py, in TypeScript: the scores live in the module, shared by every visitor, as in the original.
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

const scores: number[] = [];

function track_score(score: number) {
  scores.push(score);
  const top_scores = [...scores].sort((a, b) => b - a).slice(0, 3);
  return top_scores;
}

export const demo = new gr.Interface({
  fn: track_score,
  inputs: new gr.Number({ label: "Score" }),
  outputs: new gr.JSON({ label: "Top Scores" }),
});

if (isMain(import.meta.url)) await demo.launch();

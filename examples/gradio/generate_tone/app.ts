// gradio demo/generate_tone/run.py, in TypeScript: a note, an octave and a duration in; the tone
// out as Gradio's numpy pair [sampleRate, samples], which the Audio output writes as a WAV.
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

const notes = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

function generate_tone(note: number, octave: number, duration: string) {
  const sr = 48000;
  const [a4_freq, tones_from_a4] = [440, 12 * (octave - 4) + (note - 9)];
  const frequency = a4_freq * 2 ** (tones_from_a4 / 12);
  const seconds = Math.trunc(Number(duration));
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 60)
    throw new gr.GradioError("Duration must be a whole number of seconds, 0 to 60.");
  // np.linspace(0, duration, duration * sr), then 20000 * sin(2π f t) as int16.
  const n = seconds * sr;
  const audio = Int16Array.from({ length: n }, (_, i) =>
    Math.trunc(20000 * Math.sin(((seconds * i) / Math.max(1, n - 1)) * 2 * Math.PI * frequency)),
  );
  return [sr, audio];
}

export const demo = new gr.Interface({
  fn: generate_tone,
  inputs: [
    new gr.Dropdown({ choices: notes, type: "index" }),
    new gr.Slider({ minimum: 4, maximum: 6, step: 1 }),
    new gr.Textbox({ value: "1", label: "Duration in seconds" }),
  ],
  outputs: new gr.Audio(),
});

if (isMain(import.meta.url)) await demo.launch();

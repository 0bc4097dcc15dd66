// gradio demo/stream_audio_out, in TypeScript, in the Interface form of Gradio's first version
// of it (the one in @gradio/upload's changelog): an audio file in, played back as it streams
// out in chunks from a generator. pydub is not here, so the input must be a WAV (read with the
// framework's RIFF reader) and each chunk is 1 s of it as WAV bytes (Gradio's: 3 s as MP3),
// short enough for the page's test to hear three chunks quickly. Gradio's current run.py is a
// Blocks with "Stream as File" (WAV or MP3, which needs an encoder) and "Stream as Bytes".
import { readFile } from "node:fs/promises";
import * as gr from "../../../src/index.ts";
import { isMain } from "../main.ts";

// A pause between chunks, so the streaming shows (Gradio's current demo sleeps 0.5 s); tests set it lower.
const PAUSE_MS = Number(process.env.STREAM_AUDIO_OUT_PAUSE_MS ?? 500);
const CHUNK_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* stream_audio(audio_file: string | null) {
  if (!audio_file) throw new gr.GradioError("Please upload an audio file first.");
  let wav: gr.Wav;
  try {
    wav = gr.parseWav(await readFile(audio_file));
  } catch (err) {
    throw new gr.GradioError(`This demo streams WAV files only (it has no decoder for other formats): ${(err as Error).message}.`);
  }
  const { sampleRate, channels, bitsPerSample } = wav.format;
  const frame = (channels * bitsPerSample) / 8;
  const chunk_size = Math.round((sampleRate * CHUNK_MS) / 1000) * frame;
  for (let at = 0; at < wav.data.length; at += chunk_size) {
    if (at > 0) await sleep(PAUSE_MS);
    yield gr.writeWav(wav.fmtChunk, [wav.data.subarray(at, at + chunk_size)]);
  }
}

export const demo = new gr.Interface({
  fn: stream_audio,
  inputs: new gr.Audio({ type: "filepath", label: "Audio file to stream" }),
  outputs: new gr.Audio({ autoplay: true, streaming: true }),
});

if (isMain(import.meta.url)) await demo.launch();

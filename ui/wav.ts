/**
 * A microphone recording as a WAV file: MediaRecorder gives the browser's own container (WebM
 * or Ogg with Opus in Chromium and Firefox, MP4 in Safari), which a server has to decode with
 * ffmpeg; Gradio's recorder sends WAV, so the page decodes the recording and writes 16-bit PCM.
 */

/**
 * Decodes an audio blob and encodes it as a 16-bit PCM WAV (channels and rate kept).
 *
 * @example
 * const wav = await toWav(new Blob(chunks, { type: recorder.mimeType }));
 * await upload(wav, "recording.wav");
 */
export async function toWav(recording: Blob): Promise<Blob> {
  const context = new AudioContext();
  try {
    const audio = await context.decodeAudioData(await recording.arrayBuffer());
    return encodeWav(audio);
  } finally {
    void context.close();
  }
}

/** The samples of `audio`, interleaved, as a RIFF/WAVE file. */
export function encodeWav(audio: AudioBuffer): Blob {
  const channels = audio.numberOfChannels;
  const frames = audio.length;
  const bytes = frames * channels * 2;
  const view = new DataView(new ArrayBuffer(44 + bytes));
  const text = (offset: number, s: string) => {
    for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i));
  };
  text(0, "RIFF");
  view.setUint32(4, 36 + bytes, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true); // the fmt chunk's size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channels * 2, true); // bytes per second
  view.setUint16(32, channels * 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  text(36, "data");
  view.setUint32(40, bytes, true);
  const data = Array.from({ length: channels }, (_, ch) => audio.getChannelData(ch));
  let offset = 44;
  for (let i = 0; i < frames; i++)
    for (let ch = 0; ch < channels; ch++) {
      const sample = Math.max(-1, Math.min(1, data[ch]![i]!));
      view.setInt16(offset, sample < 0 ? sample * 0x8000 : sample * 0x7fff, true);
      offset += 2;
    }
  return new Blob([view.buffer], { type: "audio/wav" });
}

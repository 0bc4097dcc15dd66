/**
 * Audio (gradio js/audio). Out: an `<audio controls>` of the FileData (`autoplay` as the prop
 * says); with `streaming` each value a generator yields is a chunk, and the chunks play one after
 * another; the call's final value (the whole sound, joined by the server) waits for the last
 * chunk to end, then sits in the player paused, to be played again from the start. In: the `sources` Gradio offers: "upload" (a file picker, `audio/*`) and "microphone"
 * (Record / Stop with MediaRecorder, where the browser has it; the take is sent as WAV, as
 * Gradio's recorder does); the result plays in the same `<audio>` and is uploaded once when an
 * event needs it. Events: `upload`, `start_recording`, `stop_recording`, `clear`, `play`,
 * `pause`, `stop` (the end), `change`/`input`.
 */
import type { ComponentConfig, FileData } from "../../src/gradio/protocol.ts";
import { upload } from "../client.ts";
import { h } from "../dom.ts";
import { toWav } from "../wav.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { block, fieldId, labelText, type Widget, type WidgetContext } from "./widget.ts";

/** A take or a file the user gave, not yet uploaded. */
type Local = { blob: Blob; name: string; url: string; sent?: FileData };

export function audio(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const sources = Array.isArray(p.sources) ? (p.sources as string[]) : ["upload", "microphone"];
  const canRecord = typeof MediaRecorder !== "undefined" && !!navigator.mediaDevices?.getUserMedia;
  const player = h("audio", { controls: true, preload: ctx.interactive ? "metadata" : "auto", "aria-label": labelText(c), hidden: true });
  if (p.loop === true) player.loop = true;
  const empty = h("p", { class: "placeholder" }, "No audio");
  const picker = h("input", { type: "file", id: fieldId(c, "-upload"), accept: "audio/*", class: "visually-hidden" });
  const pick = h("label", { for: fieldId(c, "-upload"), class: "button secondary small" }, "Upload audio");
  const record = h("button", { type: "button", class: "secondary small", "aria-pressed": "false" }, "Record");
  const remove = h("button", { type: "button", class: "secondary small", hidden: true }, "Remove");
  const recording = h("span", { class: "recording", role: "status" });
  const tools = h(
    "div",
    { class: "media-tools" },
    sources.includes("upload") ? picker : null,
    sources.includes("upload") ? pick : null,
    sources.includes("microphone") && canRecord ? record : null,
    remove,
    recording,
  );
  const { element, setLabel } = block(c, "audio", [player, empty, tools]);

  let remote: FileData | null = null;
  let local: Local | null = null;
  /** Streamed chunks waiting for the one playing to end. */
  const chunks: string[] = [];
  /** The last chunk's URL while a stream plays (a cancelled call's final value is that chunk again). */
  let lastChunk: string | null = null;
  /** The whole sound, shown once the chunks have played. */
  let whole: string | null = null;
  let recorder: MediaRecorder | null = null;

  const show = (src: string | null) => {
    player.hidden = !src;
    empty.hidden = !!src;
    if (src) player.src = src;
    else player.removeAttribute("src");
    remove.hidden = !src || tools.hidden;
  };
  const clearLocal = () => {
    if (local) URL.revokeObjectURL(local.url);
    local = null;
  };
  const playNext = () => {
    const src = chunks.shift();
    if (!src) return;
    show(src);
    void player.play().catch(() => {}); // the browser may want a gesture first: the controls are there
  };

  /** The stream has played out: the whole sound replaces the last chunk, paused at the start. */
  const showWhole = () => {
    if (whole) show(whole);
    whole = lastChunk = null;
  };

  const set = (value: unknown, how?: { yielded?: boolean }) => {
    clearLocal();
    remote = isFileData(value) ? value : null;
    if (p.streaming === true && remote && !ctx.interactive) {
      const src = fileUrl(remote);
      if (how?.yielded) {
        // A generator's chunk: queue it behind the one playing.
        whole = null;
        lastChunk = src;
        chunks.push(src);
        if (player.paused || player.ended || player.hidden) playNext();
        return;
      }
      if (lastChunk !== null) {
        // The final value after chunks: no replay and no interruption, it waits for them to end.
        if (src !== lastChunk) whole = src;
        if (!chunks.length && (player.paused || player.ended)) showWhole();
        return;
      }
    }
    chunks.length = 0;
    whole = lastChunk = null;
    show(remote ? fileUrl(remote) : null);
    if (remote && p.autoplay === true) void player.play().catch(() => {});
  };
  const take = (blob: Blob, name: string) => {
    clearLocal();
    remote = null;
    local = { blob, name, url: URL.createObjectURL(blob) };
    show(local.url);
    ctx.edited();
  };

  picker.addEventListener("change", () => {
    const file = picker.files?.[0];
    picker.value = "";
    if (!file) return;
    take(file, file.name);
    ctx.emit("upload");
  });
  record.addEventListener("click", async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      ctx.error("The microphone is not available (permission refused, or none found).");
      return;
    }
    const parts: Blob[] = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (e) => parts.push(e.data));
    recorder.addEventListener("stop", async () => {
      for (const track of stream.getTracks()) track.stop();
      const type = recorder?.mimeType ?? "audio/webm";
      recorder = null;
      record.textContent = "Record";
      record.setAttribute("aria-pressed", "false");
      recording.textContent = "";
      const raw = new Blob(parts, { type });
      // WAV as Gradio sends; should the browser not decode its own take, send that as it is.
      const wav = await toWav(raw).catch(() => null);
      take(wav ?? raw, wav ? "recording.wav" : `recording.${type.includes("ogg") ? "ogg" : "webm"}`);
      ctx.emit("stop_recording");
    });
    recorder.start();
    record.textContent = "Stop recording";
    record.setAttribute("aria-pressed", "true");
    recording.textContent = "Recording…";
    ctx.emit("start_recording");
  });
  remove.addEventListener("click", () => {
    set(null);
    ctx.edited();
    ctx.emit("clear");
  });
  player.addEventListener("play", () => ctx.emit("play"));
  player.addEventListener("pause", () => {
    if (!player.ended) ctx.emit("pause");
  });
  player.addEventListener("ended", () => {
    if (chunks.length) playNext();
    else {
      if (whole) showWhole();
      ctx.emit("stop");
    }
  });

  const setInteractive = (on: boolean) => {
    tools.hidden = !on;
    remove.hidden = !on || player.hidden;
  };
  setInteractive(ctx.interactive);
  set(p.value);

  return {
    element,
    async read() {
      if (!local) return remote;
      local.sent ??= await upload(local.blob, local.name);
      return local.sent;
    },
    peek: () => (local ? { path: `local:${local.name}:${local.blob.size}` } : remote),
    set,
    setInteractive,
    setLabel,
  };
}

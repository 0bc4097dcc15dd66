/**
 * Video (gradio js/video). Out: a `<video controls>` of the value (`autoplay`, `loop` as the
 * props say). In: a file picker (`video/*`), previewed in the same player and uploaded once when
 * an event needs it. The wire value is Gradio's VideoData, `{video: FileData, subtitles}`; a
 * bare FileData is read too. Events: `upload`, `clear`, `play`, `pause`, `stop` (the end),
 * `change`/`input`.
 */
import type { ComponentConfig, FileData } from "../../src/gradio/protocol.ts";
import { upload } from "../client.ts";
import { h } from "../dom.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { block, fieldId, labelText, type Widget, type WidgetContext } from "./widget.ts";

/** The video's FileData in a wire value (VideoData or FileData). */
function videoOf(value: unknown): FileData | null {
  if (typeof value === "object" && value !== null && "video" in value) {
    const video = (value as { video: unknown }).video;
    return isFileData(video) ? video : null;
  }
  return isFileData(value) ? value : null;
}

export function video(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const player = h("video", { controls: true, preload: "metadata", playsinline: true, "aria-label": labelText(c), hidden: true });
  if (p.loop === true) player.loop = true;
  const empty = h("p", { class: "placeholder" }, "No video");
  const picker = h("input", { type: "file", id: fieldId(c, "-upload"), accept: "video/*", class: "visually-hidden" });
  const pick = h("label", { for: fieldId(c, "-upload"), class: "button secondary small" }, "Upload video");
  const remove = h("button", { type: "button", class: "secondary small", hidden: true }, "Remove");
  const tools = h("div", { class: "media-tools" }, picker, pick, remove);
  const { element, setLabel } = block(c, "video", [player, empty, tools]);

  let value: unknown = null;
  let local: { file: File; url: string; sent?: FileData } | null = null;

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
  const set = (v: unknown) => {
    clearLocal();
    const file = videoOf(v);
    value = file ? v : null;
    show(file ? fileUrl(file) : null);
    if (file && p.autoplay === true) void player.play().catch(() => {});
  };

  picker.addEventListener("change", () => {
    const file = picker.files?.[0];
    picker.value = "";
    if (!file) return;
    clearLocal();
    value = null;
    local = { file, url: URL.createObjectURL(file) };
    show(local.url);
    ctx.edited();
    ctx.emit("upload");
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
  player.addEventListener("ended", () => ctx.emit("stop"));

  const setInteractive = (on: boolean) => {
    tools.hidden = !on;
    remove.hidden = !on || player.hidden;
  };
  setInteractive(ctx.interactive);
  set(p.value);

  return {
    element,
    async read() {
      if (!local) return value;
      local.sent ??= await upload(local.file, local.file.name);
      return { video: local.sent, subtitles: null };
    },
    peek: () => (local ? { video: { path: `local:${local.file.name}:${local.file.size}` }, subtitles: null } : value),
    set,
    setInteractive,
    setLabel,
  };
}

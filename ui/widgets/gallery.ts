/**
 * Gallery (gradio js/gallery): a grid of images (or videos) with captions, `columns` wide. Each
 * thumbnail is a button: Enter or a click opens the preview (a modal `<dialog>`: Escape closes,
 * the arrow keys and Previous/Next move through the items, focus returns to the thumbnail) and
 * fires `select` with `{index, value, selected}`; the arrow keys also move between thumbnails.
 * The wire value is Gradio's: a list of `{image: FileData, caption}` or `{video: FileData,
 * caption}`. Interactive: pick images to add (`upload`), uploaded when an event needs them.
 */
import type { ComponentConfig, FileData } from "../../src/gradio/protocol.ts";
import { upload } from "../client.ts";
import { h } from "../dom.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { block, fieldId, labelText, numberProp, type Widget, type WidgetContext } from "./widget.ts";

/** One item of a Gallery's value. */
type Item = { image?: FileData | null; video?: FileData | null; caption?: string | null };
/** An item the user picked, not yet uploaded. */
type Local = { file: File; sent?: FileData; preview: string };

const itemFile = (item: Item) => item.image ?? item.video ?? null;

/** A Gallery's value from the wire (also a plain list of FileData or `[file, caption]` pairs). */
function itemsOf(value: unknown): Item[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v): Item[] => {
    if (Array.isArray(v) && isFileData(v[0])) return [{ image: v[0], caption: typeof v[1] === "string" ? v[1] : null }];
    if (isFileData(v) && !("image" in v) && !("video" in v)) return [{ image: v, caption: null }];
    if (typeof v === "object" && v !== null && (isFileData((v as Item).image) || isFileData((v as Item).video))) return [v as Item];
    return [];
  });
}

export function gallery(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const columns = Array.isArray(p.columns) ? numberProp(p.columns[0], 2)! : numberProp(p.columns, 2)!;
  const grid = h("ul", { class: "gallery-grid", "aria-labelledby": fieldId(c, "-label") });
  grid.style.setProperty("--columns", String(columns));
  if (typeof p.height === "number") grid.style.maxHeight = `${p.height}px`;
  const empty = h("p", { class: "placeholder" }, "No images");
  const picker = h("input", { type: "file", id: fieldId(c, "-upload"), multiple: true, accept: "image/*", class: "visually-hidden" });
  const add = h("label", { for: fieldId(c, "-upload"), class: "button secondary small" }, "Add images");
  const clearButton = h("button", { type: "button", class: "secondary small" }, "Clear");
  const tools = h("div", { class: "gallery-tools" }, picker, add, clearButton);

  // The preview: a modal dialog, so focus stays in it and Escape closes it.
  const big = h("img", { class: "gallery-big", alt: "" });
  const bigVideo = h("video", { class: "gallery-big", controls: true });
  const caption = h("p", { class: "gallery-caption", id: fieldId(c, "-caption") });
  const prev = h("button", { type: "button", class: "secondary small" }, "‹ Previous");
  const next = h("button", { type: "button", class: "secondary small" }, "Next ›");
  const close = h("button", { type: "button", class: "secondary small" }, "Close");
  const counter = h("span", { class: "gallery-counter" });
  const dialog = h(
    "dialog",
    { class: "gallery-preview", "aria-label": `${labelText(c)}: preview`, "aria-describedby": fieldId(c, "-caption") },
    h("div", { class: "gallery-preview-bar" }, counter, prev, next, close),
    big,
    bigVideo,
    caption,
  );
  const { element, setLabel } = block(c, "gallery", [grid, empty, tools, dialog]);

  let items: Item[] = [];
  let locals: Local[] = [];
  let current = -1;
  const thumbs: HTMLButtonElement[] = [];

  const all = (): { src: string; caption: string | null; video: boolean; name: string }[] => [
    ...items.map((item) => {
      const file = itemFile(item)!;
      return { src: fileUrl(file), caption: item.caption ?? null, video: !item.image, name: file.orig_name ?? "" };
    }),
    ...locals.map((l) => ({ src: l.preview, caption: null, video: false, name: l.file.name })),
  ];

  function show(i: number) {
    const list = all();
    if (!list.length) return;
    current = (i + list.length) % list.length;
    const item = list[current]!;
    big.hidden = item.video;
    bigVideo.hidden = !item.video;
    if (item.video) bigVideo.src = item.src;
    else {
      big.src = item.src;
      big.alt = item.caption ?? item.name ?? `Image ${current + 1}`;
    }
    caption.textContent = item.caption ?? "";
    counter.textContent = `${current + 1} / ${list.length}`;
    prev.hidden = next.hidden = list.length < 2;
    for (const [j, t] of thumbs.entries()) t.setAttribute("aria-current", String(j === current));
  }

  function open(i: number) {
    show(i);
    if (p.allow_preview !== false && !dialog.open) {
      dialog.showModal();
      ctx.emit("preview_open");
    }
    const value = items[current] ?? null;
    ctx.emit("select", { index: current, value, selected: true });
  }

  function render() {
    const list = all();
    thumbs.length = 0;
    grid.replaceChildren(
      ...list.map((item, i) => {
        const media = item.video
          ? h("video", { src: item.src, muted: true, preload: "metadata", "aria-hidden": "true" })
          : h("img", { src: item.src, alt: "", loading: "lazy" });
        const name = item.caption || item.name || `${item.video ? "Video" : "Image"} ${i + 1}`;
        const thumb = h(
          "button",
          { type: "button", class: "gallery-item", "aria-label": `${name} (${i + 1} of ${list.length})` },
          media,
          item.caption ? h("span", { class: "gallery-item-caption", "aria-hidden": "true" }, item.caption) : null,
        );
        thumb.addEventListener("click", () => open(i));
        thumb.addEventListener("keydown", (e) => {
          const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[e.key];
          if (step === undefined) return;
          e.preventDefault();
          thumbs[Math.min(thumbs.length - 1, Math.max(0, i + step))]?.focus();
        });
        thumbs.push(thumb);
        return h("li", {}, thumb);
      }),
    );
    empty.hidden = list.length > 0;
    clearButton.hidden = !list.length;
    if (dialog.open) {
      if (list.length) show(Math.min(current, list.length - 1));
      else dialog.close();
    }
  }

  prev.addEventListener("click", () => open(current - 1));
  next.addEventListener("click", () => open(current + 1));
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") open(current - 1);
    else if (e.key === "ArrowRight") open(current + 1);
  });
  dialog.addEventListener("close", () => {
    bigVideo.pause();
    ctx.emit("preview_close");
    thumbs[current]?.focus();
  });
  // A click on the backdrop (outside the dialog's box) closes it.
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close();
  });

  picker.addEventListener("change", () => {
    locals = [...locals, ...[...(picker.files ?? [])].map((file) => ({ file, preview: URL.createObjectURL(file) }))];
    picker.value = "";
    render();
    ctx.edited();
    ctx.emit("upload");
  });
  clearButton.addEventListener("click", () => {
    set(null);
    ctx.edited();
  });

  const set = (value: unknown) => {
    for (const l of locals) URL.revokeObjectURL(l.preview);
    locals = [];
    items = itemsOf(value);
    render();
  };
  const setInteractive = (on: boolean) => {
    tools.hidden = !on;
  };
  set(p.value);
  setInteractive(ctx.interactive);
  if (typeof p.selected_index === "number" && p.preview === true) show(p.selected_index);

  return {
    element,
    async read() {
      const sent = await Promise.all(
        locals.map(async (l) => {
          l.sent ??= await upload(l.file, l.file.name);
          return { image: l.sent, caption: null };
        }),
      );
      return [...items, ...sent];
    },
    peek: () => [...items, ...locals.map((l) => ({ image: { path: `local:${l.file.name}:${l.file.size}` }, caption: null }))],
    set,
    setInteractive,
    setLabel,
    update(u) {
      if (typeof u.selected_index === "number") show(u.selected_index);
    },
  };
}

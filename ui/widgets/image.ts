/**
 * Image (gradio js/image). Interactive: the page's image input (upload, drop, paste, webcam,
 * shrunk in the browser), uploaded once when an event needs it. Not interactive: an `<img>` of
 * the FileData the server sent (served by `/file=`).
 */
import type { ComponentConfig, FileData } from "../../src/gradio/protocol.ts";
import { upload } from "../client.ts";
import { h } from "../dom.ts";
import { imageInput, type Picked } from "../image-input.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { block, labelText, type Widget, type WidgetContext } from "./widget.ts";

function imageOutput(c: ComponentConfig): Widget {
  const img = h("img", { class: "preview", alt: labelText(c), hidden: true });
  const empty = h("p", { class: "placeholder" }, "No image");
  const { element, setLabel } = block(c, "image", [h("div", { class: "image-frame" }, img, empty)]);
  let value: FileData | null = null;
  const set = (v: unknown) => {
    value = isFileData(v) ? v : null;
    img.hidden = !value;
    empty.hidden = !!value;
    if (value) img.src = fileUrl(value);
    else img.removeAttribute("src");
  };
  set(c.props.value);
  return { element, read: () => value, peek: () => value, set, setLabel };
}

function imageUpload(c: ComponentConfig, ctx: WidgetContext): Widget {
  let picked: Picked | null = null;
  /** What the page last uploaded, or the FileData it was given: sent as it is while the picture is unchanged. */
  let sent: { blob: Blob | null; value: FileData } | null = null;
  let loading = false;
  const input = imageInput(
    labelText(c),
    typeof c.props.max_upload_side === "number" ? c.props.max_upload_side : 1024,
    (p) => {
      picked = p;
      if (loading) return;
      sent = null;
      ctx.edited();
      ctx.emit(p ? "upload" : "clear");
    },
    ctx.error,
  );
  const set = (v: unknown) => {
    if (!isFileData(v)) {
      loading = true;
      void input.clear().finally(() => (loading = false));
      sent = null;
      return;
    }
    loading = true;
    sent = { blob: null, value: v };
    void input
      .load(fileUrl(v), v.orig_name ?? "image.png")
      .catch(() => ctx.error(`Could not load the image ${v.orig_name ?? ""}.`))
      .finally(() => {
        loading = false;
        if (sent?.value === v) sent.blob = picked?.blob ?? null;
      });
  };
  if (isFileData(c.props.value)) set(c.props.value);
  return {
    element: input.element,
    async read() {
      if (!picked) return sent?.value ?? null;
      if (sent?.blob !== picked.blob) sent = { blob: picked.blob, value: await upload(picked.blob, picked.name) };
      return sent.value;
    },
    peek: () => (picked ? (sent?.value ?? { path: `local:${picked.name}:${picked.blob.size}` }) : null),
    set,
    /** The Interface's example gallery fills the input from a URL. */
    load: (src: string, name: string) => input.load(src, name),
  } as Widget & { load(src: string, name: string): Promise<void> };
}

/** An Image widget: an upload area when interactive, a picture otherwise. */
export const image = (c: ComponentConfig, ctx: WidgetContext): Widget => (ctx.interactive ? imageUpload(c, ctx) : imageOutput(c));

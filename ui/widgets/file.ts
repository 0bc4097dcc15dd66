/**
 * File (gradio js/file): pick one file or several (`file_count` "single" | "multiple",
 * `file_types` as `accept`); they are uploaded when an event needs them, once. Shows every file
 * as a download link, as Gradio's output does.
 */
import type { ComponentConfig, FileData } from "../../src/gradio/protocol.ts";
import { upload } from "../client.ts";
import { h } from "../dom.ts";
import { accept } from "./file-types.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { block, fieldId, type Widget, type WidgetContext } from "./widget.ts";

/** A file the user picked (not uploaded yet) or one the server sent. */
type Entry = { local: File; sent?: FileData } | { remote: FileData };

export function file(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const multiple = p.file_count === "multiple" || p.file_count === "directory";
  const id = fieldId(c);
  const picker = h("input", { id, type: "file", multiple, accept: accept(p.file_types) });
  const list = h("ul", { class: "files" });
  const clear = h("button", { type: "button", class: "secondary small" }, multiple ? "Remove files" : "Remove file");
  const { element, setLabel } = block(c, "file", [picker, list, clear], { labelFor: id });
  let entries: Entry[] = [];

  const name = (e: Entry) => ("local" in e ? e.local.name : (e.remote.orig_name ?? e.remote.path?.split("/").pop() ?? "file"));
  const render = () => {
    list.replaceChildren(
      ...entries.map((e) => {
        if ("local" in e) return h("li", {}, name(e), h("span", { class: "size" }, ` (${Math.ceil(e.local.size / 1024)} KB)`));
        return h("li", {}, h("a", { href: fileUrl(e.remote), download: name(e), target: "_blank", rel: "noopener" }, name(e)));
      }),
    );
    clear.hidden = !entries.length || picker.hidden;
    if (!entries.length) list.append(h("li", { class: "placeholder" }, "No file"));
  };
  const setInteractive = (on: boolean) => {
    picker.hidden = !on;
    render();
  };
  const set = (value: unknown) => {
    const files = Array.isArray(value) ? value : value ? [value] : [];
    entries = files.filter(isFileData).map((remote) => ({ remote }));
    picker.value = "";
    render();
  };
  picker.addEventListener("change", () => {
    entries = [...(picker.files ?? [])].map((local) => ({ local }));
    render();
    ctx.edited();
    ctx.emit("upload");
  });
  clear.addEventListener("click", () => {
    set(null);
    ctx.edited();
    ctx.emit("clear");
  });
  set(p.value);
  setInteractive(ctx.interactive);
  const wire = (values: (FileData | null)[]) => (multiple ? values.filter(Boolean) : (values[0] ?? null));
  return {
    element,
    async read() {
      const sent = await Promise.all(
        entries.map(async (e) => {
          if ("remote" in e) return e.remote;
          e.sent ??= await upload(e.local, e.local.name);
          return e.sent;
        }),
      );
      return wire(sent);
    },
    peek: () => wire(entries.map((e) => ("remote" in e ? e.remote : ({ path: `local:${e.local.name}:${e.local.size}` } as FileData)))),
    set,
    setInteractive,
    setLabel,
  };
}

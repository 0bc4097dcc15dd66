/**
 * MultimodalTextbox (gradio js/multimodaltextbox): a text area with files attached. "Attach files"
 * opens the file picker (`file_count`, `file_types` as `accept`); files may also be dropped on the
 * box or pasted into it. Attached files show as chips (a thumbnail for a picture) with a remove
 * button. Enter submits, Shift+Enter starts a new line; `submit_btn` / `stop_btn` as the Textbox.
 * The wire value is `{text, files: FileData[]}`; files are uploaded when an event reads it, once.
 */
import type { ComponentConfig, FileData } from "../../src/gradio/protocol.ts";
import { upload } from "../client.ts";
import { h } from "../dom.ts";
import { accept, fileMatches } from "./file-types.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { submitStopButtons } from "./submit-stop.ts";
import { block, fieldId, labelText, numberProp, type Widget, type WidgetContext } from "./widget.ts";

/** A file the user attached (not uploaded yet, with a preview URL for a picture) or one the server sent. */
type Entry = { local: File; sent?: FileData; preview: string | null } | { remote: FileData };

const isImage = (e: Entry) =>
  "local" in e
    ? e.local.type.startsWith("image/")
    : /^image\//.test(e.remote.mime_type ?? "") || /\.(png|jpe?g|gif|webp|avif|bmp)$/i.test(e.remote.orig_name ?? e.remote.path ?? "");

export function multimodalTextbox(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const lines = numberProp(p.lines, 1)!;
  const maxLines = Math.max(lines, numberProp(p.max_lines, 20)!);
  const multiple = p.file_count === "multiple" || p.file_count === "directory";
  const id = fieldId(c);
  const field = h("textarea", {
    id,
    class: "textbox-field",
    rows: lines,
    placeholder: typeof p.placeholder === "string" ? p.placeholder : undefined,
    "aria-describedby": typeof p.info === "string" && p.info ? fieldId(c, "-info") : undefined,
  });
  const picker = h("input", { type: "file", id: fieldId(c, "-upload"), multiple, accept: accept(p.file_types), class: "visually-hidden" });
  // A "+" is what shows; "Attach files" is the picker's name for screen readers.
  const attach = h(
    "label",
    { for: picker.id, class: "button secondary small attach", title: "Attach files" },
    h("span", { "aria-hidden": "true" }, "+"),
    h("span", { class: "visually-hidden" }, "Attach files"),
  );
  const chips = h("ul", { class: "chips attachments", "aria-label": `${labelText(c)}: attached files` });
  const buttons = submitStopButtons(ctx);
  const { submit: submitButton, stop: stopButton } = buttons;
  buttons.show({ submit_btn: p.submit_btn ?? true, stop_btn: p.stop_btn });
  const box = h(
    "div",
    { class: "multimodal-box" },
    chips,
    h("div", { class: "textbox-row" }, picker, attach, field, submitButton, stopButton),
  );
  const { element, setLabel } = block(c, "multimodaltextbox", [box], { labelFor: id });

  let entries: Entry[] = [];
  let interactive = ctx.interactive;
  const nameOf = (e: Entry) => ("local" in e ? e.local.name : (e.remote.orig_name ?? e.remote.path?.split("/").pop() ?? "file"));
  const forget = (e: Entry) => {
    if ("local" in e && e.preview) URL.revokeObjectURL(e.preview);
  };

  const renderChips = () => {
    chips.replaceChildren(
      ...entries.map((e, i) => {
        const src = "local" in e ? e.preview : isImage(e) ? fileUrl(e.remote) : null;
        return h(
          "li",
          { class: "chip attachment" },
          src ? h("img", { class: "attachment-thumb", src, alt: "" }) : null,
          h("span", { class: "attachment-name" }, nameOf(e)),
          interactive
            ? h(
                "button",
                {
                  type: "button",
                  class: "icon",
                  "aria-label": `Remove ${nameOf(e)}`,
                  onclick: () => {
                    forget(e);
                    entries.splice(i, 1);
                    renderChips();
                    ctx.edited();
                    field.focus();
                  },
                },
                "×",
              )
            : null,
        );
      }),
    );
    chips.hidden = !entries.length;
  };

  /** Files from the picker, a drop or a paste: those of an accepted type, one replacing the other unless `file_count` allows several. */
  const add = (files: File[]) => {
    const ok = files.filter((f) => fileMatches(f, p.file_types));
    if (ok.length < files.length) ctx.error(`Only files of type ${(p.file_types as string[]).join(", ")} can be attached.`);
    if (!ok.length) return;
    const fresh: Entry[] = ok.map((local) => ({ local, preview: local.type.startsWith("image/") ? URL.createObjectURL(local) : null }));
    if (multiple) entries = [...entries, ...fresh];
    else {
      entries.forEach(forget);
      entries = fresh.slice(0, 1);
    }
    renderChips();
    ctx.edited();
  };

  // Rows grow with the text, up to max_lines (Gradio's autosize).
  const resize = () => {
    field.rows = Math.min(maxLines, Math.max(lines, field.value.split("\n").length));
  };
  const setInteractive = (on: boolean) => {
    interactive = on;
    field.readOnly = !on;
    submitButton.disabled = !on;
    picker.disabled = !on;
    attach.classList.toggle("disabled", !on);
    renderChips();
  };
  const set = (value: unknown) => {
    const v = typeof value === "string" ? { text: value, files: [] } : (value as { text?: unknown; files?: unknown } | null);
    field.value = typeof v?.text === "string" ? v.text : "";
    entries.forEach(forget);
    entries = (Array.isArray(v?.files) ? v.files : []).filter(isFileData).map((remote) => ({ remote }));
    picker.value = "";
    resize();
    renderChips();
  };
  set(p.value);
  setInteractive(ctx.interactive);

  picker.addEventListener("change", () => {
    add([...(picker.files ?? [])]);
    picker.value = "";
  });
  field.addEventListener("input", () => {
    resize();
    ctx.edited();
  });
  field.addEventListener("keydown", (e) => {
    const event = e as KeyboardEvent;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !field.readOnly) {
      event.preventDefault();
      ctx.emit("submit");
    }
  });
  field.addEventListener("paste", (e) => {
    const files = [...((e as ClipboardEvent).clipboardData?.files ?? [])];
    if (!files.length || !interactive) return;
    e.preventDefault();
    add(files);
  });
  box.addEventListener("dragover", (e) => {
    if (!interactive) return;
    e.preventDefault();
    box.classList.add("dragging");
  });
  box.addEventListener("dragleave", () => box.classList.remove("dragging"));
  box.addEventListener("drop", (e) => {
    box.classList.remove("dragging");
    if (!interactive) return;
    e.preventDefault();
    add([...((e as DragEvent).dataTransfer?.files ?? [])]);
  });
  field.addEventListener("focus", () => ctx.emit("focus"));
  field.addEventListener("blur", () => ctx.emit("blur"));
  field.addEventListener("select", () => {
    const start = field.selectionStart ?? 0;
    const end = field.selectionEnd ?? 0;
    if (end > start) ctx.emit("select", { index: [start, end], value: field.value.slice(start, end), selected: true });
  });

  return {
    element,
    async read() {
      const files = await Promise.all(
        entries.map(async (e) => {
          if ("remote" in e) return e.remote;
          e.sent ??= { ...(await upload(e.local, e.local.name)), mime_type: e.local.type || null, size: e.local.size };
          return e.sent;
        }),
      );
      return { text: field.value, files };
    },
    peek: () => ({
      text: field.value,
      files: entries.map((e) => ("remote" in e ? e.remote.path : `local:${e.local.name}:${e.local.size}`)),
    }),
    set,
    setInteractive,
    setLabel,
    update(u) {
      if (typeof u.placeholder === "string") field.placeholder = u.placeholder;
      buttons.show(u);
    },
  };
}

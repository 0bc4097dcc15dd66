/**
 * One Chatbot message as the page shows it: Gradio's wire shapes (the messages format) turned
 * into parts, and the parts into elements. A message's `content` may be Markdown text, a
 * FileMessage `{file, alt_text}`, a FileData, a ComponentMessage `{component, value}` (an image,
 * audio, video or gallery the function returned), or Gradio 6's list of typed parts
 * (`{type: "text", text}`, `{type: "file", file}`, `{type: "component", …}`). Text is rendered
 * by markdown-lite.ts (every character escaped first), so nothing in a message becomes HTML.
 */
import type { FileData } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { renderMarkdownLite } from "../markdown-lite.ts";
import { fileUrl, isFileData } from "./file-url.ts";

/** A message in Gradio's messages format, as the server sends it. */
export interface ChatMessage {
  role: string;
  content: unknown;
  metadata?: { title?: string | null; status?: string | null; log?: string | null; duration?: number | null } | null;
  options?: { value: string; label?: string }[] | null;
}

/** What one message shows, in order. */
export type Part = { kind: "text"; text: string } | { kind: "file"; file: FileData; alt: string | null; media: Media };

type Media = "image" | "audio" | "video" | "file";

const EXTENSIONS: [RegExp, Media][] = [
  [/\.(png|jpe?g|gif|webp|avif|bmp|svg)$/i, "image"],
  [/\.(wav|mp3|ogg|oga|flac|m4a|aac|opus)$/i, "audio"],
  [/\.(mp4|webm|ogv|mov|m4v)$/i, "video"],
];

/** A file's kind: its `mime_type`, else its name's extension (as Gradio's chatbot decides). */
function mediaOf(file: FileData, hint?: string): Media {
  if (hint === "image" || hint === "audio" || hint === "video") return hint;
  const mime = typeof file.mime_type === "string" ? file.mime_type : "";
  for (const kind of ["image", "audio", "video"] as const) if (mime.startsWith(`${kind}/`)) return kind;
  const name = file.orig_name ?? file.path ?? file.url ?? "";
  return EXTENSIONS.find(([re]) => re.test(name))?.[1] ?? "file";
}

/** The parts of one piece of content (a string, a file, a component, or a typed part). */
export function partsOf(content: unknown): Part[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string" || typeof content === "number") return [{ kind: "text", text: String(content) }];
  if (Array.isArray(content)) {
    // A tuple `(path, alt?)` as the Python side writes it, if it ever reaches the page as is.
    if (typeof content[0] === "string" && content.length <= 2 && /[./]/.test(content[0]) && content.every((c) => typeof c === "string"))
      return [{ kind: "file", file: { path: content[0] }, alt: content[1] ?? null, media: mediaOf({ path: content[0] }) }];
    return content.flatMap(partsOf);
  }
  if (typeof content !== "object") return [];
  const c = content as Record<string, unknown>;
  if (c.type === "text" && typeof c.text === "string") return [{ kind: "text", text: c.text }];
  const alt = typeof c.alt_text === "string" ? c.alt_text : null;
  if (isFileData(c.file)) return [{ kind: "file", file: c.file, alt, media: mediaOf(c.file) }];
  if (typeof c.component === "string") {
    const component = c.component.toLowerCase();
    const value = c.value as unknown;
    // A Gallery's value: its images; a Video's: {video, subtitles}; others: FileData.
    if (component === "gallery" && Array.isArray(value))
      return value.flatMap((item) => partsOf((item as { image?: unknown }).image ?? item));
    const file = isFileData(value)
      ? value
      : isFileData((value as { video?: unknown } | null)?.video)
        ? (value as { video: FileData }).video
        : null;
    if (file) return [{ kind: "file", file, alt, media: mediaOf(file, component) }];
    if (typeof value === "string") return [{ kind: "text", text: value }];
    return [];
  }
  if (isFileData(c)) return [{ kind: "file", file: c as FileData, alt, media: mediaOf(c as FileData) }];
  return [];
}

/**
 * Gradio's value as a list of messages: the messages format as it is; the deprecated tuples
 * format (`[[user, bot], …]`) read as alternating user and assistant messages.
 *
 * @example
 * normalize([["Hi", "Hello!"]]) // → [{role: "user", content: "Hi"}, {role: "assistant", content: "Hello!"}]
 */
export function normalize(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((m): ChatMessage[] => {
    if (Array.isArray(m) && m.length === 2 && !(typeof m[0] === "object" && m[0] && "role" in m[0]))
      return [
        ...(m[0] === null ? [] : [{ role: "user", content: m[0] }]),
        ...(m[1] === null ? [] : [{ role: "assistant", content: m[1] }]),
      ];
    if (typeof m === "object" && m !== null && "role" in m) return [m as ChatMessage];
    return [];
  });
}

/** The text of a message, for copying and for the retry/undo event data. */
export const textOf = (m: ChatMessage): string =>
  partsOf(m.content)
    .map((p) => (p.kind === "text" ? p.text : (p.file.orig_name ?? p.file.path ?? "")))
    .join("\n");

function fileElement(part: Extract<Part, { kind: "file" }>): HTMLElement {
  const src = fileUrl(part.file);
  const name = part.file.orig_name ?? part.file.path?.split("/").pop() ?? "file";
  if (part.media === "image") return h("img", { class: "chat-image", src, alt: part.alt ?? name, loading: "lazy" });
  if (part.media === "audio") return h("audio", { controls: true, preload: "metadata", src, "aria-label": part.alt ?? name });
  if (part.media === "video") return h("video", { controls: true, preload: "metadata", src, "aria-label": part.alt ?? name });
  return h("a", { href: src, download: name, target: "_blank", rel: "noopener" }, name);
}

/**
 * The body of one message: its parts; a message with `metadata.title` is Gradio's "thought",
 * a collapsible box (open while its status is "pending").
 */
export function messageBody(m: ChatMessage): HTMLElement {
  const parts = partsOf(m.content).map((p) =>
    p.kind === "text" ? withHtml(h("div", { class: "prose chat-text" }), renderMarkdownLite(p.text)) : fileElement(p),
  );
  const title = m.metadata?.title;
  if (!title) return h("div", { class: "chat-content" }, ...parts);
  const extra = [m.metadata?.log, typeof m.metadata?.duration === "number" ? `${m.metadata.duration.toFixed(1)}s` : null]
    .filter(Boolean)
    .join(" · ");
  return h(
    "details",
    { class: "chat-thought", open: m.metadata?.status !== "done" },
    h("summary", {}, title, extra ? h("span", { class: "chat-thought-log" }, ` ${extra}`) : null),
    h("div", { class: "chat-content" }, ...parts),
  );
}

/** Sets markup that markdown-lite.ts produced (escaped: safe). */
function withHtml(element: HTMLElement, html: string): HTMLElement {
  element.innerHTML = html;
  return element;
}

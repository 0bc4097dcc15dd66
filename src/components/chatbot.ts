/**
 * The Chatbot component (gradio components/chatbot.py, Gradio 6's messages format): a list of
 * `{role, content}` messages. On the wire each message's `content` is a list of parts —
 * `{type: "text", text}` or `{type: "file", file: FileData, alt_text}` — as Gradio 6 sends it;
 * `fn` may return the shorthand (content a string, a path `{path}`, or FileData).
 */
import { describeValue } from "../errors.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import type { EventArgs, EventListener, PreprocessContext } from "./component.ts";
import { allowedPath, type PathContext, type PostprocessContext } from "./file-context.ts";
import type { FileData } from "./file-data.ts";
import { FILE_DATA_SCHEMA } from "./media-input.ts";
import { outputFile } from "./output-file.ts";

/** One part of a message's content on the wire (gradio TextMessage / FileMessage). */
export type ContentPart = { type: "text"; text: string } | { type: "file"; file: FileData; alt_text?: string | null };

/**
 * One chat message as Gradio 6 sends it (gradio `Message`).
 *
 * @example
 * const m: ChatMessage = { role: "assistant", content: [{ type: "text", text: "Hi!" }], metadata: null, options: null };
 */
export interface ChatMessage {
  role: "user" | "assistant" | "system";
  content: ContentPart[];
  /** Gradio's thought/tool box: `{title, id, parent_id, log, duration, status}`. */
  metadata?: Record<string, unknown> | null;
  /** Buttons under the message; clicking one sends its value (`{value, label?}`). */
  options?: { value: string; label?: string }[] | null;
}

/**
 * What `fn` may return for a message: the wire form, or content as a string, a file path
 * `{path}` (with `alt_text`), FileData, or a list of those.
 *
 * @example
 * const history: MessageInput[] = [{ role: "user", content: "Hi" }, { role: "assistant", content: { path: "cat.png" } }];
 */
export interface MessageInput {
  role: string;
  content: unknown;
  metadata?: Record<string, unknown> | null;
  options?: { value: string; label?: string }[] | null;
}

/** An example shown in an empty Chatbot (gradio ExampleMessage). */
export interface ExampleMessage {
  text?: string;
  display_text?: string;
  files?: unknown[];
  icon?: unknown;
}

/**
 * Options of {@link Chatbot}.
 *
 * @example
 * new Chatbot({ label: "Chat", height: 400, placeholder: "Ask me anything" })
 */
export interface ChatbotOptions extends BaseOptions<MessageInput[] | null> {
  height?: number | string;
  minHeight?: number | string;
  maxHeight?: number | string;
  /** Markdown shown while the chat is empty. */
  placeholder?: string;
  /** Shown in an empty Chatbot; clicking one fires `example_select`. */
  examples?: ExampleMessage[];
  /** Scroll to the newest message (default true). */
  autoscroll?: boolean;
  /** `[user, assistant]` avatar image URLs or paths. */
  avatarImages?: [string | null, string | null];
  /** "bubble" (default) or "panel". */
  layout?: "bubble" | "panel";
  /** Like/dislike buttons' labels (default ["Like", "Dislike"]). */
  feedbackOptions?: string[];
  /** Whose messages the user may edit in place ("user", "all"; default none): each edit fires `edit`. */
  editable?: "user" | "all" | null;
  renderMarkdown?: boolean;
  sanitizeHtml?: boolean;
  rtl?: boolean;
}

const ROLES = ["user", "assistant", "system"] as const;
const FILE_META = { _type: "gradio.FileData" as const };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A chat history, in Gradio 6's messages format. As an input `fn` gets the messages as the wire
 * has them (content a list of parts); as an output it takes them in any {@link MessageInput}
 * shorthand and files named by path are served from the output cache.
 *
 * @example
 * const chat = new Chatbot({ label: "Chat" });
 * btn.click((msg: string, history: ChatMessage[]) => [...history, { role: "user", content: msg }], [box, chat], chat);
 */
export class Chatbot extends BaseComponent<ChatMessage[], MessageInput[] | null> {
  static override readonly events = [
    "change",
    "select",
    "like",
    "retry",
    "undo",
    "example_select",
    "option_select",
    "clear",
    "copy",
    "edit",
  ] as const;
  readonly type = "chatbot";
  /** Examples shown in the empty chat (ChatInterface sets them from its own). */
  examples: ExampleMessage[] | undefined;
  /** Whose messages may be edited (ChatInterface's `editable` sets "user"). */
  editable: "user" | "all" | null;
  private readonly extra: Record<string, unknown>;

  constructor(options: ChatbotOptions = {}) {
    super(options);
    this.examples = options.examples;
    this.editable = options.editable ?? null;
    this.extra = {
      height: options.height ?? 400,
      min_height: options.minHeight,
      max_height: options.maxHeight,
      placeholder: options.placeholder,
      autoscroll: options.autoscroll ?? true,
      avatar_images: options.avatarImages ?? [null, null],
      layout: options.layout,
      feedback_options: options.feedbackOptions ?? ["Like", "Dislike"],
      render_markdown: options.renderMarkdown ?? true,
      sanitize_html: options.sanitizeHtml ?? true,
      rtl: options.rtl ?? false,
      latex_delimiters: [{ left: "$$", right: "$$", display: true }],
      line_breaks: true,
      group_consecutive_messages: true,
      like_user_message: false,
      show_copy_button: false,
    };
  }

  /** The page's (or a caller's) history → the messages `fn` gets; file parts must name files the server allows. */
  async preprocess(payload: unknown, ctx: PreprocessContext): Promise<ChatMessage[]> {
    if (payload === null || payload === undefined) return [];
    if (!Array.isArray(payload)) throw this.invalid("a list of messages ({role, content})", payload);
    return Promise.all(
      payload.map(async (m, i) => {
        if (!isObject(m) || !ROLES.includes(m.role as (typeof ROLES)[number])) {
          throw this.refuse(`message ${i + 1} should be {role: "user" | "assistant" | "system", content}, got ${describeValue(m)}`);
        }
        const content = await Promise.all(
          this.parts(m.content, i).map(async (part) => {
            if (part.type === "file") await allowedPath(ctx, part.file.path as string);
            return part;
          }),
        );
        return {
          role: m.role as ChatMessage["role"],
          content,
          metadata: (m.metadata as ChatMessage["metadata"]) ?? null,
          options: (m.options as ChatMessage["options"]) ?? null,
        };
      }),
    );
  }

  /** A message's content, shorthand or wire, as wire parts (files not yet stored). */
  private parts(content: unknown, index: number): ContentPart[] {
    const one = (c: unknown): ContentPart => {
      if (typeof c === "string") return { type: "text", text: c };
      if (typeof c === "number" || typeof c === "boolean") return { type: "text", text: String(c) };
      if (isObject(c)) {
        if (c.type === "text" && typeof c.text === "string") return { type: "text", text: c.text };
        if (c.type === "file" && isObject(c.file) && typeof c.file.path === "string") {
          return { type: "file", file: { ...(c.file as FileData), meta: FILE_META }, alt_text: (c.alt_text as string | null) ?? null };
        }
        if (typeof c.path === "string") {
          const { alt_text, ...file } = c;
          return { type: "file", file: { ...(file as FileData), meta: FILE_META }, alt_text: (alt_text as string | null) ?? null };
        }
      }
      throw this.refuse(
        `message ${index + 1}'s content should be text, a file ({path}) or a list of {type: "text", text} / {type: "file", file} parts, got ${describeValue(c)}`,
      );
    };
    if (content === null || content === undefined) return [];
    return Array.isArray(content) ? content.map(one) : [one(content)];
  }

  /** What `fn` returned → Gradio 6's wire messages; files named by path are copied into the output cache (once). */
  async postprocess(value: unknown, ctx?: PostprocessContext): Promise<ChatMessage[]> {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value))
      throw new Error(`${this.displayName} output must be a list of messages ({role, content}); fn returned ${describeValue(value)}.`);
    return Promise.all(
      value.map(async (m, i) => {
        if (!isObject(m) || typeof m.role !== "string") {
          throw new Error(`${this.displayName} message ${i + 1} must be {role, content}; fn returned ${describeValue(m)}.`);
        }
        const content = await Promise.all(
          this.parts(m.content, i).map(async (part) => {
            if (part.type === "text") return part;
            if (!ctx) throw new Error(`${this.displayName} needs the server to store the file of message ${i + 1}.`);
            return { ...part, file: await outputFile(part.file, ctx as PostprocessContext & Partial<PathContext>, this.displayName) };
          }),
        );
        const message: ChatMessage = {
          role: m.role as ChatMessage["role"],
          metadata: (m.metadata as ChatMessage["metadata"]) ?? null,
          content,
          options: (m.options as ChatMessage["options"]) ?? null,
        };
        return message;
      }),
    );
  }

  /** Text-only initial messages go in /config as they are; files need the server, so an initial value with files starts empty. */
  protected override configValue(): unknown {
    const value = this.value ?? [];
    try {
      return value.map((m, i) => ({
        role: m.role,
        metadata: m.metadata ?? null,
        content: this.parts(m.content, i).map((p) => {
          if (p.type === "file") throw new Error("file");
          return p;
        }),
        options: m.options ?? null,
      }));
    } catch {
      return [];
    }
  }

  /**
   * A reply liked or disliked (its feedback buttons show only when something listens). With
   * `eventData: true`, fn gets Gradio's LikeData: `{index, value, liked}` (true for "Like",
   * false for "Dislike", else the option's text).
   *
   * @example chatbot.like({ fn: (evt: EventData) => console.log(evt.liked), inputs: [], outputs: [], eventData: true })
   */
  like(...args: EventArgs): EventListener {
    return this.on("like", ...args);
  }

  /**
   * A message edited in place (with `editable`). With `eventData: true`, fn gets Gradio's
   * EditData: `{index, value, previous_value}`.
   *
   * @example chatbot.edit({ fn: (evt: EventData) => console.log(evt.value), inputs: [], outputs: [], eventData: true })
   */
  edit(...args: EventArgs): EventListener {
    return this.on("edit", ...args);
  }

  apiInfo(): Record<string, unknown> {
    const file = { $ref: "#/$defs/FileData" };
    return {
      $defs: {
        FileData: FILE_DATA_SCHEMA,
        TextMessage: {
          properties: { text: { title: "Text", type: "string" }, type: { const: "text", default: "text", title: "Type", type: "string" } },
          required: ["text"],
          title: "TextMessage",
          type: "object",
        },
        FileMessage: {
          properties: {
            file: file,
            alt_text: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Alt Text" },
            type: { const: "file", default: "file", title: "Type", type: "string" },
          },
          required: ["file"],
          title: "FileMessage",
          type: "object",
        },
        Message: {
          properties: {
            role: { enum: ["user", "assistant", "system"], title: "Role", type: "string" },
            metadata: { anyOf: [{ type: "object" }, { type: "null" }], default: null, title: "Metadata" },
            content: {
              items: { anyOf: [{ $ref: "#/$defs/TextMessage" }, { $ref: "#/$defs/FileMessage" }] },
              title: "Content",
              type: "array",
            },
            options: { anyOf: [{ items: { type: "object" }, type: "array" }, { type: "null" }], default: null, title: "Options" },
          },
          required: ["role", "content"],
          title: "Message",
          type: "object",
        },
      },
      items: { $ref: "#/$defs/Message" },
      title: "ChatbotDataMessages",
      type: "array",
    };
  }

  pythonType() {
    return { type: "List[Dict[str, Any]]", description: "openai-style messages: {role, content}" };
  }

  exampleInput(): unknown {
    return [
      { role: "user", content: [{ type: "text", text: "Hello!" }] },
      { role: "assistant", content: [{ type: "text", text: "Hi! How can I help?" }] },
    ];
  }

  protected override ownProps(): Record<string, unknown> {
    return { type: "messages", ...this.extra, examples: this.examples ?? null, editable: this.editable };
  }
}

/**
 * `ChatInterface` (gradio chat_interface.py): a chat app around one function
 * `fn(message, history, ...additionalInputs)` that returns or yields the reply. Built from the
 * same parts and events as Gradio's — a Chatbot, a Textbox, hidden States holding the history
 * per session, and the endpoint `/chat` (message and additional inputs in, the reply out) — so
 * client code written for a Gradio chat Space works unchanged.
 */
import { basename, dirname, resolve } from "node:path";
import mime from "mime";
import { Blocks, isState } from "./blocks/blocks.ts";
import { fnParams } from "./blocks/fn-params.ts";
import { place } from "./blocks/context.ts";
import { Examples } from "./blocks/examples.ts";
import { Accordion, Column, Group, Row } from "./blocks/layouts.ts";
import { update } from "./blocks/update.ts";
import { Button } from "./components/button.ts";
import { Chatbot, type ChatMessage, type ContentPart, type ExampleMessage } from "./components/chatbot.ts";
import type { Component } from "./components/component.ts";
import { HTML } from "./components/html.ts";
import { JSONComponent } from "./components/json.ts";
import { Markdown } from "./components/markdown.ts";
import { State } from "./components/state.ts";
import { MultimodalTextbox, type MultimodalValue } from "./components/multimodal-textbox.ts";
import { Textbox } from "./components/textbox.ts";
import type { EventData, EventListener, EventOptions, ShowProgress } from "./components/component.ts";
import type { FileData } from "./components/file-data.ts";
import { InputError } from "./errors.ts";

/**
 * Options of {@link ChatInterface} (Gradio's keywords, camelCase).
 *
 * @example
 * const options: ChatInterfaceOptions = { fn: (message: string) => message, title: "Echo", examples: ["hello", "hola"] };
 */
export interface ChatInterfaceOptions {
  /**
   * `fn(message, history, ...additionalInputs)`: `message` is the text sent (with `multimodal`,
   * `{text, files}`: the text and the attached files' server paths); `history` the conversation
   * so far (Gradio 6 messages: `{role, content: [{type: "text", text}, …]}`).
   * Return (or yield, growing) the reply: a string, a message `{role, content}`, or a list of them.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the developer types fn's parameters (`(message: string, history: ChatMessage[]) => …`).
  fn: (message: any, history: ChatMessage[], ...args: any[]) => unknown;
  /**
   * Files may be attached to a message (Gradio's `multimodal=True`): the textbox is a
   * {@link MultimodalTextbox} and `fn` gets `{text, files}`. Implied by a MultimodalTextbox `textbox`.
   */
  multimodal?: boolean;
  /** A Chatbot to use instead of the default one. */
  chatbot?: Chatbot;
  /** A Textbox (a MultimodalTextbox with `multimodal`) to use instead of the default one. */
  textbox?: Textbox | MultimodalTextbox;
  /** More inputs passed to `fn` after the history, shown in an accordion under the chat. */
  additionalInputs?: Component | Component[];
  /** The accordion's label (default "Additional Inputs"). */
  additionalInputsAccordion?: string;
  /** Components `fn` also returns values for (after the reply), placed elsewhere in the page. */
  additionalOutputs?: Component | Component[];
  /**
   * Messages to start from: strings (with `multimodal`, also `{text, files}` with file paths), or
   * rows `[message, ...additionalInputs]` when there are additional inputs.
   */
  examples?: (string | { text?: string; files?: string[] } | unknown[])[];
  /** Shown instead of the examples' text. */
  exampleLabels?: string[];
  title?: string;
  /** Markdown under the title. */
  description?: string;
  /** How many chats may run at once (default: the queue's concurrency). */
  concurrencyLimit?: number | null;
  /** The endpoint's name (default "chat"); false hides it. */
  apiName?: string | false;
  apiDescription?: string;
  /** Let the user edit a message they sent; the conversation then goes on from the edit (Gradio's `editable`). */
  editable?: boolean;
  /** How the page shows a reply being made (default "minimal"). */
  showProgress?: ShowProgress;
  /** Submit and stop buttons in the textbox (default true: icons). */
  submitBtn?: string | boolean;
  stopBtn?: string | boolean;
  autofocus?: boolean;
  autoscroll?: boolean;
  fillHeight?: boolean;
  fillWidth?: boolean;
  showError?: boolean;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The text of a message's parts (what retry and undo put back in the textbox). */
const textOf = (m: ChatMessage) =>
  m.content
    .filter((p): p is Extract<ContentPart, { type: "text" }> => p.type === "text")
    .map((p) => p.text)
    .join("\n");

/**
 * What `fn` returned (or yielded) as messages with `role`: a string, a message, or a list of
 * them (gradio `_message_as_message_dict`); files stay as paths until the Chatbot stores them.
 */
function asMessages(response: unknown, role: "user" | "assistant"): ChatMessage[] {
  if (response === null || response === undefined) return [];
  const items = Array.isArray(response) ? response : [response];
  return items.map((m) => {
    if (typeof m === "object" && m !== null && "content" in m) {
      const { content, ...rest } = m as { content: unknown; [k: string]: unknown };
      return { metadata: null, options: null, ...rest, role, content: parts(content) } as ChatMessage;
    }
    return { role, content: parts(m), metadata: null, options: null };
  });
}

function parts(content: unknown): ContentPart[] {
  const one = (c: unknown): ContentPart => {
    if (typeof c === "object" && c !== null) {
      const o = c as Record<string, unknown>;
      if (o.type === "text" || o.type === "file") return o as ContentPart;
      if (typeof o.path === "string") {
        const { alt_text, ...file } = o;
        return { type: "file", file: { ...file, meta: { _type: "gradio.FileData" } }, alt_text: (alt_text as string) ?? null };
      }
    }
    return { type: "text", text: typeof c === "string" ? c : JSON.stringify(c) };
  };
  return Array.isArray(content) ? content.map(one) : [one(content)];
}

/**
 * Gradio's `_pop_last_user_message`: the history without its last exchange (the trailing
 * assistant messages and the user messages before them), and that user message: its text, or
 * with `multimodal` `{text, files}` (the files' paths), as the textbox takes it back.
 */
function popLastUserMessage(history: ChatMessage[] | null, multimodal: boolean): [ChatMessage[], string | MultimodalValue] {
  const h = history ?? [];
  let i = h.length - 1;
  while (i >= 0 && h[i]!.role === "assistant") i--;
  while (i >= 0 && h[i]!.role === "user") i--;
  const last = h.slice(i + 1).filter((m) => m.role === "user");
  const text = last
    .filter((m) => m.content.some((p) => p.type === "text"))
    .map(textOf)
    .join("\n");
  if (!multimodal) return [h.slice(0, i + 1), text];
  const files = last.flatMap((m) => m.content.flatMap((p) => (p.type === "file" && typeof p.file.path === "string" ? [p.file.path] : [])));
  return [h.slice(0, i + 1), { text, files }];
}

/**
 * The user's turn as history messages. A multimodal message becomes one message per file, then
 * one for its text, as Gradio's `_message_as_message_dict` does (an empty text after files is
 * left out, so a picture sent alone has no empty bubble after it).
 */
function userMessages(message: unknown): ChatMessage[] {
  if (typeof message !== "object" || message === null || !("files" in message || "text" in message)) return asMessages(message, "user");
  const { text, files } = message as { text?: unknown; files?: unknown };
  const fileMessages: ChatMessage[] = (Array.isArray(files) ? files : []).map((f) => {
    const path = typeof f === "string" ? f : String((f as FileData).path);
    const name = (typeof f === "object" && (f as FileData).orig_name) || basename(path);
    const file: FileData = { path, orig_name: name, mime_type: mime.getType(name), meta: { _type: "gradio.FileData" } };
    return { role: "user", content: [{ type: "file", file, alt_text: null }], metadata: null, options: null };
  });
  const withText = typeof text === "string" && (text !== "" || fileMessages.length === 0);
  return [...fileMessages, ...(withText ? asMessages(text, "user") : [])];
}

/** The `/chat` response, sent as `fn` gave it (Gradio sets `postprocess=False` on this endpoint): a JSON that is not parsed. */
class ApiResponse extends JSONComponent {
  override postprocess(value: unknown): unknown {
    return value ?? null;
  }
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === "object" && v !== null && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
const isIterator = (v: unknown): v is Iterable<unknown> =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as Iterator<unknown>).next === "function" &&
  typeof (v as Iterable<unknown>)[Symbol.iterator] === "function";
const isGeneratorFn = (fn: unknown) => /^(Async)?GeneratorFunction$/.test((fn as { constructor: { name: string } }).constructor.name);

/**
 * A chat app in one call, as Gradio's `gr.ChatInterface`: `fn` gets the message and the history
 * (and the additional inputs) and returns — or, as an `async function*`, yields — the reply.
 * The history is kept per session on the server (as Gradio's hidden State), so a client's
 * successive `predict("/chat", …)` calls continue one conversation; the page gets retry, undo
 * and clear on the Chatbot, and a Stop button while a reply streams.
 *
 * @example
 * const demo = new ChatInterface({
 *   fn: async function* (message: string) { for (let i = 1; i <= message.length; i++) yield `You typed: ${message.slice(0, i)}`; },
 *   examples: ["hello", "hola", "merhaba"],
 * });
 * await createApp(demo).request("/config");
 */
export class ChatInterface extends Blocks {
  override readonly mode = "chat_interface";
  readonly fn: ChatInterfaceOptions["fn"];
  readonly chatbot: Chatbot;
  readonly textbox: Textbox | MultimodalTextbox;
  /** Files may be attached to a message: `fn` gets `{text, files}`. */
  readonly multimodal: boolean;
  readonly additionalInputs: Component[];
  readonly additionalOutputs: Component[];

  constructor(options: ChatInterfaceOptions) {
    if (typeof options?.fn !== "function") throw new Error(`ChatInterface needs fn, a function; got ${typeof options?.fn}.`);
    const fn = options.fn;
    const additionalInputs = list(options.additionalInputs);
    const additionalOutputs = list(options.additionalOutputs);
    const examples = options.examples ?? [];
    const extraInExamples =
      additionalInputs.length > 0 && examples.some((row) => Array.isArray(row) && row.slice(1).some((v) => v !== null && v !== undefined));
    if (additionalInputs.length > 0 && examples.some((row) => !Array.isArray(row))) {
      throw new Error("With additionalInputs, each example must be a list: [message, ...one value per additional input].");
    }
    const multimodal = options.multimodal ?? options.textbox instanceof MultimodalTextbox;
    if (multimodal && options.textbox && !(options.textbox instanceof MultimodalTextbox)) {
      throw new Error("A multimodal ChatInterface needs a MultimodalTextbox as its textbox.");
    }
    // Example files are served from their folders (as Examples' files are).
    const exampleDirs = new Set<string>();
    const exampleMessages: ExampleMessage[] = examples.map((row, i) => {
      const first = Array.isArray(row) ? row[0] : row;
      const given = typeof first === "object" && first !== null ? (first as { text?: unknown; files?: unknown }) : { text: first };
      const m: ExampleMessage = { text: typeof given.text === "string" ? given.text : String(given.text ?? "") };
      if (multimodal && Array.isArray(given.files) && given.files.length > 0) {
        m.files = given.files.map((f) => {
          const path = resolve(String(f));
          exampleDirs.add(dirname(path));
          return { path, orig_name: basename(path), mime_type: mime.getType(path), meta: { _type: "gradio.FileData" } };
        });
      }
      if (options.exampleLabels?.[i] !== undefined) m.display_text = options.exampleLabels[i];
      return m;
    });

    let chatbot!: Chatbot;
    let textbox!: Textbox | MultimodalTextbox;
    let savedInput!: State;
    let nullComponent!: State;
    let chatbotState!: State;
    let chatbotValue!: State;
    let fakeApiBtn!: Button;
    let apiResponse!: ApiResponse;
    let submit!: (...args: never[]) => unknown;
    const body = (demo: Blocks) => {
      savedInput = new State();
      nullComponent = new State();
      new Column(() => {
        // Gradio's title markup; an HTML block (sanitised on the server) because the page's Markdown escapes raw HTML.
        if (options.title) new HTML({ value: `<h1 style='text-align: center; margin-bottom: 1rem'>${options.title}</h1>` });
        if (options.description) new Markdown(options.description);
        if (options.chatbot) place(options.chatbot);
        chatbot =
          options.chatbot ??
          new Chatbot({
            label: "Chatbot",
            scale: 1,
            height: options.fillHeight === false ? undefined : 400,
            autoscroll: options.autoscroll ?? true,
          });
        if (!extraInExamples && exampleMessages.length > 0) chatbot.examples = exampleMessages;
        if (options.editable) chatbot.editable = "user";
        new Group(() => {
          new Row(() => {
            if (options.textbox) place(options.textbox);
            const boxOptions = {
              showLabel: false,
              label: "Message",
              placeholder: "Type a message...",
              scale: 7,
              autofocus: options.autofocus ?? true,
              submitBtn: options.submitBtn ?? true,
              stopBtn: options.stopBtn ?? true,
            };
            textbox = options.textbox ?? (multimodal ? new MultimodalTextbox(boxOptions) : new Textbox(boxOptions));
          });
        });
        fakeApiBtn = new Button({ value: "Fake API", visible: false });
        apiResponse = new ApiResponse({ label: "Response", visible: false });
        chatbotState = new State({ value: [] });
        chatbotValue = new State({ value: [] });
        if (extraInExamples) new Examples({ examples: examples as unknown[][], inputs: [textbox, ...additionalInputs] });
        const unplaced = additionalInputs.filter((c) => !demo.blocks.includes(c));
        if (unplaced.length > 0) {
          new Accordion({ label: options.additionalInputsAccordion ?? "Additional Inputs", open: false }, () => {
            for (const c of unplaced) place(c);
          });
        }
      });
      submit = chatEvents();
    };

    // The events, as Gradio's _setup_events wires them (only the ones this server has: no
    // saved conversations, no editing, no option buttons).
    const chatEvents = () => {
      const generator = isGeneratorFn(fn);
      const extraOut = additionalOutputs.length;
      const split = (response: unknown): [unknown, unknown[]] =>
        extraOut > 0 && Array.isArray(response) ? [response[0], response.slice(1)] : [response, []];
      const withUser = (message: unknown, history: ChatMessage[] | null) => [...structuredClone(history ?? []), ...userMessages(message)];
      // The reply as it grows, with the history after it: what both the page's event and /chat yield.
      async function* replies(message: unknown, history: ChatMessage[] | null, args: unknown[]) {
        const before = withUser(message, history);
        const result = fn(message, structuredClone(history ?? []), ...args);
        if (isAsyncIterable(result) || isIterator(result)) {
          let any = false;
          for await (const chunk of result as AsyncIterable<unknown>) {
            any = true;
            const [reply, extra] = split(chunk);
            yield [reply, [...before, ...asMessages(reply, "assistant")], ...extra];
          }
          if (!any) yield [null, before, ...new Array(extraOut).fill(null)];
          return;
        }
        const [reply, extra] = split(await result);
        yield [reply, [...before, ...asMessages(reply, "assistant")], ...extra];
      }
      // A generator fn streams (the page shows a Stop button); any other fn answers once.
      const submitFn = generator
        ? async function* _submit_fn(message: unknown, history: ChatMessage[] | null, ...args: unknown[]) {
            yield* replies(message, history, args);
          }
        : async function _submit_fn(message: unknown, history: ChatMessage[] | null, ...args: unknown[]) {
            let last: unknown[] = [];
            for await (const r of replies(message, history, args)) last = r;
            return last;
          };
      const sync: EventOptions = {
        fn: (x: unknown) => [x, x],
        inputs: [chatbot],
        outputs: [chatbotState, chatbotValue],
        apiName: false,
        queue: false,
      } as const;
      const limit = options.concurrencyLimit;
      const submitKwargs: EventOptions = {
        fn: submitFn,
        inputs: [savedInput, chatbotState, ...additionalInputs],
        outputs: [nullComponent, chatbot, ...additionalOutputs],
        apiName: false,
        showProgress: options.showProgress ?? "minimal",
        ...(limit === undefined ? {} : { concurrencyLimit: limit }),
      } as const;
      // The message just sent (savedInput) shown after `history`, before its reply begins.
      const showSent = (history: Chatbot | State): EventOptions => ({
        fn: (message: unknown, before: ChatMessage[]) => withUser(message, before),
        inputs: [savedInput, history],
        outputs: [chatbot],
        apiName: false,
        queue: false,
      });
      // After a chain has put the user's message in the chat: lock the box, answer, keep the history, unlock.
      const answer = (shown: EventListener) =>
        shown
          .then({ fn: () => update({ interactive: false, placeholder: "" }), inputs: [], outputs: [textbox], apiName: false })
          .then(submitKwargs)
          .then(sync)
          .then({ fn: () => update({ interactive: true }), inputs: [], outputs: [textbox], apiName: false });
      // Enter: the textbox empties and locks, the message shows at once, then the reply streams in.
      textbox
        .submit({
          fn: (message: unknown) => [update({ value: "", interactive: false, placeholder: "" }), message],
          inputs: [textbox],
          outputs: [textbox, savedInput],
          apiName: false,
          queue: false,
        })
        .then(showSent(chatbot))
        .then(submitKwargs)
        .then(sync)
        .then({ fn: () => update({ value: null, interactive: true }), inputs: [], outputs: [textbox], apiName: false });

      // The endpoint clients call: the message (and additional inputs) in, the reply out; the
      // history is the session's State, so successive calls continue the conversation.
      fakeApiBtn.click({
        fn: submitFn,
        inputs: [textbox, chatbotState, ...additionalInputs],
        outputs: [apiResponse, chatbotState, ...additionalOutputs],
        apiName: options.apiName ?? "chat",
        ...(options.apiDescription ? { apiDescription: options.apiDescription } : {}),
        ...(limit === undefined ? {} : { concurrencyLimit: limit }),
      });

      // Retry: drop the last exchange, show its message again, answer it again.
      answer(
        chatbot
          .on("retry", {
            fn: (history: ChatMessage[]) => popLastUserMessage(history, multimodal),
            inputs: [chatbotState],
            outputs: [chatbotState, savedInput],
            apiName: false,
            queue: false,
          })
          .then(showSent(chatbotState)),
      );

      // Undo: drop the last exchange and put its message back in the textbox.
      chatbot
        .on("undo", {
          fn: (history: ChatMessage[]) => popLastUserMessage(history, multimodal),
          inputs: [chatbot],
          outputs: [chatbot, textbox],
          apiName: false,
          queue: false,
        })
        .then(sync);

      // An example clicked in the empty Chatbot: sent as if typed (Gradio's example_clicked). The
      // event names the example by index; its message is the server's own, never the page's
      // copy, so the page cannot slip a path of its choosing to fn.
      answer(
        chatbot.on("example_select", {
          fn: (history: ChatMessage[] | null, evt: EventData) => {
            const example = typeof evt.index === "number" ? exampleMessages[evt.index] : undefined;
            if (!example) throw new InputError(`No example ${JSON.stringify(evt.index ?? null)}: there are ${exampleMessages.length}.`);
            const message = multimodal
              ? { text: example.text, files: (example.files ?? []).map((f) => (f as FileData).path) }
              : example.text;
            return [withUser(message, history), message];
          },
          inputs: [chatbot],
          outputs: [chatbot, savedInput],
          apiName: false,
          queue: false,
          eventData: true,
        }),
      );

      // Edit (with `editable`): the conversation is cut before the edited message, which is then
      // sent again as edited (Gradio's _edit_message). The history is the session's, so the
      // index must name one of its user messages.
      if (options.editable) {
        answer(
          chatbot
            .edit({
              fn: (history: ChatMessage[] | null, evt: EventData) => {
                const kept = history ?? [];
                const at = evt.index;
                if (typeof at !== "number" || kept[at]?.role !== "user" || typeof evt.value !== "string") {
                  throw new InputError(
                    `Edit: ${JSON.stringify(at ?? null)} is not one of this conversation's messages, or the new text is missing.`,
                  );
                }
                const text = evt.value;
                return [kept.slice(0, at), multimodal ? { text, files: [] } : text];
              },
              inputs: [chatbotState],
              outputs: [chatbotState, savedInput],
              apiName: false,
              queue: false,
              eventData: true,
            })
            .then(showSent(chatbotState)),
        );
      }

      // Clear (the Chatbot's trash button): the session's history empties too.
      chatbot.on("clear", sync);

      // Set from another event (`chat.chatbotValue`), the Chatbot and the history follow.
      chatbotValue.change({ fn: (x: unknown) => x, inputs: [chatbotValue], outputs: [chatbot], apiName: false }).then(sync);
      return submitFn as (...args: never[]) => unknown;
    };

    // Gradio builds the ChatInterface inside its own `with self:`.
    super(
      {
        title: options.title || "Gradio",
        fillHeight: options.fillHeight ?? true,
        fillWidth: options.fillWidth,
        showError: options.showError,
      },
      body,
    );
    this.fn = fn;
    this.additionalInputs = additionalInputs;
    this.additionalOutputs = additionalOutputs;
    this.chatbot = chatbot;
    this.textbox = textbox;
    this.multimodal = multimodal;
    this.allowedPaths.push(...exampleDirs);

    // The endpoint's parameters are fn's own names (Gradio wraps fn with functools.wraps); the
    // history (a State) is left out of the API, as Gradio's is.
    const api = this.dependencies.find((d) => d.fn === submit && d.outputs.includes(apiResponse));
    if (api) {
      const own = fnNames(fn);
      (api as { parameters: { name: string; hasDefault: boolean }[] }).parameters = api.inputs.map((c, i) => ({
        name: isState(c) ? "history" : (own[i] ?? (i === 0 ? "message" : `param_${i}`)),
        hasDefault: false,
      }));
    }
  }
}

/** fn's parameter names, by position. */
const fnNames = (fn: (...args: never[]) => unknown) => fnParams(fn).map((p) => p.name ?? "");

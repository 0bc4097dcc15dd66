/**
 * Chatbot (gradio js/chatbot): the conversation as a log (`role="log"`, announced politely), one
 * bubble per message (user on the right, assistant on the left), Markdown text, images, audio,
 * video and files from FileData. A reply that streams grows in place: only the messages whose
 * content changed are redrawn, and the list follows the bottom unless the user scrolled up.
 * Under the last reply: Retry and Undo when the app listens to them (`_retryable`, `_undoable`,
 * as Gradio sets them, or a dependency on the event); Clear empties the chat (`clear`). Under each
 * reply, the `feedback_options` (Like, Dislike) when the app listens to `like`; with `editable`,
 * Edit on the user's messages (or all) opens a text box whose Save sends `edit`. Before the first message, the
 * `examples` are buttons (`example_select` with `{index, value}`); `placeholder` is shown as
 * Markdown.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { renderMarkdownLite } from "../markdown-lite.ts";
import { type ChatMessage, messageBody, normalize, partsOf, textOf } from "./chat-message.ts";
import { fileUrl, isFileData } from "./file-url.ts";
import { block, fieldId, type Widget, type WidgetContext } from "./widget.ts";

/** One entry of the Chatbot's `examples` prop (gradio ExampleMessage). */
interface Example {
  text?: string;
  display_text?: string;
  files?: unknown[];
  icon?: unknown;
}

const ROLE_NAMES: Record<string, string> = { user: "You", assistant: "Assistant", system: "System" };

export function chatbot(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const log = h("div", {
    class: "chat-log",
    role: "log",
    "aria-live": "polite",
    "aria-labelledby": fieldId(c, "-label"),
    tabindex: 0, // scrollable: reachable from the keyboard
  });
  if (typeof p.height === "number") log.style.height = `${p.height}px`;
  else if (typeof p.height === "string") log.style.height = p.height;
  const placeholder = h("div", { class: "chat-placeholder prose" });
  if (typeof p.placeholder === "string" && p.placeholder) placeholder.innerHTML = renderMarkdownLite(p.placeholder);
  const examples = h("div", { class: "chat-examples" });
  const retry = h("button", { type: "button", class: "secondary small" }, "Retry");
  const undo = h("button", { type: "button", class: "secondary small" }, "Undo");
  const clear = h("button", { type: "button", class: "secondary small" }, "Clear");
  const actions = h("div", { class: "chat-actions" }, retry, undo, clear);
  // Gradio's pending bubble: the message is sent, the reply has not begun.
  const pending = h(
    "div",
    { class: "chat-message chat-bot chat-pending", "data-testid": "pending" },
    h("span", { class: "visually-hidden" }, "Waiting for the reply"),
    h("span", { class: "dots", "aria-hidden": "true" }, h("span", {}), h("span", {}), h("span", {})),
  );
  const { element, setLabel } = block(c, "chatbot", [log, actions]);

  let value: unknown = [];
  let messages: ChatMessage[] = [];
  /** What each drawn bubble shows, to redraw only what changed. */
  let drawn: string[] = [];
  // Gradio sets `_retryable`/`_undoable` when the app listens to retry/undo: either says so.
  const retryable = p._retryable === true || ctx.listens?.("retry") === true;
  const undoable = p._undoable === true || ctx.listens?.("undo") === true;
  // Like buttons only when something listens (Gradio's `likeable`).
  const likeable = p.likeable === true || ctx.listens?.("like") === true;
  /** An event writing to the chat is running: no Retry or Undo until it ends (Gradio hides them too). */
  let busy = false;

  const lastUser = () => messages.findLastIndex((m) => m.role === "user");
  const undoRetryData = () => {
    const i = lastUser();
    return { index: i, value: i >= 0 ? textOf(messages[i]!) : null };
  };

  const bubble = (m: ChatMessage, i: number) =>
    h(
      "div",
      { class: `chat-message chat-${m.role === "user" ? "user" : "bot"}`, "data-index": i, "data-testid": `${m.role}-message` },
      h("span", { class: "visually-hidden" }, `${ROLE_NAMES[m.role] ?? m.role}: `),
      messageBody(m),
      m.options?.length
        ? h(
            "div",
            { class: "chat-options" },
            ...m.options.map((o) => {
              const b = h("button", { type: "button", class: "secondary small" }, o.label ?? o.value);
              b.addEventListener("click", () => ctx.emit("option_select", { index: i, value: o.value }));
              return b;
            }),
          )
        : null,
      m.role === "assistant" && likeable ? feedback(m, i) : null,
      canEdit(m) ? editButton(m, i) : null,
    );

  /** Gradio's `editable`: "user" lets the user edit their own messages, "all" every message; text only. */
  const canEdit = (m: ChatMessage) =>
    (p.editable === "all" || (p.editable === "user" && m.role === "user")) && partsOf(m.content).every((part) => part.kind === "text");

  /** Edit turns the bubble into a text box with Save and Cancel; Save sends `edit` with `{index, value, previous_value}`. */
  function editButton(m: ChatMessage, i: number) {
    const button = h("button", { type: "button", class: "secondary small chat-edit" }, "Edit");
    button.addEventListener("click", () => {
      const bubbleEl = button.closest<HTMLElement>(".chat-message")!;
      const previous = textOf(m);
      const box = h("textarea", { class: "chat-editor", "aria-label": "Edit message", rows: 3 }) as HTMLTextAreaElement;
      box.value = previous;
      const save = h("button", { type: "button", class: "primary small" }, "Save");
      const cancel = h("button", { type: "button", class: "secondary small" }, "Cancel");
      const editor = h("div", { class: "chat-editing" }, box, h("div", { class: "chat-options" }, save, cancel));
      const shown = [...bubbleEl.children];
      for (const child of shown) if (!child.classList.contains("visually-hidden")) (child as HTMLElement).hidden = true;
      bubbleEl.append(editor);
      box.focus();
      const close = () => {
        editor.remove();
        for (const child of shown) (child as HTMLElement).hidden = false;
        button.focus();
      };
      cancel.addEventListener("click", close);
      box.addEventListener("keydown", (e) => {
        if (e.key === "Escape") close();
      });
      save.addEventListener("click", () => {
        close();
        if (box.value !== previous) ctx.emit("edit", { index: i, value: box.value, previous_value: previous });
      });
    });
    return button;
  }

  /** Gradio's feedback buttons under a reply (`feedback_options`, default Like and Dislike): `like` with `{index, value, liked}`. */
  function feedback(m: ChatMessage, i: number) {
    const options = Array.isArray(p.feedback_options) ? (p.feedback_options as string[]) : ["Like", "Dislike"];
    const buttons = options.map((option) => {
      const b = h("button", { type: "button", class: "secondary small", "aria-pressed": "false" }, option);
      b.addEventListener("click", () => {
        for (const other of buttons) other.setAttribute("aria-pressed", String(other === b));
        // As Gradio's page: Like is true, Dislike false, any other option its own text.
        const liked = option === "Like" ? true : option === "Dislike" ? false : option;
        ctx.emit("like", { index: i, value: textOf(m), liked });
      });
      return b;
    });
    return h("div", { class: "chat-feedback", role: "group", "aria-label": "Feedback on this reply" }, ...buttons);
  }

  function renderExamples() {
    const list = Array.isArray(p.examples) ? (p.examples as Example[]) : [];
    examples.replaceChildren(
      ...list.map((example, i) => {
        const icon = isFileData(example.icon) && example.icon.path ? h("img", { src: fileUrl(example.icon), alt: "" }) : null;
        const b = h("button", { type: "button", class: "chat-example" }, icon, example.display_text ?? example.text ?? `Example ${i + 1}`);
        b.addEventListener("click", () => ctx.emit("example_select", { index: i, value: example }));
        return b;
      }),
    );
    examples.hidden = !list.length;
  }

  function render() {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const keys = messages.map((m) => JSON.stringify(m));
    // Keep the bubbles whose message is unchanged: a streaming reply only redraws itself.
    const bubbles = [...log.querySelectorAll<HTMLElement>(":scope > .chat-message:not(.chat-pending)")];
    keys.forEach((key, i) => {
      if (drawn[i] === key && bubbles[i]) return;
      const fresh = bubble(messages[i]!, i);
      if (bubbles[i]) bubbles[i]!.replaceWith(fresh);
      else if (pending.isConnected) pending.before(fresh);
      else log.append(fresh);
      bubbles[i] = fresh;
    });
    for (const extra of bubbles.slice(keys.length)) extra.remove();
    drawn = keys;
    const empty = !messages.length;
    // No editing while an event writes to the chat (the Edit buttons hide, as Retry and Undo do).
    log.classList.toggle("busy", busy);
    if (busy && messages.at(-1)?.role === "user") log.append(pending);
    else pending.remove();
    if (empty) log.append(placeholder, examples);
    else {
      placeholder.remove();
      examples.remove();
    }
    placeholder.hidden = !placeholder.textContent;
    const last = messages.at(-1);
    const settled = !busy && last?.role === "assistant";
    retry.hidden = !(retryable && settled);
    undo.hidden = !(undoable && settled);
    clear.hidden = empty;
    actions.hidden = retry.hidden && undo.hidden && clear.hidden;
    if (nearBottom && p.autoscroll !== false) log.scrollTop = log.scrollHeight;
  }

  const set = (v: unknown) => {
    value = v ?? [];
    messages = normalize(value).filter((m) => m.role === "user" || m.role === "assistant" || m.role === "system");
    render();
  };

  retry.addEventListener("click", () => ctx.emit("retry", undoRetryData()));
  undo.addEventListener("click", () => ctx.emit("undo", undoRetryData()));
  // Gradio's trash button: the chat empties here, then `clear` (and `change`) go to the server.
  clear.addEventListener("click", () => {
    set([]);
    ctx.emit("change");
    ctx.emit("clear");
    log.focus();
  });

  renderExamples();
  set(p.value);
  return {
    element,
    read: () => value,
    peek: () => value,
    set,
    setLabel,
    setBusy(on) {
      busy = on;
      render();
    },
    update(u) {
      if ("examples" in u) {
        p.examples = u.examples;
        renderExamples();
      }
      if (typeof u.placeholder === "string") placeholder.innerHTML = renderMarkdownLite(u.placeholder);
      render();
    },
  };
}

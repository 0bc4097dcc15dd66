/**
 * The page, built from /config: title and description, inputs with Clear and Submit, outputs
 * with Flag, examples, article, footer. It talks to the server through the Gradio protocol
 * only (client.ts), as any other client does.
 */
import "./style.css";
import { renderApiView } from "./api-view.ts";
import type { AppConfig, ComponentConfig, FileData, LabelData } from "../src/gradio/protocol.ts";
import { API, CallError, loadConfig, post, predict, ROOT, setApiPrefix, upload } from "./client.ts";
import { h } from "./dom.ts";
import { imageInput, type Picked } from "./image-input.ts";
import { labelOutput } from "./label-output.ts";
import { statusOverlay } from "./status.ts";
import { setTheme, storedTheme } from "./theme.ts";
import { toast } from "./toast.ts";

/** An input as the page drives it. */
interface Input {
  element: HTMLElement;
  /** The wire value to send (uploads a picture first). */
  read(): Promise<unknown>;
  clear(): void;
  load?(src: string, name: string): Promise<void>;
}

interface Output {
  element: HTMLElement;
  show(value: unknown): void;
}

const app = document.getElementById("app")!;
// The server rendered the Markdown and escaped any raw HTML in it (src/gradio/markdown.ts).
const markdown = (html: string | undefined, cls: string) =>
  html ? Object.assign(h("div", { class: `prose ${cls}` }), { innerHTML: html }) : null;

/**
 * localStorage, or a memory of this page's own where the browser denies it: the Space page
 * embeds an app from its own origin, a third party, and a private window blocks its storage.
 */
function pageStorage(): Pick<Storage, "getItem" | "setItem" | "removeItem"> {
  try {
    return localStorage;
  } catch {
    const kept = new Map<string, string>();
    return { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => void kept.set(k, v), removeItem: (k) => void kept.delete(k) };
  }
}

function themeToggle() {
  const names = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" } as const;
  const storage = pageStorage();
  let theme = storedTheme(storage);
  const button = h("button", { class: "link", type: "button" }, names[theme]);
  button.addEventListener("click", () => {
    theme = theme === "system" ? "light" : theme === "light" ? "dark" : "system";
    setTheme(theme, storage, document.documentElement);
    button.textContent = names[theme];
  });
  return button;
}

function footer() {
  return h(
    "footer",
    {},
    h(
      "nav",
      { "aria-label": "Footer" },
      h("a", { href: `${ROOT}/?view=api` }, "Use via API"),
      " · ",
      h("a", { href: `${ROOT}/report` }, "Model report"),
      " · ",
      h("a", { href: "https://www.gradio.app", target: "_blank", rel: "noopener" }, "Built on the Gradio protocol"),
      " · ",
      themeToggle(),
    ),
  );
}

function makeInput(c: ComponentConfig, onError: (m: string) => void): Input {
  const label = c.props.label ?? c.type;
  if (c.type === "image") {
    let picked: Picked | null = null;
    let sent: { blob: Blob; value: unknown } | undefined; // an unchanged picture is not uploaded twice
    const input = imageInput(label, c.props.max_upload_side ?? 1024, (p) => (picked = p), onError);
    return {
      element: input.element,
      async read() {
        if (!picked) throw new CallError(`Please add an image first: drop one, click to upload, paste, or use the webcam.`);
        if (sent?.blob !== picked.blob) sent = { blob: picked.blob, value: await upload(picked.blob, picked.name) };
        return sent.value;
      },
      clear: () => void input.clear(),
      load: (src, name) => input.load(src, name),
    };
  }
  const id = `in-${c.id}`;
  const field = c.type === "number" ? h("input", { id, type: "number", step: "any" }) : h("textarea", { id, rows: 3 });
  return {
    element: h("div", { class: "block" }, h("label", { for: id, class: "block-label" }, label), field),
    read: async () => (c.type === "number" ? (field.value === "" ? null : Number(field.value)) : field.value),
    clear: () => {
      field.value = "";
    },
  };
}

function makeOutput(c: ComponentConfig): Output {
  const label = c.props.label ?? c.type;
  if (c.type === "label") {
    const out = labelOutput(label, typeof c.props.trained_on === "string" ? c.props.trained_on : undefined);
    return { element: out.element, show: (v) => out.show(v as LabelData | null) };
  }
  const box = h("output", { class: "text-output" });
  return {
    element: h("div", { class: "block" }, h("span", { class: "block-label" }, label), box),
    show: (v) => {
      box.textContent = v === null || v === undefined ? "" : String(v);
    },
  };
}

/** Watches for the server coming back after a lost connection, and says so. */
function connectionWatch(appId: number, onBack: () => void) {
  const banner = h("div", { class: "banner", role: "alert", hidden: true }, "Connection to the Space was lost. Reconnecting…");
  let polling = false;
  return {
    banner,
    lost() {
      if (polling) return;
      polling = true;
      banner.hidden = false;
      const poll = async () => {
        try {
          const { app_id } = await (await fetch(`${API}/app_id`, { cache: "no-store" })).json();
          polling = false;
          banner.hidden = true;
          toast(app_id === appId ? "Connection re-established." : "The Space restarted; you can go on.", "success", 5);
          onBack();
        } catch {
          setTimeout(poll, 1000);
        }
      };
      setTimeout(poll, 500);
    },
  };
}

async function main() {
  const config: AppConfig = await loadConfig();
  setApiPrefix(config.api_prefix);
  document.title = config.title;
  app.removeAttribute("aria-busy");
  if (new URLSearchParams(location.search).get("view") === "api") {
    const view = h("main", { class: "api" });
    app.replaceChildren(view, footer());
    await renderApiView(view, config);
    return;
  }
  const byId = new Map(config.components.map((c) => [c.id, c]));
  const dep = config.dependencies[0]!;
  const inputs = dep.inputs.map((id) => makeInput(byId.get(id)!, (m) => toast(m)));
  const outputs = dep.outputs.map((id) => makeOutput(byId.get(id)!));
  const status = statusOverlay();
  let lastRun: { data: unknown[]; outputs: unknown[] } | undefined;
  let running = false;

  const submit = h("button", { class: "primary", type: "button" }, "Submit");
  const clear = h("button", { class: "secondary", type: "button" }, "Clear");
  const flag = h("button", { class: "secondary", type: "button", disabled: true }, "Flag");
  const watch = connectionWatch(config.app_id, () => (submit.disabled = false));

  const show = (values: unknown[] | null) => {
    outputs.forEach((o, i) => {
      o.show(values?.[i] ?? null);
    });
  };
  async function run(data?: unknown[]) {
    if (running) return;
    running = true;
    submit.disabled = true;
    status.start();
    try {
      const sent = data ?? (await Promise.all(inputs.map((i) => i.read())));
      const result = await predict(sent, status.update);
      show(result);
      lastRun = { data: sent, outputs: result };
      flag.disabled = false;
      flag.textContent = "Flag";
    } catch (err) {
      const e = err as CallError;
      toast(e.message);
      if (e.connectionLost) watch.lost();
    } finally {
      status.stop();
      running = false;
      submit.disabled = false;
    }
  }
  submit.addEventListener("click", () => void run());
  clear.addEventListener("click", () => {
    for (const input of inputs) input.clear();
    show(null);
    lastRun = undefined;
    flag.disabled = true;
    flag.textContent = "Flag";
  });
  flag.addEventListener("click", async () => {
    if (!lastRun) return;
    const flagged = lastRun;
    flag.disabled = true;
    flag.textContent = "Saving...";
    try {
      await post("/flag", { data: flagged.data, output: flagged.outputs });
      // The pause lets "Saving..." be seen; a run that replaced this one meanwhile keeps its "Flag".
      setTimeout(() => {
        if (lastRun === flagged) flag.textContent = "Flagged";
      }, 300);
    } catch (err) {
      flag.textContent = "Error!";
      flag.disabled = false;
      toast((err as Error).message);
    }
  });

  const examples =
    config.examples.length && inputs.length === 1 && inputs[0]!.load
      ? h(
          "section",
          { class: "examples", "aria-labelledby": "examples-title" },
          h("h2", { id: "examples-title", class: "block-label" }, "Examples"),
          h(
            "div",
            { class: "gallery" },
            ...config.examples.map((row, i) => {
              const file = row[0] as FileData;
              const img = h("img", { src: file.url, alt: "", loading: "lazy" });
              img.addEventListener("load", () => img.naturalWidth < 128 && img.classList.add("pixelated"));
              const card = h(
                "button",
                { class: "example", type: "button", "aria-label": `Example ${i + 1}: ${file.orig_name ?? ""}` },
                img,
              );
              card.addEventListener("click", async () => {
                await inputs[0]!.load!(file.url!, file.orig_name ?? "example.png");
                const cached = config.example_outputs[i];
                const data = [{ path: file.path, orig_name: file.orig_name, meta: { _type: "gradio.FileData" } }];
                if (cached) {
                  show(cached); // computed once at start: instant
                  lastRun = { data, outputs: cached };
                  flag.disabled = false;
                  flag.textContent = "Flag";
                } else await run(data);
              });
              return card;
            }),
          ),
        )
      : null;

  app.replaceChildren(
    watch.banner,
    h("header", {}, h("h1", {}, config.title), markdown(config.description, "description")),
    h(
      "main",
      {},
      h(
        "div",
        { class: "columns" },
        h(
          "section",
          { class: "column", "aria-label": "Inputs" },
          ...inputs.map((i) => i.element),
          h("div", { class: "buttons" }, clear, submit),
        ),
        h(
          "section",
          { class: "column outputs", "aria-label": "Outputs" },
          status.element,
          ...outputs.map((o) => o.element),
          config.flagging_mode === "manual" ? h("div", { class: "buttons" }, flag) : null,
        ),
      ),
      examples,
      markdown(config.article, "article"),
    ),
    footer(),
  );
}

main().catch((err) => {
  app.replaceChildren(h("p", { class: "banner", role: "alert" }, `This Space could not start its page: ${(err as Error).message}`));
});

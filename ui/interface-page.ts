/**
 * The Interface page (`mode: "interface"`): title and description, the inputs with Clear and
 * Submit, the outputs with Flag, examples, article, footer — Gradio's Interface layout. Inputs
 * and outputs are the same widgets the Blocks page uses. A generator's yields show as they come,
 * and while it runs a Stop button stands in for Submit, as in Gradio's Interface.
 */
import type { AppConfig, ComponentConfig, FileData } from "../src/gradio/protocol.ts";
import { CallError, post, predict } from "./client.ts";
import { connectionWatch } from "./connection.ts";
import { h } from "./dom.ts";
import { footer } from "./footer.ts";
import { markupBlock, showLog } from "./page-parts.ts";
import { statusOverlay } from "./status.ts";
import { toast } from "./toast.ts";
import { createWidget, isUpdate, type Widget } from "./widgets/index.ts";

type ImageWidget = Widget & { load?(src: string, name: string): Promise<void> };

/** Applies a wire value or an update's value (`yielded`: a generator's intermediate value). */
const show = (w: Widget, value: unknown, how?: { yielded?: boolean }) => {
  if (isUpdate(value)) {
    if ("value" in value) w.set(value.value, how);
  } else w.set(value, how);
};

export function renderInterface(app: HTMLElement, config: AppConfig): void {
  const byId = new Map(config.components.map((c) => [c.id, c]));
  const dep = config.dependencies[0]!;
  const status = statusOverlay();
  let lastRun: { data: unknown[]; outputs: unknown[] } | undefined;
  let running = false;

  const submit = h("button", { class: "primary", type: "button" }, "Submit");
  const stop = h("button", { class: "stop", type: "button", hidden: true }, "Stop");
  const generator = (dep.types as { generator?: boolean } | undefined)?.generator === true;
  let cancel: (() => Promise<void>) | undefined;
  const clear = h("button", { class: "secondary", type: "button" }, "Clear");
  const flag = h("button", { class: "secondary", type: "button", disabled: true }, "Flag");
  const watch = connectionWatch(config.app_id, () => (submit.disabled = false));

  const context = (interactive: boolean) => ({
    interactive,
    edited: () => {},
    emit: (event: string) => event === "submit" && void run(),
    error: (message: string) => toast(message),
  });
  const inputConfigs = dep.inputs.map((id) => byId.get(id)!);
  const inputs: ImageWidget[] = inputConfigs.map((c) => createWidget(c, context(true)));
  const outputs = dep.outputs.map((id) => createWidget(byId.get(id)!, context(false)));

  /** The inputs' wire values; an Image with no picture is refused here, as the page always has. */
  const read = () =>
    Promise.all(
      inputs.map(async (input, i) => {
        const value = await input.read();
        if (value === null && inputConfigs[i]!.type === "image")
          throw new CallError("Please add an image first: drop one, click to upload, paste, or use the webcam.");
        return value;
      }),
    );
  const showAll = (values: unknown[] | null, how?: { yielded?: boolean }) => {
    outputs.forEach((o, i) => {
      show(o, values?.[i] ?? null, how);
    });
  };
  async function run(data?: unknown[]) {
    if (running) return;
    running = true;
    submit.disabled = true;
    if (generator) {
      submit.hidden = true;
      stop.hidden = false;
      stop.disabled = false;
    }
    status.start();
    try {
      const sent = data ?? (await read());
      const result =
        (await predict(sent, status.update, {
          progress: status.progress,
          log: showLog,
          generating: (values) => {
            status.generating();
            showAll(values, { yielded: true });
          },
          joined: (c) => (cancel = c),
        })) ?? outputs.map((o) => o.peek());
      showAll(result);
      lastRun = { data: sent, outputs: result };
      flag.disabled = false;
      flag.textContent = "Flag";
    } catch (err) {
      const e = err as CallError;
      toast(e.message, "error", e.payload?.duration === undefined ? 10 : e.payload.duration, e.payload?.title);
      if (e.connectionLost) watch.lost();
    } finally {
      status.stop();
      running = false;
      cancel = undefined;
      submit.disabled = false;
      submit.hidden = false;
      stop.hidden = true;
    }
  }
  stop.addEventListener("click", () => {
    stop.disabled = true;
    void cancel?.();
  });
  submit.addEventListener("click", () => void run());
  clear.addEventListener("click", () => {
    for (const input of inputs) input.set(null);
    showAll(null);
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

  /** Example `i` picked: its cached outputs at once, else a run. */
  const picked = async (i: number, data: unknown[]) => {
    const cached = config.example_outputs[i];
    if (cached) {
      showAll(cached); // computed once at start: instant
      lastRun = { data, outputs: cached };
      flag.disabled = false;
      flag.textContent = "Flag";
    } else await run(data);
  };
  const examples = !config.examples.length
    ? null
    : inputs.length === 1 && inputs[0]!.load
      ? imageGallery(config.examples, async (file, i) => {
          await inputs[0]!.load!(file.url!, file.orig_name ?? "example.png");
          await picked(i, [{ path: file.path, orig_name: file.orig_name, meta: { _type: "gradio.FileData" } }]);
        })
      : exampleTable(config, inputConfigs, (i) => {
          const row = config.examples[i]!;
          row.forEach((value, j) => {
            inputs[j]?.set(value);
          });
          void picked(i, row);
        });

  app.replaceChildren(
    watch.banner,
    h("header", {}, h("h1", {}, config.title), markupBlock(config.description, "description")),
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
          h("div", { class: "buttons" }, clear, submit, stop),
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
      markupBlock(config.article, "article"),
    ),
    footer(),
  );
}

/** One input, an image: the examples as a gallery of thumbnails. */
function imageGallery(rows: unknown[][], onPick: (file: FileData, i: number) => Promise<void>) {
  return h(
    "section",
    { class: "examples", "aria-labelledby": "examples-title" },
    h("h2", { id: "examples-title", class: "block-label" }, "Examples"),
    h(
      "div",
      { class: "gallery" },
      ...rows.map((row, i) => {
        const file = row[0] as FileData;
        const img = h("img", { src: file.url, alt: "", loading: "lazy" });
        img.addEventListener("load", () => img.naturalWidth < 128 && img.classList.add("pixelated"));
        const card = h("button", { class: "example", type: "button", "aria-label": `Example ${i + 1}: ${file.orig_name ?? ""}` }, img);
        card.addEventListener("click", () => void onPick(file, i));
        return card;
      }),
    ),
  );
}

/** Several inputs (or one that is not an image): the examples as a table, as Gradio's Dataset. */
function exampleTable(config: AppConfig, inputs: ComponentConfig[], onPick: (i: number) => void) {
  const dataset = createWidget(
    {
      id: -1,
      type: "dataset",
      props: {
        label: "Examples",
        samples: config.examples,
        headers: inputs.map((c) => c.props.label ?? c.type),
        component_props: inputs.map((c) => c.props),
      },
      skip_api: true,
      key: null,
    },
    {
      interactive: true,
      edited: () => {},
      // A row's click: the Dataset's value is the row's index.
      emit: (event) => {
        const i = dataset.peek();
        if (event === "click" && typeof i === "number") onPick(i);
      },
      error: () => {},
    },
  );
  return h("section", { class: "examples" }, dataset.element);
}

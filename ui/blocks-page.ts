/**
 * The Blocks page (`mode: "blocks"`): the `layout` tree rendered with the layouts and widgets,
 * and every `dependency` wired as Gradio's page does (js/core Blocks.svelte). An event of a
 * component runs the dependencies that target it: their inputs are read (files uploaded), the
 * call joins the queue in this page's session (fn_index = the dependency's id), the outputs
 * show a status overlay while it runs, its result sets them (values or update objects, which
 * fire `change`), and the dependencies that follow it (`.then()`) run after. A generator's
 * yields set the outputs as they come; its overlay has a Stop button unless the app wires its
 * own (a dependency whose `cancels` lists it, as ChatInterface's stop does).
 */
import type { AppConfig, ComponentConfig, DependencyConfig } from "../src/gradio/protocol.ts";
import { type CallError, session } from "./client.ts";
import { connectionWatch } from "./connection.ts";
import { h } from "./dom.ts";
import { footer } from "./footer.ts";
import { createLayout, LAYOUTS, type Layout } from "./layout.ts";
import { showLog } from "./page-parts.ts";
import { type StatusOverlay, statusOverlay } from "./status.ts";
import { toast } from "./toast.ts";
import { createWidget, isUpdate, type Widget } from "./widgets/index.ts";

/** A node of /config's `layout`. */
interface LayoutNode {
  id: number;
  children?: LayoutNode[];
}

/** Gradio's `has_no_default_value`: nothing shown yet. */
const empty = (value: unknown) =>
  value === null ||
  value === undefined ||
  value === "" ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0);

export function renderBlocks(app: HTMLElement, config: AppConfig): void {
  const byId = new Map(config.components.map((c) => [c.id, c]));
  const deps = config.dependencies;
  const inputIds = new Set(deps.flatMap((d) => d.inputs));
  const outputIds = new Set(deps.flatMap((d) => d.outputs));
  const widgets = new Map<number, Widget>();
  const layouts = new Map<number, Layout>();
  const trackers = new Map<number, StatusOverlay>();
  /** Dependencies running now, and the trigger an `always_last` one runs again with. */
  const running = new Set<number>();
  const again = new Map<number, [number | null, unknown]>();
  /** How to cancel each running dependency's event (Gradio's submissions). */
  const cancellers = new Map<number, () => Promise<void>>();
  /** Dependencies some other dependency cancels: the app has its own Stop for them. */
  const cancelledByApp = new Set(deps.flatMap((d) => (Array.isArray(d.cancels) ? (d.cancels as number[]) : [])));
  const watch = connectionWatch(config.app_id, () => {});

  // Gradio's determine_interactivity: the prop if set; else an input is, and so is a component
  // that is neither input nor output and shows nothing yet.
  const interactiveOf = (c: ComponentConfig) =>
    typeof c.props.interactive === "boolean" ? c.props.interactive : inputIds.has(c.id) || (!outputIds.has(c.id) && empty(c.props.value));

  function setValue(id: number, value: unknown, how?: { yielded?: boolean }): void {
    const widget = widgets.get(id);
    if (!widget) {
      if (isUpdate(value)) layouts.get(id)?.update(value);
      return;
    }
    const before = JSON.stringify(widget.peek());
    if (isUpdate(value)) {
      if (value.visible !== undefined && widget.element) widget.element.hidden = value.visible === false;
      if (typeof value.label === "string") widget.setLabel?.(value.label);
      if (typeof value.interactive === "boolean") widget.setInteractive?.(value.interactive);
      widget.update?.(value);
      if ("value" in value) widget.set(value.value, how);
    } else widget.set(value, how);
    if (JSON.stringify(widget.peek()) !== before) fire(id, "change");
  }

  /** Runs what listens to `event` of component `id`. */
  function fire(id: number, event: string, data?: unknown): void {
    for (const dep of deps)
      if ((dep.trigger_after ?? null) === null && dep.targets.some(([target, name]) => target === id && name === event))
        void run(dep, id, data ?? null);
  }

  const trackerOf = (id: number, mode: "full" | "minimal") => {
    const element = widgets.get(id)?.element;
    if (!element || element instanceof HTMLButtonElement) return undefined;
    let tracker = trackers.get(id);
    if (!tracker) {
      tracker = statusOverlay(mode);
      trackers.set(id, tracker);
      element.append(tracker.element);
    }
    return tracker;
  };

  async function run(dep: DependencyConfig, triggerId: number | null, eventData: unknown): Promise<void> {
    // Gradio's dispatch: first cancel what this dependency cancels (a Stop button's `cancels`).
    if (Array.isArray(dep.cancels)) await Promise.all((dep.cancels as number[]).map((id) => cancellers.get(id)?.()));
    if (running.has(dep.id)) {
      if (dep.trigger_mode === "always_last") again.set(dep.id, [triggerId, eventData]);
      if (dep.trigger_mode !== "multiple") return;
    }
    running.add(dep.id);
    const mode = dep.show_progress ?? "full";
    const shown = mode === "hidden" ? [] : dep.outputs.map((id) => trackerOf(id, mode)).filter((t) => t !== undefined);
    const busy = (on: boolean) => {
      for (const id of dep.outputs) widgets.get(id)?.setBusy?.(on);
    };
    let ok = false;
    try {
      const data = await Promise.all(dep.inputs.map((id) => widgets.get(id)?.read() ?? null));
      let result: unknown[];
      if (dep.backend_fn === false)
        result = data; // no function: Gradio passes the inputs through
      else {
        const generator = (dep.types as { generator?: boolean } | undefined)?.generator === true;
        const stop = generator && !cancelledByApp.has(dep.id) ? () => void cancellers.get(dep.id)?.() : undefined;
        for (const t of shown) t.start(stop);
        busy(true);
        const values = await session.submit(
          dep.id,
          data,
          { triggerId, eventData },
          {
            status: (s) => {
              for (const t of shown) t.update(s);
            },
            progress: (units) => {
              for (const t of shown) t.progress(units);
            },
            log: showLog,
            generating: (values) => {
              for (const t of shown) t.generating();
              dep.outputs.forEach((id, i) => {
                setValue(id, values[i], { yielded: true });
              });
            },
            joined: (cancel) => cancellers.set(dep.id, cancel),
          },
        );
        result = values ?? []; // null: cancelled before the first yield, nothing to show
      }
      dep.outputs.forEach((id, i) => {
        if (i < result.length) setValue(id, result[i]);
      });
      ok = true;
    } catch (err) {
      const e = err as CallError;
      toast(e.message, "error", e.payload?.duration === undefined ? 10 : e.payload.duration, e.payload?.title);
      if (e.connectionLost) watch.lost();
    } finally {
      for (const t of shown) t.stop();
      busy(false);
      running.delete(dep.id);
      cancellers.delete(dep.id);
    }
    for (const next of deps)
      if (next.trigger_after === dep.id && (!next.trigger_only_on_success || ok) && (!next.trigger_only_on_failure || !ok))
        void run(next, triggerId, eventData);
    const queued = again.get(dep.id);
    if (queued) {
      again.delete(dep.id);
      void run(dep, ...queued);
    }
  }

  function build(node: LayoutNode): HTMLElement | null {
    const c = byId.get(node.id);
    if (!c || LAYOUTS.has(c.type)) {
      const children = (node.children ?? []).map((child) => ({ config: byId.get(child.id), element: build(child) }));
      const shown = children.filter(
        (child): child is { config: ComponentConfig | undefined; element: HTMLElement } => child.element !== null,
      );
      const layout = createLayout(
        c ?? { id: node.id, type: "blocks", props: {}, skip_api: true, key: null },
        shown.map((child) => child.element),
        shown.map((child) => child.config),
      );
      layouts.set(node.id, layout);
      return layout.element;
    }
    const widget = createWidget(c, {
      interactive: interactiveOf(c),
      edited: () => {
        fire(c.id, "input");
        fire(c.id, "change");
      },
      emit: (event, data) => fire(c.id, event, data),
      error: (message) => toast(message),
      listens: (event) => deps.some((d) => d.targets.some(([target, name]) => target === c.id && name === event)),
      fill: (ids, values) =>
        ids.forEach((id, i) => {
          setValue(id, values[i]);
        }),
    });
    widgets.set(c.id, widget);
    if (widget.element && c.props.visible === false) widget.element.hidden = true;
    return widget.element;
  }

  const root = build(config.layout as LayoutNode) ?? h("div");
  root.classList.add("blocks");
  app.replaceChildren(watch.banner, h("main", {}, root), footer());
  // Blocks.load: the dependencies whose target is the app's "load".
  for (const dep of deps) {
    const load = dep.targets.find(([, name]) => name === "load");
    if (load && (dep.trigger_after ?? null) === null) void run(dep, load[0], null);
  }
}

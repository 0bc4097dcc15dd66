/**
 * What `GET /config` and `GET /gradio_api/info` say about a Blocks (or an Interface), in the
 * shapes Gradio 6 builds (blocks.py get_config_file, get_api_info). @gradio/client 2.7 reads both.
 */
import { initialValue, isState, skipsApi, type Blocks, type Dependency } from "../blocks/blocks.ts";
import { Dataset } from "../blocks/examples.ts";
import { Layout } from "../blocks/layouts.ts";
import { Component } from "../components/component.ts";
import type { Interface } from "../interface.ts";
import { renderMarkdown } from "../markdown.ts";
import { isGeneratorFunction } from "../predict.ts";
import {
  API_PREFIX,
  type ApiInfo,
  type ApiParameter,
  type AppConfig,
  type ComponentConfig,
  type DependencyConfig,
  type LayoutNode,
} from "./protocol.ts";

/** The Gradio version whose wire format this server speaks. */
export const GRADIO_VERSION = "6.25.0";

/** The URL the page fetches a file the server holds from. */
export const fileUrlFor = (root: string) => (path: string) =>
  `${root}${API_PREFIX}/file=${path.split("/").map(encodeURIComponent).join("/")}`;

/**
 * `value` with every FileData that has a `path` but no `url` given the URL the server serves it
 * at (Gradio adds it as it sends a value), so clients can download outputs.
 *
 * @example
 * withFileUrls([{ path: "/tmp/g/ab/out.webp", meta: { _type: "gradio.FileData" } }], "http://h") // → [{ …, url: "http://h/gradio_api/file=/tmp/g/ab/out.webp" }]
 */
export function withFileUrls<T>(value: T, root: string): T {
  const url = fileUrlFor(root);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== "object" || v === null) return v;
    const o = v as Record<string, unknown>;
    if ((o.meta as { _type?: unknown } | undefined)?._type === "gradio.FileData" && typeof o.path === "string" && !o.url) {
      return { ...o, url: /^https?:\/\//.test(o.path) ? o.path : url(o.path) };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value) as T;
}

/** One block of `components` in /config: a component with its API schema, or a layout. */
function blockConfig(blocks: Blocks, block: object, id: number, root: string): ComponentConfig {
  const type = (block as { type: string }).type;
  if (block instanceof Component) {
    // An Interface keeps the props today's page reads; a Blocks sends the component's own (Gradio's).
    const defaults =
      blocks.mode === "interface" ? { show_label: true, container: true, visible: true, elem_classes: [], min_width: 160 } : {};
    const props: Record<string, unknown> = { ...defaults, ...block.props(), name: block.type };
    const label = block.label ?? blocks.defaultLabel(block);
    if (label !== undefined) props.label = label;
    if (block instanceof Dataset) {
      props.samples = block.samplesFor(fileUrlFor(root));
      props.component_ids = block.components.map((c) => blocks.idOf(c));
    }
    if (isState(block)) return { id, type, props: { ...props, value: null }, skip_api: true, key: null };
    const info = block.apiInfo();
    return { id, type, props, skip_api: false, key: null, api_info: info, api_info_as_input: info, api_info_as_output: info };
  }
  const props = (block as Layout | { configProps(): Record<string, unknown> }).configProps();
  return { id, type, props, skip_api: true, key: null };
}

function dependencyConfig(blocks: Blocks, d: Dependency): DependencyConfig {
  return {
    id: d.id,
    targets: d.targets,
    inputs: d.inputs.map((c) => blocks.idOf(c)),
    outputs: d.outputs.map((c) => blocks.idOf(c)),
    backend_fn: d.fn !== null,
    js: null,
    queue: d.queue,
    api_name: d.apiName, // no leading slash here; /info keys have one
    api_description: d.apiDescription,
    scroll_to_output: d.scrollToOutput,
    show_progress: d.showProgress,
    show_progress_on: null,
    batch: false,
    max_batch_size: 4,
    cancels: [],
    types: { generator: isGeneratorFunction(d.fn), cancel: false },
    collects_event_data: d.eventData,
    trigger_after: d.triggerAfter,
    trigger_only_on_success: d.triggerOnlyOnSuccess,
    trigger_only_on_failure: d.triggerOnlyOnFailure,
    trigger_mode: d.triggerMode,
    api_visibility: d.apiVisibility,
    rendered_in: null,
    render_id: null,
    connection: "sse",
    time_limit: null,
    stream_every: 0.5,
    event_specific_args: null,
    component_prop_inputs: [],
    js_implementation: null,
    // Not in Gradio's dependency config, which keeps them on the server; the page may show them.
    concurrency_limit: d.concurrencyLimit === "default" ? null : d.concurrencyLimit,
    concurrency_id: d.concurrencyId,
  };
}

/** The layout tree under `block` (gradio get_layout): layouts have children, components do not. */
function layoutOf(blocks: Blocks, block: object): LayoutNode {
  const id = blocks.idOf(block);
  const children = (block as { children?: object[] }).children;
  return children && (block instanceof Layout || block === blocks) ? { id, children: children.map((c) => layoutOf(blocks, c)) } : { id };
}

/**
 * The app config, with `root` the public URL of the app (absolute, no trailing slash). An
 * Interface's keeps the page's original shape (mode "interface", its `examples`,
 * `example_outputs` and `flagging_mode`); a Blocks' is Gradio's (mode "blocks").
 *
 * @example
 * toConfig(iface, "http://localhost:7860", 42).dependencies[0].api_name // → "predict"
 */
export function toConfig(blocks: Blocks, root: string, appId: number, exampleOutputs: (unknown[] | null)[] = []): AppConfig {
  const layout = layoutOf(blocks, blocks);
  const components = blocks.blocks.flatMap((block, id) => (id === 0 ? [] : [blockConfig(blocks, block, id, root)]));
  const iface = blocks.mode === "interface" ? (blocks as Interface) : undefined;
  return {
    version: GRADIO_VERSION,
    api_prefix: API_PREFIX,
    mode: blocks.mode,
    app_id: appId,
    dev_mode: false,
    analytics_enabled: false,
    components,
    css: null,
    js: null,
    head: null,
    title: blocks.title || "Gradio",
    // HTML, rendered here (Gradio renders Markdown with markdown-it-py), so the page needs no parser.
    description: renderMarkdown(iface?.description ?? ""),
    article: renderMarkdown(iface?.article ?? ""),
    connect_heartbeat: false, // true would keep Node clients alive forever
    space_id: null, // non-null makes the client send the user's token to huggingface.co for a JWT
    enable_queue: true,
    show_error: blocks.showError,
    is_colab: false,
    max_file_size: null,
    stylesheets: [],
    theme: "default",
    protocol: "sse_v3",
    fill_height: blocks.fillHeight,
    fill_width: blocks.fillWidth,
    pages: [["", "Home", true]],
    page: { "": { components: components.map((c) => c.id), dependencies: blocks.dependencies.map((d) => d.id), layout } },
    layout,
    dependencies: blocks.dependencies.map((d) => dependencyConfig(blocks, d)),
    root,
    username: null,
    // Not Gradio's: what the web UI needs beyond it (clients ignore unknown keys).
    examples: iface ? exampleRows(iface, root) : [],
    example_outputs: iface ? iface.examples.map((_, i) => exampleOutputs[i] ?? null) : [],
    flagging_mode: iface?.flaggingMode ?? "never",
  };
}

/**
 * The Interface's examples as wire values: image paths become FileData with a URL the page can show.
 *
 * @example
 * exampleRows(iface, "http://h") // → [[{ path: "/app/examples/bag.png", url: "http://h/gradio_api/file=/app/examples/bag.png", orig_name: "bag.png", meta }]]
 */
export function exampleRows(iface: Interface, root: string): unknown[][] {
  const fileUrl = fileUrlFor(root);
  return iface.examples.map((row) => row.map((value, i) => iface.inputs[i]!.asExample(value, fileUrl)));
}

/**
 * The API description (gradio get_api_info): a named endpoint per public dependency with a
 * backend function — State inputs and outputs left out, as the client expects — and an (empty
 * but present) `unnamed_endpoints`. `all` adds the undocumented ones.
 *
 * @example
 * toApiInfo(iface).named_endpoints["/predict"].parameters[0].component // → "Image"
 */
export function toApiInfo(blocks: Blocks, all = false): ApiInfo {
  const named: ApiInfo["named_endpoints"] = {};
  for (const d of blocks.dependencies) {
    if (!d.fn || d.apiVisibility === "private" || (d.apiVisibility === "undocumented" && !all)) continue;
    const parameters: ApiParameter[] = d.inputs.flatMap((c, i) => {
      if (skipsApi(c)) return [];
      const name = d.parameters[i]!.name;
      // A component with an initial value makes the parameter optional, with that value (gradio get_api_info).
      const given = initialValue(c);
      const initial = given === undefined || given === null ? undefined : (c.props().value ?? undefined);
      const hasDefault = initial !== undefined || d.parameters[i]!.hasDefault;
      return [
        {
          label: blocks.mode === "interface" ? name : (c.label ?? blocks.defaultLabel(c) ?? `parameter_${blocks.idOf(c)}`),
          parameter_name: name,
          parameter_has_default: hasDefault,
          parameter_default: initial ?? null,
          type: c.apiInfo(),
          python_type: c.pythonType(),
          component: c.componentName,
          example_input: c.exampleInput(),
        },
      ];
    });
    const outputs = d.outputs.filter((c) => !skipsApi(c));
    const returns: ApiParameter[] = outputs.map((c, i) => ({
      label:
        c.label ??
        blocks.defaultLabel(c) ??
        (blocks.mode === "interface" ? (outputs.length === 1 ? "output" : `output ${i}`) : `value_${blocks.idOf(c)}`),
      type: c.apiInfo(),
      python_type: c.pythonType(),
      component: c.componentName,
    }));
    named[`/${d.apiName}`] = {
      parameters,
      returns,
      api_visibility: d.apiVisibility as "public" | "undocumented",
      description: d.apiDescription ?? "",
    };
  }
  return { named_endpoints: named, unnamed_endpoints: {} };
}

const first = (value: string | null | undefined) => value?.split(",")[0]?.trim() || undefined;

/**
 * The app's public URL for this request (gradio route_utils.get_root_url), absolute and with no
 * trailing slash, as @gradio/client needs it: `rootPath` when it is a full URL; otherwise the
 * scheme and host from X-Forwarded-Proto/-Host (else the request), and the path from `rootPath`
 * or X-Forwarded-Prefix, so the Space works behind a proxy that mounts it under a prefix.
 *
 * @example
 * publicRoot(new Request("http://10.0.0.5:7860/config", { headers: { "x-forwarded-host": "h.example", "x-forwarded-proto": "https", "x-forwarded-prefix": "/spaces/o/n" } }))
 * // → "https://h.example/spaces/o/n"
 */
export function publicRoot(request: Request, rootPath?: string): string {
  if (rootPath && /^https?:\/\//i.test(rootPath)) return rootPath.replace(/\/+$/, "");
  const url = new URL(request.url);
  const headers = request.headers;
  const proto = first(headers.get("x-forwarded-proto")) ?? url.protocol.replace(":", "");
  const host = first(headers.get("x-forwarded-host")) ?? headers.get("host") ?? url.host;
  const prefix = rootPath ?? first(headers.get("x-forwarded-prefix")) ?? "";
  const path = prefix === "" || prefix.startsWith("/") ? prefix : `/${prefix}`;
  return `${proto}://${host}${path}`.replace(/\/+$/, "");
}

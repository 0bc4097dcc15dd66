/**
 * What `GET /config` and `GET /gradio_api/info` say about an Interface, in the shapes Gradio 6
 * builds (blocks.py get_config_file, get_api_info). @gradio/client 2.7 reads both.
 */
import type { Component } from "../components/component.ts";
import type { Interface } from "../interface.ts";
import { parameterNames } from "../predict.ts";
import { renderMarkdown } from "../markdown.ts";
import { API_PREFIX, type ApiInfo, type AppConfig } from "./protocol.ts";

/** The Gradio version whose wire format this server speaks. */
export const GRADIO_VERSION = "6.25.0";

interface Ids {
  inputs: number[];
  outputs: number[];
  submit: number;
}

// Components are numbered as Gradio numbers blocks: inputs, outputs, then the Submit button.
function ids(iface: Interface): Ids {
  const inputs = iface.inputs.map((_, i) => i + 1);
  const outputs = iface.outputs.map((_, i) => inputs.length + i + 1);
  return { inputs, outputs, submit: inputs.length + outputs.length + 1 };
}

const labelOf = (c: Component, fallback: string) => c.label ?? fallback;

/**
 * The app config, with `root` the public URL of the app (absolute, no trailing slash).
 *
 * @example
 * toConfig(iface, "http://localhost:7860", 42).dependencies[0].api_name // → "predict"
 */
export function toConfig(iface: Interface, root: string, appId: number, exampleOutputs: (unknown[] | null)[] = []): AppConfig {
  const { inputs, outputs, submit } = ids(iface);
  const component = (c: Component, id: number, fallbackLabel: string) => ({
    id,
    type: c.type,
    props: {
      ...c.props(),
      name: c.type,
      label: labelOf(c, fallbackLabel),
      show_label: true,
      container: true,
      visible: true,
      elem_classes: [],
      min_width: 160,
    },
    skip_api: false,
    key: null,
    api_info: c.apiInfo(),
    api_info_as_input: c.apiInfo(),
    api_info_as_output: c.apiInfo(),
  });
  const layout = { id: 0, children: [...inputs, submit, ...outputs].map((id) => ({ id })) };
  return {
    version: GRADIO_VERSION,
    api_prefix: API_PREFIX,
    mode: "interface",
    app_id: appId,
    dev_mode: false,
    analytics_enabled: false,
    components: [
      ...iface.inputs.map((c, i) => component(c, inputs[i]!, iface.inputs.length === 1 ? c.type : `${c.type} ${i}`)),
      ...iface.outputs.map((c, i) => component(c, outputs[i]!, iface.outputs.length === 1 ? "output" : `output ${i}`)),
      {
        id: submit,
        type: "button",
        props: { value: "Submit", variant: "primary", visible: true, interactive: true, elem_classes: [], name: "button" },
        skip_api: true,
        key: null,
      },
    ],
    css: null,
    js: null,
    head: null,
    title: iface.title || "Gradio",
    // HTML, rendered here (Gradio renders Markdown with markdown-it-py), so the page needs no parser.
    description: renderMarkdown(iface.description),
    article: renderMarkdown(iface.article),
    connect_heartbeat: false, // true would keep Node clients alive forever
    space_id: null, // non-null makes the client send the user's token to huggingface.co for a JWT
    enable_queue: true,
    show_error: iface.showError,
    is_colab: false,
    max_file_size: null,
    stylesheets: [],
    theme: "default",
    protocol: "sse_v3",
    fill_height: false,
    fill_width: false,
    pages: [["", "Home", true]],
    page: { "": { components: [...inputs, ...outputs, submit], dependencies: [0], layout } },
    layout,
    dependencies: [
      {
        id: 0,
        targets: [[submit, "click"]],
        inputs,
        outputs,
        backend_fn: true,
        js: null,
        queue: true,
        api_name: iface.apiName, // no leading slash here; /info keys have one
        api_description: null,
        scroll_to_output: false,
        show_progress: "full",
        batch: false,
        max_batch_size: 4,
        cancels: [],
        types: { generator: false, cancel: false },
        collects_event_data: false,
        trigger_after: null,
        trigger_only_on_success: false,
        trigger_only_on_failure: false,
        trigger_mode: "once",
        api_visibility: "public",
        rendered_in: null,
        connection: "sse",
        time_limit: null,
      },
    ],
    root,
    username: null,
    // Not Gradio's: what the web UI needs beyond it (clients ignore unknown keys).
    examples: exampleRows(iface, root),
    example_outputs: iface.examples.map((_, i) => exampleOutputs[i] ?? null),
    flagging_mode: iface.flaggingMode,
  };
}

/**
 * The Interface's examples as wire values: image paths become FileData with a URL the page can show.
 *
 * @example
 * exampleRows(iface, "http://h") // → [[{ path: "/app/examples/bag.png", url: "http://h/gradio_api/file=/app/examples/bag.png", orig_name: "bag.png", meta }]]
 */
export function exampleRows(iface: Interface, root: string): unknown[][] {
  const fileUrl = (path: string) => `${root}${API_PREFIX}/file=${path.split("/").map(encodeURIComponent).join("/")}`;
  return iface.examples.map((row) => row.map((value, i) => iface.inputs[i]!.asExample(value, fileUrl)));
}

/**
 * The API description: `named_endpoints["/predict"]` and an (empty but present) `unnamed_endpoints`.
 *
 * @example
 * toApiInfo(iface).named_endpoints["/predict"].parameters[0].component // → "Image"
 */
export function toApiInfo(iface: Interface): ApiInfo {
  const names = parameterNames(iface);
  const parameters = iface.inputs.map((c, i) => {
    const name = names[i]!;
    return {
      label: name,
      parameter_name: name,
      parameter_has_default: false,
      parameter_default: null,
      type: c.apiInfo(),
      python_type: c.pythonType(),
      component: c.componentName,
      example_input: c.exampleInput(),
    };
  });
  const returns = iface.outputs.map((c, i) => ({
    label: labelOf(c, iface.outputs.length === 1 ? "output" : `output ${i}`),
    type: c.apiInfo(),
    python_type: c.pythonType(),
    component: c.componentName,
  }));
  return {
    named_endpoints: { [`/${iface.apiName}`]: { parameters, returns, api_visibility: "public", description: "" } },
    unnamed_endpoints: {},
  };
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

/**
 * "Use via API" (`?view=api`): the endpoint's parameters and return value from /info, and
 * snippets that work as they are — @gradio/client, curl in two steps, and a one-shot
 * `fetch("/api/predict")` — all with this Space's live URL.
 */
import type { ApiInfo, ApiParameter as Param, AppConfig, FileData } from "../src/gradio/protocol.ts";
import { API, ROOT } from "./client.ts";
import { h } from "./dom.ts";

/** The three snippets, for an endpoint whose first input is an image at `exampleUrl`. */
export function snippets(apiName: string, params: Param[], exampleUrl: string | undefined) {
  const url = exampleUrl ?? "https://example.com/your-image.png";
  const name = params[0]?.parameter_name ?? "image";
  const js = `import { Client, handle_file } from "@gradio/client";

const image = await (await fetch("${url}")).blob();
const client = await Client.connect("${ROOT}/");
const result = await client.predict("/${apiName}", { ${name}: handle_file(image) });
console.log(result.data[0].label);
// A Label also says how unlike the training data the picture was:
// result.data[0].ood → { score, threshold, out_of_domain }`;
  const curl = `curl -s -o image.png "${url}"
FILE_PATH=$(curl -s -X POST ${API}/upload -F 'files=@image.png' | tr -d '[]" ')
EVENT_ID=$(curl -s -X POST ${API}/call/${apiName} -H "Content-Type: application/json" \\
  -d '{"data": [{"path": "'$FILE_PATH'", "meta": {"_type": "gradio.FileData"}}]}' | cut -d'"' -f4)
curl -sN ${API}/call/${apiName}/$EVENT_ID`;
  const fetchJs = `const image = await (await fetch("${url}")).blob();
const dataUrl = await new Promise((resolve) => {
  const reader = new FileReader();
  reader.onload = () => resolve(reader.result);
  reader.readAsDataURL(image);
});
const response = await fetch("${ROOT}/api/${apiName}", { method: "POST", body: JSON.stringify({ data: [dataUrl] }) });
const json = await response.json();
console.log(json.data[0].label);`;
  return { js, curl, fetch: fetchJs };
}

function codeBlock(title: string, code: string, lang: string) {
  const copy = h("button", { class: "secondary small", type: "button", "aria-label": `Copy the ${title} snippet` }, "Copy");
  copy.addEventListener("click", async () => {
    await navigator.clipboard?.writeText(code).catch(() => {});
    copy.textContent = "Copied";
    setTimeout(() => (copy.textContent = "Copy"), 1500);
  });
  // tabindex: a long line makes the block scroll sideways, and keyboard users need focus to scroll it.
  return h(
    "section",
    { class: "snippet" },
    h("div", { class: "snippet-head" }, h("h3", {}, title), copy),
    h("pre", { tabindex: 0 }, h("code", { "data-lang": lang }, code)),
  );
}

/** Renders the API view into `target`. */
export async function renderApiView(target: HTMLElement, config: AppConfig) {
  const info: ApiInfo = await (await fetch(`${API}/info`)).json();
  const endpoints = Object.entries(info.named_endpoints);
  const sections = endpoints.map(([route, ep]) => {
    const s = snippets(route.slice(1), ep.parameters, (config.examples[0]?.[0] as FileData | undefined)?.url ?? undefined);
    const rows = (items: Param[], kind: string) =>
      h(
        "table",
        {},
        h("caption", {}, `${kind} (${items.length})`),
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Component"), h("th", { scope: "col" }, "Type")),
        ),
        h(
          "tbody",
          {},
          ...items.map((p) =>
            h(
              "tr",
              {},
              h("td", {}, h("code", {}, p.parameter_name ?? p.label)),
              h("td", {}, p.component),
              h("td", {}, h("code", {}, p.python_type.type)),
            ),
          ),
        ),
      );
    return h(
      "section",
      { class: "endpoint" },
      h("h2", {}, "API name: ", h("code", {}, route)),
      rows(ep.parameters, "Accepts"),
      rows(ep.returns, "Returns"),
      codeBlock("JavaScript (@gradio/client)", `// npm i @gradio/client\n${s.js}`, "js"),
      codeBlock("curl (upload, then call)", s.curl, "bash"),
      codeBlock("fetch, one request (Gradio 3 style)", s.fetch, "js"),
    );
  });
  target.replaceChildren(
    h(
      "header",
      { class: "api-head" },
      h("h1", {}, `API documentation · ${config.title}`),
      h(
        "p",
        {},
        "Base URL: ",
        h("code", { "data-testid": "api-root" }, ROOT),
        ` · ${endpoints.length} endpoint${endpoints.length === 1 ? "" : "s"} · `,
        h("a", { href: `${ROOT}/` }, "Back to the app"),
      ),
    ),
    ...sections,
  );
}

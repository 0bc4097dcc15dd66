/**
 * The page, built from /config: the Interface layout (`mode: "interface"`) or the Blocks'
 * layout and events (`mode: "blocks"`, and "chat_interface": a ChatInterface is Blocks), or the
 * API view (`?view=api`). It talks to the server
 * through the Gradio protocol only (client.ts), as any other client does.
 */
import "./style.css";
import type { AppConfig } from "../src/gradio/protocol.ts";
import { renderApiView } from "./api-view.ts";
import { renderBlocks } from "./blocks-page.ts";
import { loadConfig, setApiPrefix } from "./client.ts";
import { h } from "./dom.ts";
import { footer } from "./footer.ts";
import { renderInterface } from "./interface-page.ts";

const app = document.getElementById("app")!;

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
  if (config.mode === "interface" || config.mode === undefined) renderInterface(app, config);
  else renderBlocks(app, config);
}

main().catch((err) => {
  app.replaceChildren(h("p", { class: "banner", role: "alert" }, `This Space could not start its page: ${(err as Error).message}`));
});

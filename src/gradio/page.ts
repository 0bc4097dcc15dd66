/**
 * The web UI: `ui/` bundled by esbuild on first use (once per process), and the HTML shell
 * that loads it. The page then speaks the Gradio protocol like any other client.
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { escapeHtml } from "../html.ts";
import type { Interface } from "../interface.ts";
// The page's own theme logic, inlined in the shell so the theme is set before first paint.
import { themeScript } from "../../ui/theme.ts";

/** A built asset, ready to serve. */
export interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

const UI_ENTRY = fileURLToPath(new URL("../../ui/main.ts", import.meta.url));
let built: Promise<Record<string, Asset>> | undefined;

/**
 * Builds `ui/main.ts` (and the CSS it imports) into minified `app.js` and `app.css`.
 *
 * @example
 * const { "app.js": js } = await buildUi(); // js.body is ~20 KB
 */
export function buildUi(): Promise<Record<string, Asset>> {
  built ??= (async () => {
    // Imported here so a process that never serves the page never loads esbuild.
    const { build } = await import("esbuild");
    const result = await build({ entryPoints: { app: UI_ENTRY }, bundle: true, minify: true, format: "esm", target: "es2022", outdir: "out", write: false, logLevel: "silent" });
    const assets: Record<string, Asset> = {};
    for (const file of result.outputFiles) {
      const name = file.path.split("/").pop()!;
      const type = name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
      assets[name] = { body: file.contents, type, etag: `"${createHash("sha256").update(file.contents).digest("base64url").slice(0, 16)}"` };
    }
    return assets;
  })();
  built.catch(() => (built = undefined)); // a failed build is retried on the next request
  return built;
}

/**
 * The page shell for `root` (the app's public URL). The theme is set before first paint so a
 * dark system never flashes white.
 *
 * @example
 * renderPage(iface, "http://localhost:7860") // → "<!doctype html>…"
 */
export function renderPage(iface: Interface, root: string): string {
  const title = escapeHtml(iface.title || "Gradio");
  const json = JSON.stringify(root).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<link rel="stylesheet" href="${escapeHtml(root)}/assets/app.css">
<script>window.__SPACE_ROOT__=${json};${themeScript()}</script>
<script type="module" src="${escapeHtml(root)}/assets/app.js"></script>
</head>
<body>
<div id="app" aria-busy="true"><p class="loading">Loading ${title}…</p></div>
<noscript>This app needs JavaScript. Its API works without it: see ${escapeHtml(root)}/?view=api.</noscript>
</body>
</html>
`;
}

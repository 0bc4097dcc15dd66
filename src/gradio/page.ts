/**
 * The web UI: `ui/` bundled once, ahead of time, into `ui/dist/` (`npm run build:ui`, committed,
 * checked fresh by test/ui/dist.test.ts), and the HTML shell that loads it. A Space process only
 * reads those files; it runs esbuild only when `ui/dist/` is missing. The page then speaks
 * the Gradio protocol like any other client. The owner's pages' scripts (`ui/owner/`) are built
 * with it, one file each, and served beside it at `/assets/<name>.js`.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { escapeHtml } from "../html.ts";
import type { Blocks } from "../blocks/blocks.ts";
// The page's own theme logic, inlined in the shell so the theme is set before first paint.
import { themeScript } from "../../ui/theme.ts";

/** A built asset, ready to serve. */
export interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

const entry = (path: string) => fileURLToPath(new URL(`../../ui/${path}`, import.meta.url));
/** The bundles: the Space page's, and one per owner page that has a script. */
const UI_ENTRIES = { app: entry("main.ts"), monitor: entry("owner/monitor.ts"), review: entry("owner/review.ts") };
/** Where `npm run build:ui` writes the bundle. */
export const UI_DIST = fileURLToPath(new URL("../../ui/dist/", import.meta.url));
export const UI_FILES = ["app.js", "app.css", "monitor.js", "review.js"] as const;
let built: Promise<Record<string, Asset>> | undefined;

/**
 * Bundles `ui/main.ts` (and the CSS it imports) with esbuild into minified `app.js` and `app.css`,
 * and each owner page's script (`ui/owner/<name>.ts`) into `<name>.js`.
 *
 * @example
 * const files = await bundleUi(); // { "app.js": Uint8Array(~15 KB), "app.css": …, "monitor.js": …, "review.js": … }
 */
export async function bundleUi(): Promise<Record<string, Uint8Array>> {
  // Imported here so a process that serves the prebuilt bundle never loads esbuild.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: UI_ENTRIES,
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    outdir: "out",
    write: false,
    logLevel: "silent",
  });
  return Object.fromEntries(result.outputFiles.map((file) => [file.path.split("/").pop()!, file.contents]));
}

/** The prebuilt bundle in `ui/dist/`, or undefined when it is not there. */
async function readDist(): Promise<Record<string, Uint8Array> | undefined> {
  try {
    return Object.fromEntries(
      await Promise.all(UI_FILES.map(async (name) => [name, new Uint8Array(await readFile(`${UI_DIST}${name}`))] as const)),
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * The bundles (`app.js`, `app.css`, the owner pages' scripts), ready to serve: read from `ui/dist/` (once per process), else bundled.
 *
 * @example
 * const { "app.js": js } = await buildUi(); // js.body is ~15 KB
 */
export function buildUi(): Promise<Record<string, Asset>> {
  built ??= (async () => {
    const files = (await readDist()) ?? (await bundleUi());
    const assets: Record<string, Asset> = {};
    for (const [name, body] of Object.entries(files)) {
      const type = name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
      assets[name] = { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` };
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
 * renderPage(demo, "http://localhost:7860") // → "<!doctype html>…"
 */
export function renderPage(blocks: Blocks, root: string): string {
  const title = escapeHtml(blocks.title || "Gradio");
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

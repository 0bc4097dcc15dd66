/**
 * The one layout of the owner's pages (the monitor, the review queue, the model report, the
 * monitor's sign-in): a whole document in the monitor's look, with the Space page's theme. Each
 * page's script is a typed module under `ui/owner/`, bundled with the web UI into `ui/dist/` and
 * served at `<root>/assets/<name>.js`; the only inline script is the theme's, which must run
 * before first paint.
 */
import { escapeHtml } from "../html.ts";
import { MONITOR_CSS } from "../monitor/charts/style.ts";
// The Space page's theme choice (its toggle, kept in localStorage) applies here too.
import { themeScript } from "../../ui/theme.ts";

/**
 * A whole document in the owner pages' look: `css` is added to the shared stylesheet, `script`
 * is the address of the page's module (loaded at the end of the body).
 *
 * @example
 * documentOf("Review · Space", "<main>…</main>", { script: `${root}/assets/review.js`, css: ".items{display:grid}" })
 */
export function documentOf(title: string, body: string, { script = "", css = "" }: { script?: string; css?: string } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<script>try{${themeScript()}}catch{}</script>
<style>${MONITOR_CSS}${css}</style>
</head>
<body>
${body}
${script ? `<script type="module" src="${escapeHtml(script)}"></script>` : ""}
</body>
</html>
`;
}

/**
 * `npm run build:static`: the same root `app.ts` and `model.onnx`, built into `dist/static/`, a
 * folder any static host serves (and the Space host serves as an `sdk: static` Space). The app
 * runs in the visitor's browser: src/browser/ stands in for the server (node-only.ts says how),
 * the page is ui/ unchanged but for its transport, and a service worker keeps it all for offline use.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build, type Message } from "esbuild";
import { parse, stringify } from "yaml";
import { escapeHtml } from "../html.ts";
import { themeScript } from "../../ui/theme.ts";
import { type Named, staticSpace } from "./node-only.ts";

/** onnxruntime-web's WASM build the page loads (SIMD; one thread, as a page that is not cross-origin isolated gets). */
const ORT_WASM = "ort-wasm-simd-threaded.wasm";

/**
 * Options of {@link buildStatic}.
 *
 * @example
 * await buildStatic({ root: "/work/space", out: "/tmp/site", title: "Fashion" });
 */
export interface StaticOptions {
  /** The project: where app.ts, its model and its folders are (default: the working directory). */
  root?: string;
  /** The app's entry, relative to `root` (default "app.ts"). */
  app?: string;
  /** Where the site goes (default `<root>/dist/static`); emptied first. */
  out?: string;
  /** The Space card's title (default: the project's README.md card's, else its folder's name). */
  title?: string;
  /**
   * A running Space's URL (`npm start`, or the host's app origin) that answers instead, through
   * @gradio/client, when a visitor's browser cannot run the model (no WebAssembly, too little
   * memory, the model fails to load). It must answer CORS for the page's origin, as Spaces do.
   */
  server?: string;
}

/** What was built: every file with its size, and the total. */
export interface StaticBuild {
  out: string;
  files: { path: string; bytes: number }[];
  bytes: number;
}

/** A build that stopped, with esbuild's messages (each naming a file and line). */
export class StaticBuildError extends Error {
  constructor(readonly messages: Message[]) {
    super(messages.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text)).join("\n"));
    this.name = "StaticBuildError";
  }
}

const framework = fileURLToPath(new URL("../../", import.meta.url));

const page = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="app.css">
<script src="theme.js"></script>
<script type="module" src="app.js"></script>
</head>
<body>
<div id="app" aria-busy="true"><p class="loading">Loading ${escapeHtml(title)}…</p></div>
<noscript>This app runs in your browser and needs JavaScript.</noscript>
</body>
</html>
`;

/** The project's own Space card (README.md's front matter), if it has one. */
function projectCard(root: string): Record<string, unknown> {
  const readme = existsSync(join(root, "README.md")) ? readFileSync(join(root, "README.md"), "utf8") : "";
  const match = readme.match(/^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/);
  try {
    const data: unknown = match ? parse(match[1]!) : undefined;
    return data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The static Space's card: the project's (title, emoji, colours, description…) with `sdk: static`, no port. */
function card(title: string, project: Record<string, unknown>): string {
  const { app_port: _port, sdk: _sdk, rollout: _rollout, ...kept } = project;
  const front = stringify({ ...kept, title, sdk: "static", app_file: "index.html" });
  return `---\n${front}---\n\n# ${title}\n\nA static Space: the app runs in your browser with onnxruntime-web. Built by \`npm run build:static\`.\n`;
}

/**
 * Builds the static site.
 *
 * @throws {StaticBuildError} when the app reaches something only Node has, naming the file and line.
 * @example
 * const { bytes } = await buildStatic(); // dist/static/, ~… MB
 */
export async function buildStatic(options: StaticOptions = {}): Promise<StaticBuild> {
  const root = resolve(options.root ?? process.cwd());
  const out = resolve(options.out ?? join(root, "dist", "static"));
  const project = projectCard(root);
  const title =
    options.title ?? (typeof project.title === "string" ? project.title : undefined) ?? root.split("/").filter(Boolean).pop() ?? "Space";
  const named: Named = { folders: new Map(), files: new Set(), errors: [] };
  const browser = join(framework, "src", "browser");
  const entry = [join(browser, "root.ts"), join(browser, "page.ts"), join(framework, "ui", "main.ts"), join(root, options.app ?? "app.ts")]
    .map((f) => `import ${JSON.stringify(f)};`)
    .join("\n");
  const common = { bundle: true, minify: true, write: false, logLevel: "silent", target: "es2022" } as const;
  const errors = named.errors;
  if (options.server !== undefined && !/^https?:\/\/[^/]/i.test(options.server))
    throw new StaticBuildError([{ text: `--server must be an http(s) URL, got ${JSON.stringify(options.server)}.` } as Message]);
  const server = options.server?.replace(/\/+$/, "") ?? null;
  const bundled = await build({
    ...common,
    stdin: { contents: entry, resolveDir: root, sourcefile: "static-space-entry.js", loader: "js" },
    absWorkingDir: root, // messages name files relative to the project
    format: "esm",
    outdir: "out",
    entryNames: "app",
    // Only the framework reads the environment (GRADIO_FLAGGING_MODE); a page has none.
    define: { "process.env": "{}", __STATIC_SERVER__: JSON.stringify(server) },
    // @gradio/client, for the server fallback, is its own chunk, fetched only when used.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    conditions: ["browser"],
    inject: [join(browser, "shims", "buffer.ts")],
    plugins: [staticSpace(root, framework, named)],
  }).catch((err: { errors?: Message[] }) => {
    if (!err.errors) throw err;
    errors.push(...err.errors);
    return undefined;
  });
  if (errors.length || !bundled) {
    const at = (m: Message) => [m.location?.file ?? "", m.location?.line ?? 0, m.location?.column ?? 0] as const;
    errors.sort((a, b) => at(a)[0].localeCompare(at(b)[0]) || at(a)[1] - at(b)[1] || at(a)[2] - at(b)[2]);
    throw new StaticBuildError(errors);
  }

  const require = createRequire(import.meta.url);
  const copies: [string, string][] = [[join(dirname(require.resolve("onnxruntime-web/wasm")), ORT_WASM), `ort/${ORT_WASM}`]];
  for (const file of named.files) copies.push([resolve(root, file), file]);
  // A listed folder's sub-folders are listed (as readdirSync lists them) but not copied: the app
  // filters its names (app.ts keeps pictures), and examples/gradio/ holds code, not pictures.
  for (const [folder, names] of named.folders)
    for (const name of names)
      if (!statSync(resolve(root, folder, name), { throwIfNoEntry: false })?.isDirectory())
        copies.push([resolve(root, folder, name), `${folder}/${name}`]);
  for (const [from] of copies)
    if (!statSync(from, { throwIfNoEntry: false })?.isFile())
      throw new StaticBuildError([{ text: `The app names ${relative(root, from)}, which is not a file.` } as Message]);

  rmSync(out, { recursive: true, force: true });
  const written = new Map<string, Uint8Array>();
  const write = (path: string, body: Uint8Array | string) => {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), bytes);
    written.set(path, bytes);
  };
  for (const file of bundled.outputFiles) write(relative(join(root, "out"), file.path), file.contents);
  write("index.html", page(title));
  write("theme.js", `${themeScript()};\n`);
  for (const [from, to] of copies) write(to, readFileSync(from));

  // The service worker caches what the page fetches; its cache is named for this build's bytes.
  const hash = createHash("sha256");
  for (const [path, body] of [...written].sort(([a], [b]) => a.localeCompare(b))) hash.update(path).update(body);
  const files = ["index.html", ...[...written.keys()].filter((p) => p !== "index.html")];
  const large = new Set([`ort/${ORT_WASM}`, ...named.files]);
  const worker = await build({
    ...common,
    entryPoints: [join(browser, "sw.ts")],
    format: "iife",
    define: {
      __STATIC_FILES__: JSON.stringify({ files, eager: files.filter((f) => !large.has(f)), version: hash.digest("hex").slice(0, 16) }),
    },
  });
  write("sw.js", worker.outputFiles[0]!.contents);
  write("README.md", card(title, project));

  const list = [...written].map(([path, body]) => ({ path, bytes: body.byteLength })).sort((a, b) => a.path.localeCompare(b.path));
  return { out, files: list, bytes: list.reduce((n, f) => n + f.bytes, 0) };
}

// `npm run build:static [-- --server URL] [--title T] [--out DIR]` (tsx src/static/build.ts)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { server: { type: "string" }, title: { type: "string" }, out: { type: "string" } } });
    const result = await buildStatic({ title: values.title ?? process.env.SPACE_TITLE, server: values.server, out: values.out });
    for (const f of result.files)
      console.log(`${relative(process.cwd(), join(result.out, f.path)).padEnd(44)} ${(f.bytes / 1024).toFixed(1).padStart(8)} KB`);
    console.log(`${relative(process.cwd(), result.out)}/: ${result.files.length} files, ${(result.bytes / 1e6).toFixed(2)} MB`);
  } catch (err) {
    console.error(err instanceof StaticBuildError ? `Cannot build a static Space:\n${err.message}` : err);
    process.exitCode = 1;
  }
}

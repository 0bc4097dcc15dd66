/**
 * The esbuild plugin that lets the same `app.ts` build for the browser: the framework's entry
 * (src/index.ts) becomes the browser's (src/browser/index.ts); the framework's own few Node calls
 * get browser versions (src/browser/shims/); the app's `readdirSync("folder")` of a folder known
 * at build time is answered from the build; and anything else Node-only that the page would
 * reach is an error naming its file and line, with what to do instead.
 */
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative, resolve, sep } from "node:path";
import type { Message, Plugin } from "esbuild";

/**
 * What the app named at build time, for the build to copy: folders it lists, files it loads.
 *
 * @example
 * const named: Named = { folders: new Map([["examples", ["bag.png"]]]), files: new Set(["model.onnx"]), errors: [] };
 */
export interface Named {
  /** Folder (relative to the project) → its file names, as `readdirSync` would give them. */
  folders: Map<string, string[]>;
  /** Files (relative to the project) the app loads: `loadClassifier("model.onnx")`. */
  files: Set<string>;
  /** What the scan of the app's code found that a browser cannot run (esbuild's own errors come apart). */
  errors: Message[];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const HELP =
  "A static Space runs in the visitor's browser (docs/static-space.md): read files at build time, or fetch() them from the page.";

/** The line and column of `index` in `text`, as esbuild numbers them (line from 1, column from 0). */
function locate(file: string, text: string, index: number): Message["location"] {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const lineEnd = text.indexOf("\n", index);
  return {
    file,
    line,
    column: index - lineStart,
    length: 0,
    lineText: text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd),
    namespace: "file",
    suggestion: "",
  };
}

/** `text` with its comments blanked (same length, same lines), so they are not scanned as code. */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, " "));

const message = (text: string, location: Message["location"]): Message => ({
  id: "",
  pluginName: "static-space",
  text,
  location,
  notes: [],
  detail: undefined,
});

/**
 * The plugin. `root` is the project (where app.ts is), `framework` the folder holding this
 * framework's src/ (the same, unless the project links to it); `named` is filled as the app's
 * files load.
 *
 * @example
 * await build({ entryPoints: ["app.ts"], bundle: true, plugins: [staticSpace(process.cwd(), process.cwd(), named)] });
 */
export function staticSpace(root: string, framework: string, named: Named): Plugin {
  const src = join(realpathSync(framework), "src") + sep;
  const serverEntries = new Set([join(root, "src", "index.ts"), join(src, "index.ts")]);
  const browser = join(src, "browser");
  const isApp = (path: string) => !path.startsWith(src) && !path.includes(`${sep}node_modules${sep}`);
  const shims: Record<string, string> = {
    fs: join(browser, "shims", "fs.ts"),
    path: join(browser, "shims", "path.ts"),
    async_hooks: join(browser, "shims", "async_hooks.ts"),
    "fs/promises": join(browser, "shims", "fs-promises.ts"),
  };

  return {
    name: "static-space",
    setup(build) {
      build.onResolve({ filter: /index\.ts$/ }, (args) =>
        serverEntries.has(resolve(args.resolveDir, args.path)) ? { path: join(browser, "index.ts") } : undefined,
      );

      build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
        if (!BUILTINS.has(args.path)) return undefined;
        const name = args.path.replace(/^node:/, "");
        const from = relative(root, args.importer);
        if (args.importer.startsWith(src) && shims[name]) return { path: shims[name] };
        if (isApp(args.importer) && name === "fs") return { path: "fs", namespace: "static-space-fs" };
        const who = args.importer.includes(`${sep}node_modules${sep}`) ? `The package file ${from}` : from;
        return { errors: [{ text: `${who} imports ${args.path}, which only Node has. ${HELP}` }] };
      });

      // The app's node:fs: only readdirSync, of the folders the build listed.
      build.onLoad({ filter: /^fs$/, namespace: "static-space-fs" }, () => {
        const listing = Object.fromEntries(named.folders);
        return {
          contents: `const listing = ${JSON.stringify(listing)};
export function readdirSync(dir) {
  const key = String(dir).replace(/^\\.\\//, "").replace(/\\/+$/, "");
  if (!(key in listing)) throw new Error("readdirSync(" + JSON.stringify(dir) + "): a static Space lists only the folders its build saw.");
  return listing[key].slice();
}`,
          loader: "js",
        };
      });

      // Scans the app's own files for what the build must copy and what cannot run in a browser.
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        if (!isApp(args.path)) return undefined;
        const text = readFileSync(args.path, "utf8");
        const code = withoutComments(text);
        const file = relative(root, args.path);
        const errors = named.errors;
        for (const m of code.matchAll(/\breaddirSync\s*\(\s*(?:(["'`])([^"'`$]+)\1\s*\))?/g)) {
          if (!m[2]) {
            errors.push(
              message(
                `readdirSync needs a folder named in the code (a string), so the build can list it. ${HELP}`,
                locate(file, text, m.index),
              ),
            );
            continue;
          }
          const folder = m[2].replace(/^\.\//, "").replace(/\/+$/, "");
          try {
            const entries = readdirSync(resolve(root, folder), { withFileTypes: true });
            named.folders.set(
              folder,
              entries.filter((e) => e.isFile()).map((e) => e.name),
            );
          } catch {
            errors.push(message(`readdirSync(${JSON.stringify(m[2])}): there is no such folder in ${root}.`, locate(file, text, m.index)));
          }
        }
        for (const m of code.matchAll(/\bloadClassifier\s*\(\s*(?:(["'`])([^"'`$]+)\1)?/g)) {
          if (m[2]) named.files.add(m[2].replace(/^\.\//, ""));
          else
            errors.push(
              message(`loadClassifier needs the model's path as a string, so the build can copy the model.`, locate(file, text, m.index)),
            );
        }
        for (const m of code.matchAll(/\b(process\.(?:argv|cwd|exit|env)|Buffer\.|__dirname|__filename|require\s*\()/g)) {
          errors.push(message(`${m[1]!.replace(/[.(\s]+$/, "")} exists only in Node. ${HELP}`, locate(file, text, m.index)));
        }
        // Kept aside rather than returned, so esbuild goes on to report the file's imports of Node built-ins too.
        return { contents: text, loader: args.path.endsWith("ts") ? "ts" : "js" };
      });
    },
  };
}

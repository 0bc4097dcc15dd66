/**
 * The folders are the design (docs/architecture.md): `classifier/` knows nothing of Gradio or
 * components, `components/` nothing of the server, and the page takes only types from `src/`
 * (a value import would pull server code into the browser bundle). This test reads every
 * import with the TypeScript parser — static, `export … from` and dynamic `import()` — and
 * fails on one that goes the wrong way; madge then checks that no imports go round in a cycle,
 * type-only ones included.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import madge from "madge";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { root } from "./helpers.ts";

interface Import {
  from: string;
  /** Repo-relative path of a relative import; the bare specifier of a package. */
  to: string;
  typeOnly: boolean;
  /** `import()`, evaluated when called rather than when the file loads. */
  dynamic?: boolean;
}

const filesUnder = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean, dynamic = false) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const spec = specifier.text;
    found.push({
      from: file,
      to: spec.startsWith(".") ? relative(root, resolve(root, dirname(file), spec)) : spec,
      typeOnly,
      ...(dynamic ? { dynamic } : {}),
    });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const allTypes =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const show = (list: Import[]) => list.map((i) => `${i.from} → ${i.to}${i.typeOnly ? " (types)" : i.dynamic ? " (dynamic)" : ""}`);

/** Imports from files under `from/` that land under one of `forbidden/`. */
function violations(from: string, forbidden: string[]): string[] {
  return show(
    filesUnder(from)
      .flatMap(importsOf)
      .filter((i) => forbidden.some((f) => i.to === f || i.to.startsWith(`${f}/`))),
  );
}

describe("dependency rules between the parts", () => {
  test("the reader sees every kind of import (static, export-from, dynamic, type-only)", () => {
    const all = filesUnder("src").flatMap(importsOf);
    expect(all.length, "imports found in src/").toBeGreaterThan(40);
    expect(
      all.some((i) => i.from === "src/classifier/index.ts" && i.to === "src/classifier/batcher.ts"),
      "a static import",
    ).toBe(true);
    expect(
      all.some((i) => i.from === "src/index.ts" && i.to === "src/gradio/launch.ts"),
      "an export-from",
    ).toBe(true);
    expect(
      all.some((i) => i.to === "esbuild" && i.dynamic),
      "a dynamic import()",
    ).toBe(true);
    expect(
      all.some((i) => i.from === "src/gradio/app.ts" && i.to === "src/interface.ts" && i.typeOnly),
      "a type-only import",
    ).toBe(true);
  });

  test("src/classifier/ imports nothing from src/gradio/ or src/components/", () => {
    expect(violations("src/classifier", ["src/gradio", "src/components"])).toEqual([]);
  });

  test("src/sqlite/ imports nothing of the app's: it shares a database file between processes, the stores use it", () => {
    expect(violations("src/sqlite", ["src/gradio", "src/components", "src/classifier", "src/monitor", "src/review"])).toEqual([]);
  });

  test("src/monitor/ imports nothing from src/gradio/, src/components/ or src/classifier/: it counts, the app feeds it", () => {
    expect(violations("src/monitor", ["src/gradio", "src/components", "src/classifier"])).toEqual([]);
  });

  test("src/review/, src/report/ and the owner pages' layout (src/owner/) import nothing from src/gradio/, src/components/ or src/classifier/: the app feeds and serves them", () => {
    expect(violations("src/review", ["src/gradio", "src/components", "src/classifier"])).toEqual([]);
    expect(violations("src/report", ["src/gradio", "src/components", "src/classifier"])).toEqual([]);
    expect(violations("src/owner", ["src/gradio", "src/components", "src/classifier"])).toEqual([]);
  });

  test("src/components/ imports nothing from src/gradio/", () => {
    expect(violations("src/components", ["src/gradio"])).toEqual([]);
  });

  test("src/blocks/ (Blocks, layouts, events) imports nothing from src/gradio/: the server reads the definition", () => {
    expect(violations("src/blocks", ["src/gradio"])).toEqual([]);
  });

  test("the definition (src/*.ts but index.ts) loads nothing from src/gradio/ when it loads: the server depends on it, not back", () => {
    const core = readdirSync(join(root, "src"))
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => `src/${f}`);
    const eager = core.flatMap(importsOf).filter((i) => i.to.startsWith("src/gradio/") && !i.typeOnly && !i.dynamic);
    expect(show(eager)).toEqual([]);
  });

  test("host/ imports nothing from src/ but src/gradio/sse.ts: it meets a Space over HTTP only", () => {
    const wrong = filesUnder("host")
      .flatMap(importsOf)
      .filter((i) => i.to.startsWith("src/") && i.to !== "src/gradio/sse.ts");
    expect(show(wrong)).toEqual([]);
  });

  test("no import cycle in src/, host/, ui/ and app.ts, type-only imports included", async () => {
    const graph = await madge(
      ["src", "host", "ui", "app.ts"].map((p) => join(root, p)),
      {
        baseDir: root,
        fileExtensions: ["ts"],
        tsConfig: join(root, "tsconfig.json"),
        detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
      },
    );
    expect(Object.keys(graph.obj()).length, "files madge read").toBeGreaterThan(100);
    expect(graph.circular()).toEqual([]);
  });

  test("nothing on the server's side imports the browser's (src/browser/) or the static build (src/static/)", () => {
    const server = filesUnder("src")
      .filter((f) => !f.startsWith("src/browser/") && !f.startsWith("src/static/"))
      .flatMap(importsOf)
      .filter((i) => i.to.startsWith("src/browser/") || i.to.startsWith("src/static/"));
    expect(show(server)).toEqual([]);
  });

  test("ui/ takes only types from src/ (its bundle must not carry server code)", () => {
    const values = filesUnder("ui")
      .flatMap(importsOf)
      .filter((i) => i.to.startsWith("src/") && !i.typeOnly);
    expect(show(values)).toEqual([]);
  });
});

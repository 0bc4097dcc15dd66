/**
 * A build's bundle (`host/build/bundle.ts`) in dev mode, on tiny Spaces that use this
 * repository's node_modules: a `tsx <file>` start becomes one module that `node` runs; anything
 * else, or a bundle esbuild refuses, leaves none and the log says why. The sandboxed bundle of the
 * real app is the git push test's.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BUNDLE_ENTRY, bundle, bundleEntry } from "../../../host/build/bundle.ts";
import { root } from "../../helpers.ts";

describe("a build's bundle", () => {
  const temp = mkdtempSync(join(tmpdir(), "bundle-"));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  /** A build folder with `files`, a start script and this repository's node_modules. */
  function build(name: string, start: string, files: Record<string, string>): string {
    const dir = join(temp, name);
    mkdirSync(dir);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", scripts: { start } }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    return dir;
  }
  const ctx = (name: string) => ({ repo: "", lfs: "", builds: temp, cacheDir: join(temp, "cache"), owner: "alice", name });

  test("only a plain `tsx <file>` start is bundled", () => {
    expect(bundleEntry({ scripts: { start: "tsx app.ts" } })).toEqual({ entry: "app.ts" });
    expect(bundleEntry({ scripts: { start: "tsx src/main.mts" } })).toEqual({ entry: "src/main.mts" });
    for (const start of ["node server.mjs", "tsx ../app.ts", "tsx /etc/app.ts", "tsx app.ts && rm -rf /", "tsx watch app.ts"])
      expect("why" in bundleEntry({ scripts: { start } }), start).toBe(true);
    expect(bundleEntry({ scripts: { start: "tsx app.ts", prestart: "echo hi" } })).toEqual({ why: "it has prestart/poststart scripts" });
  });

  test("a tsx app becomes one module node runs, its TypeScript and local imports inside", async () => {
    const dir = build("ok", "tsx app.ts", {
      "app.ts": `import { greet } from "./src/greet.ts";\nimport { Hono } from "hono";\nconsole.log(greet("node"), typeof Hono);\n`,
      "src/greet.ts": `export const greet = (who: string): string => \`hello \${who}\`;\n`,
    });
    const log: string[] = [];
    expect(await bundle(ctx("ok"), dir, (s) => log.push(s))).toBe(true);
    expect(log.join("")).toMatch(/Bundled app\.ts with esbuild in \d+ ms \(on the host\)/);
    expect(execFileSync(process.execPath, [BUNDLE_ENTRY], { cwd: dir, encoding: "utf8" })).toBe("hello node function\n");
  });

  test("a start that is not tsx, or an app esbuild cannot bundle, leaves no bundle and says why", async () => {
    const other = build("other", "node server.mjs", { "server.mjs": "" });
    const log: string[] = [];
    expect(await bundle(ctx("other"), other, (s) => log.push(s))).toBe(false);
    expect(log.join("")).toContain("Not bundled (its start script is not `tsx <file>`): the app starts with npm start.");

    const broken = build("broken", "tsx app.ts", { "app.ts": `import "./missing.ts";\n`, ".space/app/app.mjs": "committed" });
    log.length = 0;
    expect(await bundle(ctx("broken"), broken, (s) => log.push(s))).toBe(false);
    expect(log.join("")).toMatch(/Could not resolve "\.\/missing\.ts"[\s\S]*Not bundled \(bundling failed: esbuild exited with code 1\)/);
    expect(existsSync(join(broken, ".space"))).toBe(false); // not even the one the tenant committed

    const unreadable = build("unreadable", "tsx app.ts", { "app.ts": "" });
    writeFileSync(join(unreadable, "package.json"), "{");
    log.length = 0;
    expect(await bundle(ctx("unreadable"), unreadable, (s) => log.push(s))).toBe(false);
    expect(log.join("")).toMatch(/Not bundled \(its package\.json cannot be read: .*JSON/);
  });
});

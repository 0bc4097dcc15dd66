/**
 * A static Space on the host (`sdk: static`): `npm run build:static`'s folder pushed with git is
 * served as files — no install, no process — on the app's own origin (its share URL), with the
 * same Space page and Hub API as any Space; Chromium classifies there as the server's classifier
 * does. A static card without its page is refused at push time; the path form's answers are
 * sandboxed; nothing outside the revision's folder, and no dotfile, is served.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { loadClassifier } from "../../../src/classifier/index.ts";
import { buildStatic } from "../../../src/static/build.ts";
import { hasChromium, launchBrowser } from "../../browser.ts";
import { dataUrl, fashionImages, resolveLocalhostSubdomains, root } from "../../helpers.ts";
import { gitUser, inProcessHost, remoteUrl } from "../harness.ts";

describe("a static Space (sdk: static) on the host", () => {
  let temp: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let token: string;
  let tools: Awaited<ReturnType<typeof gitUser>>;
  let site: string;
  let pushed: string;

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "static-space-"));
    const dataDir = join(temp, "data");
    const accounts = new Accounts(dataDir);
    token = accounts.createToken("alice");
    [host, tools] = await Promise.all([inProcessHost({ dataDir, accounts }), gitUser(temp)]);
    site = (await buildStatic({ root, out: join(temp, "site"), title: "Fashion, static" })).out;
    await tools.git(site, "init", "--quiet");
    await tools.git(site, "add", ".");
    await tools.git(site, "commit", "--quiet", "-m", "npm run build:static");
    const { stderr } = await tools.git(site, "push", remoteUrl(host.base, "alice/fashion", "alice", token), "main");
    pushed = stderr;
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  test("the push is built without an install and serves at once; the Hub API and the Space page show it as any Space", async () => {
    expect(pushed).toMatch(/Static Space: served as files, no install/);
    expect(pushed).toMatch(/Serving revision [0-9a-f]{12} as files \(sdk: static\)/);
    const info = (await (await fetch(`${host.base}/api/spaces/alice/fashion`)).json()) as {
      sdk: string;
      host: string;
      runtime: { stage: string };
      cardData: { title: string };
    };
    expect(info).toMatchObject({ sdk: "static", runtime: { stage: "RUNNING" }, cardData: { title: "Fashion, static" } });
    expect(info.host).toBe(`http://alice-fashion.spaces.localhost:${new URL(host.base).port}`);
    const page = await (await fetch(`${host.base}/spaces/alice/fashion`)).text();
    expect(page).toContain(info.host);
    expect(host.app.runtimes.get("alice/fashion")!.child, "a process for a static Space").toBeUndefined();
  });

  test("files are served with their types; the path form's answers are sandboxed; no dotfile and nothing outside the folder", async () => {
    resolveLocalhostSubdomains();
    const origin = `http://alice-fashion.spaces.localhost:${new URL(host.base).port}`;
    const app = (path: string, init: RequestInit = {}) => fetch(`${origin}${path}`, init);
    const wasm = await app("/ort/ort-wasm-simd-threaded.wasm");
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    expect(Buffer.from(await wasm.arrayBuffer()).equals(readFileSync(join(site, "ort", "ort-wasm-simd-threaded.wasm")))).toBe(true);
    const index = await app("/");
    expect(index.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await index.text()).toBe(readFileSync(join(site, "index.html"), "utf8"));
    expect((await app("/", { headers: { "if-none-match": index.headers.get("etag")! } })).status).toBe(304);
    for (const path of ["/.gitattributes", "/..%2f..%2faccounts.json", "/examples/..%2f..%2f..%2fstate", "/nothing.js"])
      expect((await app(path)).status, path).toBe(404);
    expect((await app("/", { method: "POST" })).status).toBe(405);
    const pathForm = await fetch(`${host.base}/spaces/alice/fashion/app/model.onnx`);
    expect(pathForm.status).toBe(200);
    expect(pathForm.headers.get("content-security-policy")).toBe("sandbox");
    expect(Buffer.from(await pathForm.arrayBuffer()).equals(readFileSync(join(root, "model.onnx")))).toBe(true);
  });

  test("a static card without index.html is refused at push time, saying what is missing", async () => {
    const dir = mkdtempSync(join(temp, "bare-"));
    writeFileSync(join(dir, "README.md"), "---\ntitle: bare\nsdk: static\n---\n");
    await tools.git(dir, "init", "--quiet");
    await tools.git(dir, "add", ".");
    await tools.git(dir, "commit", "--quiet", "-m", "no page");
    const refused = await tools.fails(dir, "push", remoteUrl(host.base, "alice/bare", "alice", token), "main");
    expect(refused).toMatch(/a static Space \(sdk: static\) needs index\.html at the top of main/);
  });

  test.skipIf(!hasChromium)(
    "Chromium, at the share URL, classifies as the server's classifier does",
    async () => {
      const model = await loadClassifier(join(root, "model.onnx"), { workers: 1, threads: 1 });
      const browser = await launchBrowser();
      try {
        const images = fashionImages().slice(0, 3);
        const expected = await Promise.all(images.map((i) => model.classify(new Uint8Array(i.bytes))));
        const page = await browser.newPage();
        await page.goto(`http://alice-fashion.spaces.localhost:${new URL(host.base).port}/`);
        await page.getByRole("heading", { name: "Examples" }).waitFor({ timeout: 60_000 });
        const got = (await page.evaluate(
          async (urls) => {
            const space = (window as unknown as { space: { predict(e: string, d: unknown[]): Promise<{ data: unknown[] }> } }).space;
            const out: unknown[] = [];
            for (const url of urls) out.push((await space.predict("/predict", [url])).data[0]);
            return out;
          },
          images.map((i) => dataUrl(i.bytes)),
        )) as { label: string; confidences: { label: string; confidence: number }[] }[];
        got.forEach((g, i) => {
          const top = Object.entries(expected[i]!).sort((a, b) => b[1] - a[1])[0]!;
          expect(g.label).toBe(top[0]);
          expect(Math.abs(g.confidences[0]!.confidence - top[1])).toBeLessThan(1e-3);
        });
      } finally {
        await browser.close();
        await model.close();
      }
    },
    120_000,
  );
});

/**
 * The static Space in Chromium, served by a plain static file server (serve-folder.ts, not the
 * Space's server) under a Content-Security-Policy that allows only the site itself and WASM
 * compilation: every fixture and example classified in the page as the server classifies it
 * (labels, confidences and out-of-domain score within 1e-3), the page's own controls working, and
 * the same after a reload with the network cut. A build that names a server falls back to it, and
 * says so, in a browser without WebAssembly.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildStatic } from "../../src/static/build.ts";
import { hasChromium, launchBrowser } from "../browser.ts";
import { dataUrl, fashionImages, root } from "../helpers.ts";
import { type FolderServer, serveFolder } from "./serve-folder.ts";

/** Only the site itself, and compiling WebAssembly; pictures the visitor picks are shown as blob: URLs. */
export const STATIC_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob: data:";

interface LabelData {
  label: string;
  confidences: { label: string; confidence: number }[];
  ood: { score: number; threshold: number; out_of_domain: boolean };
}

const images = [
  ...fashionImages().map((f, i) => ({ name: `fashion-mnist/${i}`, bytes: f.bytes })),
  ...readdirSync(join(root, "examples"))
    .filter((f) => /\.(png|jpe?g|webp|gif)$/i.test(f))
    .map((f) => ({ name: `examples/${f}`, bytes: readFileSync(join(root, "examples", f)) })),
];

/** The root app.ts as `npm start` runs it, on a free port. */
async function startServer(dataDir: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "app.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", GRADIO_SERVER_NAME: "127.0.0.1", SPACE_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = output.match(/Running on local URL:\s+(http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`app.ts exited with ${code}:\n${output}`)));
  });
  return { url, child };
}

/** Waits for the app to show itself, then checks nothing broke the page's security policy. */
async function open(page: Page, url: string) {
  await page.goto(url);
  await page.getByRole("heading", { name: "Examples" }).waitFor({ timeout: 60_000 });
}

const classifyInPage = (page: Page, urls: string[]) =>
  page.evaluate(async (list) => {
    const space = (window as unknown as { space: { predict(e: string, d: unknown[]): Promise<{ data: unknown[] }> } }).space;
    const out: unknown[] = [];
    for (const url of list) out.push((await space.predict("/predict", [url])).data[0]);
    return out;
  }, urls) as Promise<LabelData[]>;

function expectSame(browser: LabelData, server: LabelData, name: string) {
  expect(browser.label, name).toBe(server.label);
  expect(
    browser.confidences.map((c) => c.label),
    name,
  ).toEqual(server.confidences.map((c) => c.label));
  browser.confidences.forEach((c, i) => {
    expect(Math.abs(c.confidence - server.confidences[i]!.confidence), `${name}: ${c.label}`).toBeLessThan(1e-3);
  });
  expect(Math.abs(browser.ood.score - server.ood.score), `${name}: OOD score`).toBeLessThan(1e-3);
  expect(browser.ood.out_of_domain, name).toBe(server.ood.out_of_domain);
}

describe.skipIf(!hasChromium)("a static Space in Chromium, from a plain static file server", () => {
  let dir: string;
  let site: FolderServer;
  let fallbackSite: FolderServer;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];
  const errors: string[] = [];
  let expected: LabelData[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "static-page-"));
    const [built, started, launched] = await Promise.all([
      buildStatic({ root, out: join(dir, "site"), title: "Fashion" }),
      startServer(join(dir, "data")),
      launchBrowser(),
    ]);
    [server, browser] = [started, launched];
    site = await serveFolder(built.out, { csp: STATIC_CSP });
    const withServer = await buildStatic({ root, out: join(dir, "with-server"), server: server.url });
    fallbackSite = await serveFolder(withServer.out);
    expected = [];
    for (const { bytes } of images) {
      const res = await fetch(`${server.url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl(bytes)] }) });
      expected.push(((await res.json()) as { data: [LabelData] }).data[0]);
    }
    context = await browser.newContext();
    page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await fallbackSite?.close();
    server?.child.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("classifies every fixture and example as the server does (labels, confidences, OOD score within 1e-3), under a CSP of self and WASM only", async () => {
    await open(page, `${site.url}/`);
    expect(await page.title()).toBe("Fashion-MNIST classifier");
    const got = await classifyInPage(
      page,
      images.map((i) => dataUrl(i.bytes)),
    );
    got.forEach((g, i) => {
      expectSame(g, expected[i]!, images[i]!.name);
    });
    // The page's own controls: an example, clicked, shows the server's label for it.
    const example = images.findIndex((i) => i.name === "examples/sneaker.png");
    await page.getByRole("button", { name: /sneaker\.png/ }).click();
    await expect.poll(() => page.locator(".top").first().textContent()).toContain(expected[example]!.label);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);

  test("with the network cut, a reload still shows the app and classifies (the service worker's copy)", async () => {
    await page.evaluate(() => navigator.serviceWorker.ready);
    await context.setOffline(true);
    const before = site.bytesSent;
    await page.reload();
    await page.getByRole("heading", { name: "Examples" }).waitFor({ timeout: 60_000 });
    expect(site.bytesSent, "bytes the server sent for the offline reload").toBe(before);
    const some = [0, 7, images.length - 1];
    const got = await classifyInPage(
      page,
      some.map((i) => dataUrl(images[i]!.bytes)),
    );
    got.forEach((g, k) => {
      expectSame(g, expected[some[k]!]!, images[some[k]!]!.name);
    });
    const example = images.findIndex((i) => i.name === "examples/bag.png");
    await page.getByRole("button", { name: /bag\.png/ }).click();
    await expect.poll(() => page.locator(".top").first().textContent()).toContain(expected[example]!.label);
    await context.setOffline(false);
  }, 120_000);

  test("a build that names a server: in a browser without WebAssembly the server answers, and the page says so", async () => {
    const noWasm = await browser.newContext();
    const withWasm = await browser.newContext();
    try {
      await noWasm.addInitScript(() => {
        delete (window as { WebAssembly?: unknown }).WebAssembly;
      });
      const page = await noWasm.newPage();
      await open(page, `${fallbackSite.url}/`);
      const said = await page.getByTestId("answered-by").textContent();
      expect(said).toContain(`Answered by the server at ${server.url}: this browser can't run the model here (it has no WebAssembly).`);
      const some = [3, images.length - 2];
      const got = await classifyInPage(
        page,
        some.map((i) => dataUrl(images[i]!.bytes)),
      );
      got.forEach((g, k) => {
        expectSame(g, expected[some[k]!]!, images[some[k]!]!.name);
      });
      // With WebAssembly, the same build answers here.
      const local = await withWasm.newPage();
      await open(local, `${fallbackSite.url}/`);
      expect(await local.getByTestId("answered-by").textContent()).toMatch(/^Answered in this browser/);
    } finally {
      await noWasm.close();
      await withWasm.close();
    }
  }, 120_000);
});

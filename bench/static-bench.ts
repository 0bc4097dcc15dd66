/**
 * `npm run bench`'s static Space rows (issue 25), in headless Chromium against a plain static file
 * server on the loopback: `npm run build:static`'s time and size, the first load (page, WASM,
 * model: bytes and seconds, cold cache), navigation → first label, and one image's latency in the
 * page next to the server's `/api/predict` at concurrency 1 in the same run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildStatic } from "../src/static/build.ts";
import { serveFolder } from "../test/static/serve-folder.ts";

type Row = [string, string, string];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/**
 * The rows; `server` is a running Space with model.onnx (bench/serve.ts), `image` a PNG both classify.
 *
 * @example
 * rows.push(...(await staticFigures(log, "http://127.0.0.1:7901", fashionPng)));
 */
export async function staticFigures(log: (s: string) => void, server: string, image: Uint8Array): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), "bench-static-"));
  try {
    const started = performance.now();
    const built = await buildStatic({ out: join(dir, "site"), title: "Fashion" });
    const wasm = built.files.find((f) => f.path.endsWith(".wasm"))!.bytes;
    // What a static host that compresses (most do) would send.
    const gzipped = built.files.reduce((n, f) => n + gzipSync(readFileSync(join(built.out, f.path))).length, 0);
    rows.push([
      "static Space: npm run build:static",
      ms(performance.now() - started),
      `${built.files.length} files, ${mb(built.bytes)}, gzip ${mb(gzipped)} (WASM ${mb(wasm)}, app.js ${(built.files.find((f) => f.path === "app.js")!.bytes / 1024).toFixed(0)} KB)`,
    ]);
    if (!existsSync("/usr/bin/chromium")) {
      rows.push(["static Space in Chromium", "skipped", "/usr/bin/chromium is missing (apt-get install chromium)"]);
      return rows;
    }
    const site = await serveFolder(built.out);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      log("   first loads (cold cache)…");
      const loads: number[] = [];
      const labels: number[] = [];
      const bytes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const context = await browser.newContext(); // no cache, no service worker
        const page = await context.newPage();
        site.bytesSent = 0;
        const t0 = performance.now();
        await page.goto(`${site.url}/`);
        await page.getByRole("heading", { name: "Examples" }).waitFor({ timeout: 120_000 });
        loads.push(performance.now() - t0);
        await page.locator(".example").first().click();
        await page.locator(".top").first().waitFor();
        labels.push(performance.now() - t0);
        await page.evaluate(() => navigator.serviceWorker.ready);
        bytes.push(site.bytesSent);
        await context.close();
      }
      rows.push(
        [
          "static Space first load: page + WASM + model, loopback, median of 5",
          ms(median(loads)),
          `${mb(median(bytes))} sent (service worker's copies of the small files included)`,
        ],
        ["static Space navigation → first label (an example clicked), median of 5", ms(median(labels)), "cold cache"],
      );

      log("   per-image latency, page vs server…");
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${site.url}/`);
      await page.getByRole("heading", { name: "Examples" }).waitFor({ timeout: 120_000 });
      const url = `data:image/png;base64,${Buffer.from(image).toString("base64")}`;
      const inPage = await page.evaluate(async (dataUrl) => {
        const space = (window as unknown as { space: { predict(e: string, d: unknown[]): Promise<unknown> } }).space;
        for (let i = 0; i < 10; i++) await space.predict("/predict", [dataUrl]);
        const times: number[] = [];
        for (let i = 0; i < 50; i++) {
          const t = performance.now();
          await space.predict("/predict", [dataUrl]);
          times.push(performance.now() - t);
        }
        return times;
      }, url);
      await context.close();
      const body = JSON.stringify({ data: [url] });
      const call = () =>
        fetch(`${server}/api/predict`, { method: "POST", body, headers: { "content-type": "application/json" } }).then((r) => r.json());
      for (let i = 0; i < 10; i++) await call();
      const viaServer: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t = performance.now();
        await call();
        viaServer.push(performance.now() - t);
      }
      rows.push(
        [
          "static Space per-image latency in the page (28×28 PNG), median of 50",
          ms(median(inPage)),
          "onnxruntime-web WASM, 1 thread; decode, resize, run, label",
        ],
        [
          "  the same image, server /api/predict c=1, same run",
          ms(median(viaServer)),
          "onnxruntime-node in a worker, HTTP on the loopback",
        ],
      );
    } finally {
      await browser.close();
      await site.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * /review and /report in Debian's Chromium, served by a real server with the real model and a
 * real SQLite queue: the keyboard decides, a second reviewer's stale decision is refused (409) and
 * the page shows the item as it is, a corrupt picture is shown as broken and removable, and the
 * report shows the committed evaluation. Screenshots go to test/artifacts/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import sharp from "sharp";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Image, Interface, Label, launch, loadClassifier, type Classifier, type ImageFile, type Server } from "../../src/index.ts";
import { ReviewQueue } from "../../src/review/index.ts";
import { hasChromium, launchBrowser } from "../browser.ts";
import { root } from "../helpers.ts";

const artifacts = join(root, "test/artifacts");
const FASHION = "/usr/share/datasets/fashion-mnist";

describe.skipIf(!hasChromium)("the owner's /review and the public /report", () => {
  let model: Classifier;
  let queue: ReviewQueue;
  let server: Server;
  let browser: Browser;
  const temp = mkdtempSync(join(tmpdir(), "review-ui-"));

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    model = await loadClassifier(join(root, "model.onnx"));
    queue = await ReviewQueue.open({ file: join(temp, "monitor.sqlite3"), labels: model.info.labels, minFreeBytes: 0 });
    // Inverted garments as the model saw them (from the test set, else the committed examples).
    let pictures: Buffer[];
    try {
      const images = gunzipSync(readFileSync(join(FASHION, "t10k-images-idx3-ubyte.gz"))).subarray(16);
      pictures = await Promise.all(
        Array.from({ length: 7 }, (_, i) =>
          sharp(Buffer.from(images.subarray(i * 784, (i + 1) * 784).map((v) => 255 - v)), { raw: { width: 28, height: 28, channels: 1 } })
            .png()
            .toBuffer(),
        ),
      );
    } catch {
      pictures = ["ankle-boot", "bag", "dress", "sneaker", "trouser"].map((n) => readFileSync(join(root, "examples", `${n}.png`)));
    }
    for (const [i, bytes] of pictures.entries()) {
      const probs = await model.classify(bytes);
      const confidences = Object.entries(probs)
        .sort((a, b) => b[1] - a[1])
        .map(([label, confidence]) => ({ label, confidence }));
      await queue.add(
        { bytes, format: "png" },
        { label: confidences[0]!.label, confidences, ood: { score: 0.99, out_of_domain: true } },
        i % 2 ? ["flag"] : ["out_of_domain", "low_confidence"],
        new Date(Date.UTC(2026, 11, 1, 10, 10 - i)),
      );
    }
    await queue.add(
      { bytes: Buffer.from("<svg onload=alert(1)>"), format: "png" },
      { label: "<b>Bag</b>", confidences: [{ label: "<b>Bag</b>", confidence: 0.5 }] },
      ["flag"],
      new Date(Date.UTC(2026, 11, 1, 11)),
    );
    const iface = new Interface({
      fn: (img: ImageFile) => model.classify(img),
      inputs: new Image({ label: "image" }),
      outputs: new Label({ label: "prediction", numTopClasses: 3, model: model.info }),
      title: "Fashion-MNIST classifier",
      flaggingDir: join(temp, "flagged"),
    });
    server = await launch(iface, {
      port: 0,
      host: "127.0.0.1",
      quiet: true,
      monitorFile: false,
      review: queue,
      uploadDir: join(temp, "uploads"),
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    queue?.close();
    await model?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  const page = async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const p = await context.newPage();
    const errors: string[] = [];
    p.on("pageerror", (e) => errors.push(e.message));
    p.on("dialog", (d) => errors.push(`dialog: ${d.message()}`));
    return { p, errors };
  };

  test("keyboard: Enter accepts, a digit relabels, Delete discards; a broken picture is shown as broken", async () => {
    const { p, errors } = await page();
    await p.goto(`${server.url}/review`);
    await p.waitForFunction(() => [...document.querySelectorAll("img")].every((i) => i.complete));
    const cards = p.locator(".item");
    expect(await cards.count()).toBe(8);
    const broken = cards.nth(0); // the newest: the corrupt one, its label escaped
    await expect.poll(() => broken.getAttribute("class")).toContain("is-broken");
    expect(await broken.locator(".pred").textContent()).toContain("<b>Bag</b>");
    expect(await p.locator(".totals").textContent()).toContain("8to review");
    await p.screenshot({ path: join(artifacts, "review.png"), fullPage: true });

    await broken.focus();
    await p.keyboard.press("Delete");
    await expect.poll(() => broken.getAttribute("data-status")).toBe("discarded");
    const second = cards.nth(1);
    await expect.poll(() => p.evaluate(() => document.activeElement?.getAttribute("data-id"))).toBe(await second.getAttribute("data-id"));
    await p.keyboard.press("Enter");
    await expect.poll(() => second.getAttribute("data-status")).toBe("accepted");
    await p.keyboard.press("3");
    await expect.poll(() => cards.nth(2).locator(".status").textContent()).toBe("relabeled: Dress");
    await p.keyboard.press("ArrowLeft");
    await p.keyboard.press("ArrowRight");
    expect(await p.evaluate(() => document.activeElement?.getAttribute("data-id"))).toBe(await cards.nth(3).getAttribute("data-id"));
    expect((await queue.store.counts()).status).toMatchObject({ discarded: 1, accepted: 1, relabeled: 1, pending: 5 });
    expect(errors).toEqual([]);
  });

  test("two reviewers: the stale decision gets 409 and the page shows the item as it is now", async () => {
    const a = await page();
    const b = await page();
    await a.p.goto(`${server.url}/review?status=pending`);
    await b.p.goto(`${server.url}/review?status=pending`);
    const id = await a.p.locator(".item").first().getAttribute("data-id");
    await a.p.locator(".item").first().focus();
    await a.p.keyboard.press("7");
    await expect.poll(() => a.p.locator(".item").first().getAttribute("data-status")).toBe("relabeled");
    const stale = b.p.locator(`.item[data-id="${id}"]`);
    await stale.focus();
    const answer = b.p.waitForResponse((r) => r.request().method() === "POST");
    await b.p.keyboard.press("Enter");
    expect((await answer).status()).toBe(409);
    await expect
      .poll(() => b.p.locator("#review-message").textContent())
      .toBe("Someone else decided this item first: it is shown as it is now.");
    await expect.poll(() => stale.locator(".status").textContent()).toBe("relabeled: Sneaker");
    await b.p.screenshot({ path: join(artifacts, "review-409.png") });
    expect(await queue.get(id!)).toMatchObject({ status: "relabeled", label: "Sneaker", version: 2 });
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  test("/report shows the committed report; the Space's footer links to it", async () => {
    const { p, errors } = await page();
    await p.goto(`${server.url}/`);
    await p.getByRole("link", { name: "Model report" }).click();
    await p.waitForURL(`${server.url}/report`);
    await p.waitForFunction(() => [...document.querySelectorAll("img")].every((i) => i.complete && i.naturalWidth > 0));
    expect(await p.locator("h1").textContent()).toBe("Model report");
    expect(await p.locator(".totals").textContent()).toMatch(/92\.\d\d %accuracy on 10,000 test images/);
    expect(await p.locator(".losses li").count()).toBeGreaterThan(10);
    expect(await p.locator("#card-h + p, .card-text").first().textContent()).toContain("Not for:");
    await p.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
    expect(errors).toEqual([]);
  });
});

/**
 * The web UI end to end: Debian's Chromium (playwright-core) drives the real page, served by a
 * real server with the real model. Every test asserts what a user sees (or what a user's
 * snippet prints); nothing on the server is mocked.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { Image, Interface, Label, launch, loadClassifier, type Classifier, type ImageFile, type LaunchOptions, type Server } from "../src/index.ts";
import { hasChromium, launchBrowser } from "./browser.ts";
import { parseCsv, root } from "./helpers.ts";

// Never execSync here: the server under test runs in this process and must keep answering.
const run = promisify(execFile);
const require = createRequire(import.meta.url);
const artifacts = join(root, "test/artifacts");

/** The committed examples, sorted as app.ts sorts them (the page shows them in this order). */
const EXAMPLES = [
  { file: "ankle-boot.png", label: "Ankle boot" },
  { file: "bag.png", label: "Bag" },
  { file: "dress.png", label: "Dress" },
  { file: "sneaker.png", label: "Sneaker" },
  { file: "trouser.png", label: "Trouser" },
];
const example = (name: string) => join(root, "examples", `${name}.png`);

const SELECTORS = {
  heading: "[data-testid=label-output-value]",
  meters: "[data-testid=label-output] [role=meter]",
  toasts: ".toasts[role=status] .toast",
  preview: "img.preview",
};

let model: Classifier;
let server: Server;
let browser: Browser;
let temp: string; // holds the flagging dir, the upload dir and files the tests write
let flaggingDir: string;
let uploadDir: string;

const makeInterface = () =>
  new Interface({
    fn: (img: ImageFile) => model.classify(img),
    inputs: new Image({ label: "image" }),
    outputs: new Label({ label: "prediction", numTopClasses: 3 }),
    title: "Fashion-MNIST classifier",
    description: "Some **markdown** <script>alert(1)</script>",
    article: "An [article](https://example.com).",
    examples: EXAMPLES.map((e) => join(root, "examples", e.file)),
    flaggingDir,
  });
const serve = (port = 0) => launch(makeInterface(), { port, host: "127.0.0.1", quiet: true, uploadDir } satisfies LaunchOptions);

// Per test: fresh contexts (no shared storage), and any uncaught page error or dialog fails the test.
let contexts: BrowserContext[] = [];
let pageErrors: string[] = [];
let dialogs: string[] = [];

interface OpenOptions {
  viewport?: { width: number; height: number };
  base?: string;
}

/** Opens `path` in a fresh context and waits until the page has rendered from /config. */
async function open(path = "/", { viewport = { width: 1280, height: 900 }, base = server.url }: OpenOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(base + path);
  await page.locator(path.includes("view=api") ? "[data-testid=api-root]" : "button.primary:text-is('Submit')").waitFor();
  return page;
}

const submitButton = (page: Page) => page.getByRole("button", { name: "Submit", exact: true });

/** Waits for the label heading to read `expected` (or any label when undefined); returns it. */
async function waitForLabel(page: Page, expected?: string, timeout = 10_000): Promise<string> {
  await page.waitForFunction(
    ({ selector, expected }) => {
      const text = document.querySelector(selector)?.textContent;
      return expected === undefined ? !!text : text === expected;
    },
    { selector: SELECTORS.heading, expected },
    { timeout },
  ).catch(async (err) => {
    const seen = await page.locator(SELECTORS.heading).textContent({ timeout: 100 }).catch(() => null);
    const toasts = await page.locator(SELECTORS.toasts).allTextContents();
    throw new Error(`No label ${JSON.stringify(expected ?? "(any)")} within ${timeout} ms; heading: ${JSON.stringify(seen)}, toasts: ${JSON.stringify(toasts)} (${(err as Error).message.split("\n")[0]})`);
  });
  return (await page.locator(SELECTORS.heading).textContent())!;
}

/** Waits for a toast containing `text`; returns every toast's text. */
async function waitForToast(page: Page, text: string): Promise<string[]> {
  await page.locator(SELECTORS.toasts).filter({ hasText: text }).first().waitFor();
  return page.locator(SELECTORS.toasts).allTextContents();
}

/** Builds a File in the page from bytes on this side (base64 over the wire). */
function fileInPage(page: Page, bytes: Buffer, name: string, type = "image/png") {
  return page.evaluateHandle(
    ({ b64, name, type }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type }));
      return transfer;
    },
    { b64: bytes.toString("base64"), name, type },
  );
}

/** Picks `name`.png with the file input, submits, and waits for its label. */
async function predictWithUpload(page: Page, name: string, expected: string) {
  await page.setInputFiles("input[type=file]", example(name));
  await page.locator(SELECTORS.preview).waitFor();
  await submitButton(page).click();
  expect(await waitForLabel(page, expected), `the label shown for ${name}.png`).toBe(expected);
}


/** Runs axe-core in the page; returns every violation, compactly. */
async function axeViolations(page: Page) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const { violations } = await axe.run();
    return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`) }));
  });
}

describe.skipIf(!hasChromium)("the web UI in Chromium", () => {
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "ui-test-"));
    flaggingDir = join(temp, "flagged");
    uploadDir = join(temp, "uploads");
    mkdirSync(uploadDir);
    [model, browser] = await Promise.all([loadClassifier(join(root, "model.onnx")), launchBrowser()]);
    server = await serve();
    // Example results are computed in the background after start; the example test needs them cached.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const config = (await (await fetch(`${server.url}/config`)).json()) as { example_outputs: unknown[] };
      if (config.example_outputs.length === EXAMPLES.length && config.example_outputs.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error(`Example outputs were not ready within 10 s: ${JSON.stringify(config.example_outputs)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterEach(async () => {
    const errors = pageErrors;
    const seen = dialogs;
    await Promise.all(contexts.map((c) => c.close()));
    contexts = [];
    pageErrors = [];
    dialogs = [];
    expect(errors, "uncaught errors in the page").toEqual([]);
    expect(seen, "dialogs the page opened (an injected script?)").toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await model?.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  test("title, description and article: Markdown rendered, HTML shown as text, never run", async () => {
    const page = await open();
    expect(await page.title(), "document title").toBe("Fashion-MNIST classifier");
    expect(await page.getByRole("heading", { level: 1 }).textContent(), "h1").toBe("Fashion-MNIST classifier");
    const description = page.locator(".description");
    expect(await description.locator("strong").textContent(), "**markdown** is bold").toBe("markdown");
    expect(await description.textContent(), "the <script> tag is shown as text").toContain("<script>alert(1)</script>");
    expect(await description.locator("script").count(), "no script element from the description").toBe(0);
    const link = page.locator(".article a");
    expect(await link.textContent(), "article link text").toBe("article");
    expect(await link.getAttribute("href"), "article link target").toBe("https://example.com");
    expect(await link.getAttribute("rel"), "external links do not get window.opener").toContain("noopener");
  });

  test("upload with the file input, Submit: the label, three bars, and meters that say what they show", async () => {
    const page = await open();
    expect(await page.locator(".placeholder").textContent(), "before a run").toBe("The prediction appears here.");
    await predictWithUpload(page, "bag", "Bag");
    const meters = page.locator(SELECTORS.meters);
    expect(await meters.count(), "one bar per top class (numTopClasses 3)").toBe(3);
    const percentages = await page.locator(".bars .pct").allTextContents();
    expect(percentages, "percentages").toHaveLength(3);
    for (const p of percentages) expect(p, "a percentage looks like NN%").toMatch(/^\d{1,3}%$/);
    const values = percentages.map((p) => Number.parseInt(p, 10));
    expect([...values].sort((a, b) => b - a), "bars are sorted by confidence").toEqual(values);
    const first = meters.first();
    expect(await first.getAttribute("aria-valuenow"), "first meter's value is the percentage shown").toBe(String(values[0]));
    expect(await first.getAttribute("aria-valuemin"), "aria-valuemin").toBe("0");
    expect(await first.getAttribute("aria-valuemax"), "aria-valuemax").toBe("100");
    expect(await page.getByRole("meter", { name: "Bag" }).count(), "the top meter is named by its class").toBe(1);
    expect(await page.locator(SELECTORS.toasts).count(), "no toast after a good run").toBe(0);
  });

  test("drag and drop a file onto the drop zone", async () => {
    const page = await open();
    const transfer = await fileInPage(page, readFileSync(example("trouser")), "trouser.png");
    const zone = page.locator("[data-testid=image-dropzone]");
    await zone.dispatchEvent("dragover", { dataTransfer: transfer });
    expect(await zone.getAttribute("class"), "the zone highlights while dragging").toContain("dragging");
    await zone.dispatchEvent("drop", { dataTransfer: transfer });
    await page.locator(SELECTORS.preview).waitFor();
    expect(await zone.getAttribute("class"), "the highlight goes after the drop").not.toContain("dragging");
    await submitButton(page).click();
    expect(await waitForLabel(page, "Trouser")).toBe("Trouser");
  });

  test("paste an image from the clipboard", async () => {
    const page = await open();
    const transfer = await fileInPage(page, readFileSync(example("dress")), "dress.png");
    await page.evaluate((clipboardData) => document.dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true })), transfer);
    await page.locator(SELECTORS.preview).waitFor();
    expect(await page.locator(SELECTORS.preview).getAttribute("src"), "the preview shows the pasted bytes").toMatch(/^blob:/);
    await submitButton(page).click();
    expect(await waitForLabel(page, "Dress")).toBe("Dress");
  });

  test("webcam (Chromium's fake camera): pick a camera, capture a photo, classify it", async () => {
    const page = await open();
    await page.getByRole("button", { name: "Webcam", exact: true }).click();
    await page.waitForFunction(() => {
      const video = document.querySelector("video");
      return !!video && !video.hidden && video.videoWidth > 0 && !video.paused;
    });
    const cameras = page.getByRole("combobox", { name: "Camera" });
    await cameras.waitFor();
    expect(await cameras.locator("option").count(), "the camera list").toBeGreaterThanOrEqual(1);
    expect(await page.getByRole("button", { name: "Stop webcam" }).isVisible(), "the Webcam button now stops it").toBe(true);
    await page.getByRole("button", { name: "Capture photo" }).click();
    await page.locator(SELECTORS.preview).waitFor();
    expect(await page.locator("video").isHidden(), "the live video closes after the capture").toBe(true);
    const width = await page.locator(SELECTORS.preview).evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth));
    expect(width, "the photo has the camera's size").toBeGreaterThan(0);
    await submitButton(page).click();
    await waitForLabel(page); // a test pattern: any class will do
    expect(await page.locator(SELECTORS.meters).count(), "three bars").toBe(3);
    expect(await page.locator(SELECTORS.toasts).allTextContents(), "no error toast").toEqual([]);
  });

  test("examples are listed in order; a click shows the picture and its cached label at once", async () => {
    const page = await open();
    const cards = page.locator(".example");
    expect(await cards.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label"))), "examples in alphabetical order").toEqual(
      EXAMPLES.map((e, i) => `Example ${i + 1}: ${e.file}`),
    );
    for (const [i, { file, label }] of EXAMPLES.entries()) {
      const started = Date.now();
      await cards.nth(i).click();
      await waitForLabel(page, label, 1_000);
      expect(Date.now() - started, `${file}: the cached label appears within 1 s`).toBeLessThan(1_000);
      expect(await page.locator(SELECTORS.preview).isVisible(), `${file}: the input shows the example`).toBe(true);
      expect(await page.locator(SELECTORS.meters).count(), `${file}: three bars`).toBe(3);
    }
    expect(await page.getByRole("button", { name: "Flag" }).isEnabled(), "a cached example can be flagged").toBe(true);
  });

  test("a file that is not an image: a clear toast, and no label", async () => {
    const page = await open();
    const notes = join(temp, "notes.txt");
    writeFileSync(notes, "just some notes\n");
    await page.setInputFiles("input[type=file]", notes);
    const toasts = await waitForToast(page, "This browser cannot read");
    expect(toasts.join("\n"), "the browser's message").toContain("This browser cannot read “notes.txt” (text/plain). Convert it to JPEG or PNG and try again.");
    expect(await page.locator(SELECTORS.preview).isHidden(), "no preview").toBe(true);
    await submitButton(page).click();
    const after = await waitForToast(page, "Please add an image first");
    expect(after.join("\n"), "Submit without a picture says what to do").toContain("Please add an image first: drop one, click to upload, paste, or use the webcam.");
    expect(await page.locator(SELECTORS.heading).count(), "no label").toBe(0);
  });

  test("a truncated PNG: Chromium will not decode it, and the toast says the file is damaged", async () => {
    // 400×400 noise compresses badly, so cutting the file at 60 % cuts the pixel data itself.
    // Chromium's createImageBitmap refuses any cut PNG or JPEG (checked at 60 %, 99 % and without IEND).
    const raw = Buffer.alloc(400 * 400 * 3);
    for (let i = 0, s = 1; i < raw.length; i++) raw[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
    const png = await sharp(raw, { raw: { width: 400, height: 400, channels: 3 } }).png().toBuffer();
    const page = await open();
    await page.setInputFiles("input[type=file]", { name: "cut.png", mimeType: "image/png", buffer: png.subarray(0, Math.floor(png.length * 0.6)) });
    const toasts = await waitForToast(page, "This browser cannot read");
    expect(toasts.join("\n"), "the browser's message").toContain("This browser cannot read “cut.png” (image/png). The file may be damaged or incomplete.");
    expect(await page.locator(SELECTORS.preview).isHidden(), "no preview").toBe(true);
    await submitButton(page).click();
    await waitForToast(page, "Please add an image first");
    expect(await page.locator(SELECTORS.heading).count(), "no label").toBe(0);
  });

  test("an image Chromium reads but the server refuses (an icon): the server's message, and no label", async () => {
    // An .ico holding one 32×32 PNG (the Vista icon format): Chromium decodes it, the server only takes the formats it names.
    const icon = await sharp({ create: { width: 32, height: 32, channels: 4, background: "#c2410c" } }).png().toBuffer();
    const head = Buffer.alloc(22);
    head.writeUInt16LE(1, 2); // type: icon
    head.writeUInt16LE(1, 4); // one image
    head.set([32, 32, 0, 0], 6); // width, height, palette, reserved
    head.writeUInt16LE(1, 10); // planes
    head.writeUInt16LE(32, 12); // bits per pixel
    head.writeUInt32LE(icon.length, 14);
    head.writeUInt32LE(22, 18); // offset of the PNG
    const ico = Buffer.concat([head, icon]);
    const page = await open();
    await page.setInputFiles("input[type=file]", { name: "favicon.ico", mimeType: "image/x-icon", buffer: ico });
    await page.locator(SELECTORS.preview).waitFor(); // the browser accepted it
    await submitButton(page).click();
    const toasts = await waitForToast(page, "Unsupported image format");
    expect(toasts.join("\n"), "the server's message").toContain(
      "Unsupported image format: ICO. Send JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF.",
    );
    expect(await page.locator(SELECTORS.heading).count(), "no label").toBe(0);
    expect(await submitButton(page).isEnabled(), "Submit works again").toBe(true);
  });

  test("Flag saves the run: Saving... then Flagged, a CSV row, and the uploaded bytes", async () => {
    const page = await open();
    await predictWithUpload(page, "sneaker", "Sneaker");
    const flag = await page.getByRole("button", { name: "Flag", exact: true }).elementHandle();
    expect(await flag!.isEnabled(), "Flag is on after a run").toBe(true);
    // Record every text the button shows: "Saving..." may last only as long as one request.
    await flag!.evaluate((button) => {
      const texts = [button.textContent];
      (window as unknown as { flagTexts: unknown }).flagTexts = texts;
      new MutationObserver(() => texts.push(button.textContent)).observe(button, { childList: true, characterData: true, subtree: true });
    });
    await flag!.click();
    await page.waitForFunction((button) => button.textContent === "Flagged", flag!);
    const texts = await page.evaluate(() => (window as unknown as { flagTexts: string[] }).flagTexts);
    expect(texts, "the button's texts").toEqual(["Flag", "Saving...", "Flagged"]);
    expect(await flag!.isDisabled(), "one flag per run").toBe(true);

    const rows = parseCsv(readFileSync(join(flaggingDir, "dataset1.csv"), "utf8"));
    expect(rows[0], "header").toEqual(["image", "prediction", "timestamp"]);
    expect(rows, "one row after the header").toHaveLength(2);
    const [image, prediction, timestamp] = rows[1]!;
    expect(image, "the image cell is a path relative to the flagging dir").toMatch(/^image\/[0-9a-f-]{36}\.png$/);
    const copy = join(flaggingDir, image!);
    expect(existsSync(copy), `${copy} exists`).toBe(true);
    expect(readFileSync(copy).equals(readFileSync(example("sneaker"))), "the copy holds the bytes the page uploaded (a small PNG is sent as it is)").toBe(true);
    const label = JSON.parse(prediction!) as { label: string; confidences: unknown[] };
    expect(label.label, "the prediction cell").toBe("Sneaker");
    expect(label.confidences, "with its confidences").toHaveLength(3);
    expect(Date.now() - Date.parse(timestamp!), "a fresh ISO timestamp").toBeLessThan(60_000);
  });

  test("the API view shows the live URL, and its three snippets work as they are", async () => {
    const page = await open("/?view=api");
    expect(await page.locator("[data-testid=api-root]").textContent(), "Base URL").toBe(server.url);
    const snippet = (title: string) => page.locator(".snippet").filter({ hasText: title }).locator("pre code").textContent() as Promise<string>;
    const [js, curl, fetchJs] = await Promise.all([snippet("@gradio/client"), snippet("curl"), snippet("fetch, one request")]);
    expect(await page.locator("pre code").count(), "three snippets").toBe(3);
    const names = await page.locator(".endpoint td:first-child code").evaluateAll((els) => els.map((e) => [e.textContent, e.getClientRects().length]));
    expect(names, "parameter and return names each on one line").toEqual([["image", 1], ["prediction", 1]]);
    for (const [name, code] of Object.entries({ js, curl, fetchJs })) expect(code, `${name} names the live root`).toContain(server.url);
    const expected = EXAMPLES[0]!.label; // the snippets classify the first example

    // (a) curl, in a shell, as a user would paste it.
    const work = mkdtempSync(join(temp, "curl-"));
    const { stdout: curlOut } = await run("bash", ["-c", curl], { cwd: work, timeout: 20_000 });
    expect(curlOut, "curl prints the complete event").toContain("event: complete");
    const data = curlOut.match(/^data: (.*)$/m)?.[1];
    expect(JSON.parse(data ?? "null")?.[0]?.label, `curl's result: ${curlOut}`).toBe(expected);

    // (b) @gradio/client, run by node from inside the project so the package resolves.
    expect(js.split("\n")[0], "the install hint").toBe("// npm i @gradio/client");
    mkdirSync(artifacts, { recursive: true });
    const script = join(artifacts, `snippet-${randomUUID()}.mjs`);
    writeFileSync(script, js.split("\n").slice(1).join("\n"));
    try {
      const { stdout } = await run(process.execPath, [script], { cwd: root, timeout: 30_000 });
      expect(stdout.trim(), "the @gradio/client snippet prints the label").toBe(expected);
    } finally {
      rmSync(script, { force: true });
    }

    // (c) fetch, in the page, returning what it would log.
    expect(fetchJs, "the fetch snippet logs its result").toContain("console.log(");
    const result = await page.evaluate(`(async () => { ${fetchJs.replace("console.log(", "return (")} })()`);
    expect(result, "the fetch snippet's result").toBe(expected);
  });

  test("accessibility: axe finds nothing serious on the page (after a run) or the API view; everything is reachable by Tab", async () => {
    const page = await open();
    await predictWithUpload(page, "bag", "Bag");
    const main = await axeViolations(page);
    if (main.length) console.log("axe, main page:", JSON.stringify(main, null, 2));
    expect(main.filter((v) => v.impact === "serious" || v.impact === "critical"), "serious or critical violations on the page").toEqual([]);
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await axeViolations(page);
    if (dark.length) console.log("axe, main page, dark:", JSON.stringify(dark, null, 2));
    expect(dark.filter((v) => v.impact === "serious" || v.impact === "critical"), "serious or critical violations on the dark page").toEqual([]);
    await page.emulateMedia({ colorScheme: "light" });

    // Keyboard: Tab from the top and note what gets focus.
    await page.goto(server.url);
    await submitButton(page).waitFor();
    const focused: string[] = [];
    let dropZoneOutlined = false;
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press("Tab");
      const { name, zoneOutline } = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        const zone = document.querySelector("[data-testid=image-dropzone]")!;
        const name = !el || el === document.body ? "(body)" : el.matches("input[type=file]") ? "file input" : el.matches(".example") ? el.getAttribute("aria-label")! : (el.textContent ?? "").trim();
        return { name, zoneOutline: getComputedStyle(zone).outlineStyle };
      });
      if (name === "file input") dropZoneOutlined = zoneOutline !== "none";
      focused.push(name);
    }
    const wanted = ["file input", "Webcam", "Clear", "Submit", ...EXAMPLES.map((e, i) => `Example ${i + 1}: ${e.file}`), "article", "Use via API", "Built on the Gradio protocol", "Theme: system"];
    const order = wanted.map((w) => focused.indexOf(w));
    expect(order.every((at) => at >= 0), `all of ${JSON.stringify(wanted)} get focus; focus went to ${JSON.stringify(focused)}`).toBe(true);
    expect([...order].sort((a, b) => a - b), "in reading order").toEqual(order);
    expect(dropZoneOutlined, "the drop zone shows the focus ring while its (visually hidden) file input has focus").toBe(true);

    await page.goto(`${server.url}/?view=api`);
    await page.locator("[data-testid=api-root]").waitFor();
    const api = await axeViolations(page);
    if (api.length) console.log("axe, API view:", JSON.stringify(api, null, 2));
    expect(api.filter((v) => v.impact === "serious" || v.impact === "critical"), "serious or critical violations on the API view").toEqual([]);
  });

  test("layout: side by side at 1280 px, stacked at 390 px; light and dark screenshots", async () => {
    mkdirSync(artifacts, { recursive: true });
    const columns = async (page: Page) => {
      const input = (await page.locator("section[aria-label=Inputs]").boundingBox())!;
      const output = (await page.locator("section[aria-label=Outputs]").boundingBox())!;
      return { input, output };
    };

    const wide = await open("/", { viewport: { width: 1280, height: 900 } });
    await predictWithUpload(wide, "bag", "Bag");
    const w = await columns(wide);
    expect(w.output.x, "at 1280 px the outputs are right of the inputs").toBeGreaterThanOrEqual(w.input.x + w.input.width);
    expect(Math.abs(w.output.y - w.input.y), "at 1280 px the columns start at the same height").toBeLessThan(2);
    await wide.screenshot({ path: join(artifacts, "ui-1280.png"), fullPage: true });

    const narrow = await open("/", { viewport: { width: 390, height: 844 } });
    await predictWithUpload(narrow, "bag", "Bag");
    const n = await columns(narrow);
    expect(n.output.y, "at 390 px the outputs are below the inputs").toBeGreaterThanOrEqual(n.input.y + n.input.height);
    expect(await narrow.evaluate(() => document.documentElement.scrollWidth), "no sideways scrolling at 390 px").toBeLessThanOrEqual(390);
    await narrow.screenshot({ path: join(artifacts, "ui-390.png"), fullPage: true });
    const background = () => narrow.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background(), "light background").toBe("rgb(255, 255, 255)");
    await narrow.emulateMedia({ colorScheme: "dark" });
    expect(await background(), "dark background follows the system").toBe("rgb(11, 15, 25)");
    await narrow.screenshot({ path: join(artifacts, "ui-390-dark.png"), fullPage: true });

    const api = await open("/?view=api", { viewport: { width: 1280, height: 900 } });
    await api.screenshot({ path: join(artifacts, "api-1280.png"), fullPage: true });
    await api.setViewportSize({ width: 390, height: 844 });
    expect(await api.evaluate(() => document.documentElement.scrollWidth), "the API view: no sideways scrolling at 390 px (code blocks scroll on their own)").toBeLessThanOrEqual(390);
    for (const name of ["ui-1280.png", "ui-390.png", "ui-390-dark.png", "api-1280.png"]) {
      const { width } = await sharp(join(artifacts, name)).metadata();
      expect(width, `${name} width`).toBe(name.includes("390") ? 390 : 1280);
    }
  });

  test("a restart: the lost connection is shown, then the page carries on with the new server", async () => {
    let second = await serve();
    const { port } = second;
    try {
      const page = await open("/", { base: second.url });
      await page.setInputFiles("input[type=file]", example("bag"));
      await page.locator(SELECTORS.preview).waitFor();
      await page.waitForLoadState("networkidle");
      await second.close();

      await submitButton(page).click();
      const lost = await waitForToast(page, "Connection to the Space was lost.");
      expect(lost.join("\n"), "a toast says so").toContain("Connection to the Space was lost.");
      const banner = page.locator("[role=alert]", { hasText: "Connection to the Space was lost. Reconnecting…" });
      await banner.waitFor();
      expect(await page.locator(SELECTORS.heading).count(), "no label").toBe(0);

      second = await serve(port);
      await banner.waitFor({ state: "hidden" });
      const back = await waitForToast(page, "The Space restarted; you can go on.");
      expect(back.join("\n"), "the page noticed a new server (a new app_id)").toContain("The Space restarted; you can go on.");
      await submitButton(page).click();
      expect(await waitForLabel(page, "Bag"), "the same picture, sent to the new server").toBe("Bag");
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
      contexts = [];
      await second.close();
    }
  });
});

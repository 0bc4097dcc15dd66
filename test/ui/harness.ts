/**
 * The harness of the web UI tests (test/ui/*.test.ts): Debian's Chromium (playwright-core)
 * drives the real page, served by a real server with the real model. Every test asserts what a
 * user sees (or what a user's snippet prints); nothing on the server is mocked.
 *
 * @example
 * import { describe, expect, test } from "vitest";
 * import { hasChromium, open, useUi, waitForLabel } from "./harness.ts";
 * describe.skipIf(!hasChromium)("the page", () => {
 *   useUi();
 *   test("…", async () => { const page = await open(); … });
 * });
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import {
  Image,
  Interface,
  Label,
  launch,
  loadClassifier,
  type Classifier,
  type ImageFile,
  type LaunchOptions,
  type Server,
} from "../../src/index.ts";
import { axeViolations, hasChromium, launchBrowser } from "../browser.ts";
import { root } from "../helpers.ts";

export { axeViolations, hasChromium };

// Never execSync here: the server under test runs in this process and must keep answering.
export const run = promisify(execFile);
export const artifacts = join(root, "test/artifacts");

/** The committed examples, sorted as app.ts sorts them (the page shows them in this order). */
export const EXAMPLES = [
  { file: "ankle-boot.png", label: "Ankle boot" },
  { file: "bag.png", label: "Bag" },
  { file: "dress.png", label: "Dress" },
  { file: "sneaker.png", label: "Sneaker" },
  { file: "trouser.png", label: "Trouser" },
];
export const example = (name: string) => join(root, "examples", `${name}.png`);

export const SELECTORS = {
  heading: "[data-testid=label-output-value]",
  meters: "[data-testid=label-output] [role=meter]",
  toasts: ".toasts[role=status] .toast",
  preview: "img.preview",
};

/** What one test file's {@link useUi} set up: set in its beforeAll. */
export const ui = {} as {
  model: Classifier;
  server: Server;
  browser: Browser;
  /** Holds the flagging dir, the upload dir and files the tests write. */
  temp: string;
  flaggingDir: string;
  uploadDir: string;
};

const makeInterface = () =>
  new Interface({
    fn: (img: ImageFile) => ui.model.classify(img),
    inputs: new Image({ label: "image" }),
    outputs: new Label({ label: "prediction", numTopClasses: 3, model: ui.model.info }),
    title: "Fashion-MNIST classifier",
    description: "Some **markdown** <script>alert(1)</script>",
    article: "An [article](https://example.com).",
    examples: EXAMPLES.map((e) => join(root, "examples", e.file)),
    flaggingDir: ui.flaggingDir,
  });
/** Serves the test Interface on `port` (0: a free one). */
export const serve = (port = 0) =>
  launch(makeInterface(), { port, host: "127.0.0.1", quiet: true, uploadDir: ui.uploadDir } satisfies LaunchOptions);

// Per test: fresh contexts (no shared storage), and any uncaught page error or dialog fails the test.
let contexts: BrowserContext[] = [];
let pageErrors: string[] = [];
let dialogs: string[] = [];

interface OpenOptions {
  viewport?: { width: number; height: number };
  base?: string;
}

/** Opens `path` in a fresh context and waits until the page has rendered from /config. */
export async function open(path = "/", { viewport = { width: 1280, height: 900 }, base = ui.server.url }: OpenOptions = {}): Promise<Page> {
  const context = await ui.browser.newContext({ viewport });
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

export const submitButton = (page: Page) => page.getByRole("button", { name: "Submit", exact: true });

/** Waits for the label heading to read `expected` (or any label when undefined); returns it. */
export async function waitForLabel(page: Page, expected?: string, timeout = 10_000): Promise<string> {
  await page
    .waitForFunction(
      ({ selector, expected }) => {
        const text = document.querySelector(selector)?.textContent;
        return expected === undefined ? !!text : text === expected;
      },
      { selector: SELECTORS.heading, expected },
      { timeout },
    )
    .catch(async (err) => {
      const seen = await page
        .locator(SELECTORS.heading)
        .textContent({ timeout: 100 })
        .catch(() => null);
      const toasts = await page.locator(SELECTORS.toasts).allTextContents();
      throw new Error(
        `No label ${JSON.stringify(expected ?? "(any)")} within ${timeout} ms; heading: ${JSON.stringify(seen)}, toasts: ${JSON.stringify(toasts)} (${(err as Error).message.split("\n")[0]})`,
      );
    });
  return (await page.locator(SELECTORS.heading).textContent())!;
}

/** Waits for a toast containing `text`; returns every toast's text. */
export async function waitForToast(page: Page, text: string): Promise<string[]> {
  await page.locator(SELECTORS.toasts).filter({ hasText: text }).first().waitFor();
  return page.locator(SELECTORS.toasts).allTextContents();
}

/** Builds a File in the page from bytes on this side (base64 over the wire). */
export function fileInPage(page: Page, bytes: Buffer, name: string, type = "image/png") {
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
export async function predictWithUpload(page: Page, name: string, expected: string) {
  await page.setInputFiles("input[type=file]", example(name));
  await page.locator(SELECTORS.preview).waitFor();
  await submitButton(page).click();
  expect(await waitForLabel(page, expected), `the label shown for ${name}.png`).toBe(expected);
}

/** Closes every context the test opened. */
export async function closeContexts(): Promise<void> {
  await Promise.all(contexts.map((c) => c.close()));
  contexts = [];
}

/**
 * Registers the hooks of one test file: a model, Chromium and a server of its own (so files can
 * run in parallel), a fresh folder for flags and uploads, and after each test a check that the
 * page threw nothing and opened no dialog.
 */
export function useUi(): void {
  beforeAll(async () => {
    ui.temp = mkdtempSync(join(tmpdir(), "ui-test-"));
    ui.flaggingDir = join(ui.temp, "flagged");
    ui.uploadDir = join(ui.temp, "uploads");
    mkdirSync(ui.uploadDir);
    [ui.model, ui.browser] = await Promise.all([loadClassifier(join(root, "model.onnx")), launchBrowser()]);
    ui.server = await serve();
    // Example results are computed in the background after start; the example test needs them cached.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const config = (await (await fetch(`${ui.server.url}/config`)).json()) as { example_outputs: unknown[] };
      if (config.example_outputs.length === EXAMPLES.length && config.example_outputs.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error(`Example outputs were not ready within 10 s: ${JSON.stringify(config.example_outputs)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterEach(async () => {
    const errors = pageErrors;
    const seen = dialogs;
    await closeContexts();
    pageErrors = [];
    dialogs = [];
    expect(errors, "uncaught errors in the page").toEqual([]);
    expect(seen, "dialogs the page opened (an injected script?)").toEqual([]);
  });
  afterAll(async () => {
    await ui.browser?.close();
    await ui.server?.close();
    await ui.model?.close();
    if (ui.temp) rmSync(ui.temp, { recursive: true, force: true });
  });
}

/**
 * The harness of the Chromium tests of the ported demos (blocks.test.ts, stream.test.ts): each
 * examples/gradio/<demo>/app.ts and each Blocks of the test's own on a server of its own, one
 * Chromium per file, all started at once; a fresh context per page, and after each test a check
 * that no page threw. (harness.ts serves the classifier's page tests.)
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { Blocks, Server } from "../../src/index.ts";
import { axeViolations, launchBrowser } from "../browser.ts";
import { root } from "../helpers.ts";

const artifacts = join(root, "test/artifacts");
const LAUNCH = { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false } as const;

type Viewport = { width: number; height: number };

interface DemoPagesOptions<D extends string, A extends string> {
  /** Names under examples/gradio/, each imported (in beforeAll: after the test file's top-level code has run) and launched. */
  demos: readonly D[];
  /** The test's own Blocks, launched alongside, by the name its pages are reported under. */
  apps?: Record<A, Blocks>;
  /** Screenshots are test/artifacts/<prefix>-<name>.png. */
  prefix: string;
  /** Of every new context unless a test says otherwise. */
  viewport: Viewport;
  /** Screenshots of the whole page rather than the viewport. */
  fullPage?: boolean;
}

/**
 * Registers one test file's hooks (call it inside its `describe`): servers and Chromium in
 * beforeAll, contexts closed and page errors failing the test in afterEach, all closed in
 * afterAll. Returns the ways in to the pages.
 *
 * @example
 * describe.skipIf(!hasChromium)("Gradio's demos in Chromium", () => {
 *   const { open, expectAxeClean, shoot } = demoPages({ demos: ["hello_blocks"], prefix: "blocks", viewport: { width: 1100, height: 800 } });
 *   test("hello_blocks", async () => {
 *     const page = await open("hello_blocks");
 *     await expectAxeClean(page, "hello_blocks");
 *     await shoot(page, "hello_blocks"); // test/artifacts/blocks-hello_blocks.png
 *   });
 * });
 */
export function demoPages<D extends string, A extends string = never>({
  demos,
  apps = {} as Record<A, Blocks>,
  prefix,
  viewport,
  fullPage = false,
}: DemoPagesOptions<D, A>) {
  type Name = D | A;
  let browser: Browser;
  const servers = {} as Record<Name, Server>;
  let contexts: BrowserContext[] = [];
  let pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    const launched = demos.map(async (name) => {
      const { demo } = (await import(`../../examples/gradio/${name}/app.ts`)) as { demo: Blocks };
      servers[name] = await demo.launch(LAUNCH);
    });
    const own = (Object.entries(apps) as [A, Blocks][]).map(async ([name, blocks]) => {
      servers[name] = await blocks.launch(LAUNCH);
    });
    [browser] = await Promise.all([launchBrowser(), ...launched, ...own]);
  });
  afterEach(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    contexts = [];
    const errors = pageErrors;
    pageErrors = [];
    expect(errors, "uncaught errors in the page").toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values<Server>(servers).map((s) => s.close()));
  });

  const url = (name: Name) => servers[name].url;

  /** A page in a fresh context (a new session), its uncaught errors noted under `name`. */
  async function fresh(name: Name, options: BrowserContextOptions, timeout?: number): Promise<Page> {
    const context = await browser.newContext({ viewport, ...options });
    contexts.push(context);
    if (timeout) context.setDefaultTimeout(timeout);
    const page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
    return page;
  }

  return {
    url,
    /** Opens a page in a fresh context (a new session) and waits for it to render; actions time out after 10 s. */
    async open(name: Name, size = viewport): Promise<Page> {
      const page = await fresh(name, { viewport: size }, 10_000);
      await page.goto(url(name));
      await page.locator("#app:not([aria-busy])").waitFor();
      await page.locator("main").waitFor();
      return page;
    },
    /** Opens a page in a fresh context made with `options` (say, a permission) and waits for its `main`. */
    async newPage(name: Name, options: BrowserContextOptions = {}): Promise<Page> {
      const page = await fresh(name, options);
      await page.goto(url(name));
      await page.locator("main").waitFor();
      return page;
    },
    /** axe on the page in light and dark: nothing serious or critical. */
    async expectAxeClean(page: Page, label: string): Promise<void> {
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const found = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
        expect(found, `${label}, ${scheme}: serious or critical axe violations`).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: "light" });
    },
    /** Saves test/artifacts/<prefix>-<name>.png. */
    shoot: (page: Page, name: Name) => page.screenshot({ path: join(artifacts, `${prefix}-${name}.png`), fullPage }),
  };
}

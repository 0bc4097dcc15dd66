/** The page as it renders: title, Markdown, examples, accessibility and layout. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { describe, expect, test } from "vitest";
import {
  artifacts,
  axeViolations,
  EXAMPLES,
  hasChromium,
  open,
  predictWithUpload,
  SELECTORS,
  submitButton,
  ui,
  useUi,
  waitForLabel,
} from "./harness.ts";

describe.skipIf(!hasChromium)("the web UI in Chromium: page", () => {
  useUi();
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

  test("accessibility: axe finds nothing serious on the page (after a run) or the API view; everything is reachable by Tab", async () => {
    const page = await open();
    await predictWithUpload(page, "bag", "Bag");
    const main = await axeViolations(page);
    if (main.length) console.log("axe, main page:", JSON.stringify(main, null, 2));
    expect(
      main.filter((v) => v.impact === "serious" || v.impact === "critical"),
      "serious or critical violations on the page",
    ).toEqual([]);
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await axeViolations(page);
    if (dark.length) console.log("axe, main page, dark:", JSON.stringify(dark, null, 2));
    expect(
      dark.filter((v) => v.impact === "serious" || v.impact === "critical"),
      "serious or critical violations on the dark page",
    ).toEqual([]);
    await page.emulateMedia({ colorScheme: "light" });

    // Keyboard: Tab from the top and note what gets focus.
    await page.goto(ui.server.url);
    await submitButton(page).waitFor();
    const focused: string[] = [];
    let dropZoneOutlined = false;
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press("Tab");
      const { name, zoneOutline } = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        const zone = document.querySelector("[data-testid=image-dropzone]")!;
        const name =
          !el || el === document.body
            ? "(body)"
            : el.matches("input[type=file]")
              ? "file input"
              : el.matches(".example")
                ? el.getAttribute("aria-label")!
                : (el.textContent ?? "").trim();
        return { name, zoneOutline: getComputedStyle(zone).outlineStyle };
      });
      if (name === "file input") dropZoneOutlined = zoneOutline !== "none";
      focused.push(name);
    }
    const wanted = [
      "file input",
      "Webcam",
      "Clear",
      "Submit",
      ...EXAMPLES.map((e, i) => `Example ${i + 1}: ${e.file}`),
      "article",
      "Use via API",
      "Built on the Gradio protocol",
      "Theme: system",
    ];
    const order = wanted.map((w) => focused.indexOf(w));
    expect(
      order.every((at) => at >= 0),
      `all of ${JSON.stringify(wanted)} get focus; focus went to ${JSON.stringify(focused)}`,
    ).toBe(true);
    expect(
      [...order].sort((a, b) => a - b),
      "in reading order",
    ).toEqual(order);
    expect(dropZoneOutlined, "the drop zone shows the focus ring while its (visually hidden) file input has focus").toBe(true);

    await page.goto(`${ui.server.url}/?view=api`);
    await page.locator("[data-testid=api-root]").waitFor();
    const api = await axeViolations(page);
    if (api.length) console.log("axe, API view:", JSON.stringify(api, null, 2));
    expect(
      api.filter((v) => v.impact === "serious" || v.impact === "critical"),
      "serious or critical violations on the API view",
    ).toEqual([]);
  });

  test("theme: the toggle cycles system → light → dark, and the shell applies the stored choice (or ?__theme=) before the bundle runs", async () => {
    const page = await open();
    const toggle = page.getByRole("button", { name: /^Theme: / });
    expect(await toggle.textContent(), "the default").toBe("Theme: system");
    await toggle.click();
    expect(await toggle.textContent()).toBe("Theme: light");
    await toggle.click();
    expect(await toggle.textContent()).toBe("Theme: dark");
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? null);
    expect(await theme(), "applied at once").toBe("dark");
    // Without the bundle only the shell's inline script can have set it.
    await page.route("**/assets/app.js", (route) => route.abort());
    await page.reload();
    expect(await theme(), "the stored choice, from the inline script").toBe("dark");
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "dark background").toBe("rgb(11, 15, 25)");
    await page.goto(`${ui.server.url}/?__theme=light`);
    expect(await theme(), "?__theme= wins over the stored choice").toBe("light");
    await page.unroute("**/assets/app.js");
    await page.goto(ui.server.url);
    await page.getByRole("button", { name: "Theme: dark" }).click();
    expect(await theme(), "back to system: no data-theme").toBe(null);
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
    expect(
      await api.evaluate(() => document.documentElement.scrollWidth),
      "the API view: no sideways scrolling at 390 px (code blocks scroll on their own)",
    ).toBeLessThanOrEqual(390);
    for (const name of ["ui-1280.png", "ui-390.png", "ui-390-dark.png", "api-1280.png"]) {
      const { width } = await sharp(join(artifacts, name)).metadata();
      expect(width, `${name} width`).toBe(name.includes("390") ? 390 : 1280);
    }
  });
});

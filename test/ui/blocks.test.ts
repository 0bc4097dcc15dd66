/**
 * Gradio's demos (examples/gradio/<demo>/app.ts) in Chromium: set values, trigger the event,
 * read the output, as a user does; Rows side by side, Tabs switchable, axe clean, and a
 * screenshot per demo in test/artifacts/blocks-<demo>.png. One Chromium and one server per demo,
 * all started at once.
 */
import type { Page } from "playwright-core";
import sharp from "sharp";
import { describe, expect, test } from "vitest";
import { hasChromium } from "../browser.ts";
import { demoPages } from "./demo-pages.ts";

const DEMOS = ["hello_blocks", "calculator", "sentence_builder", "blocks_flipper", "score_tracker", "state_counter"] as const;

const toast = (page: Page, text: string) => page.locator(".toasts .toast").filter({ hasText: text }).first();

describe.skipIf(!hasChromium)("Gradio's demos in Chromium", () => {
  const { open, expectAxeClean, shoot } = demoPages({
    demos: DEMOS,
    prefix: "blocks",
    viewport: { width: 1100, height: 800 },
    fullPage: true,
  });

  test("hello_blocks: type a name, Greet, read the Output Box", async () => {
    const page = await open("hello_blocks");
    await page.getByRole("textbox", { name: "Name" }).fill("Ada");
    await page.getByRole("button", { name: "Greet" }).click();
    await expect.poll(() => page.getByRole("textbox", { name: "Output Box" }).inputValue()).toBe("Hello Ada!");
    await expectAxeClean(page, "hello_blocks");
    await shoot(page, "hello_blocks");
  });

  test("calculator: Number, Radio, Number → Number; dividing by zero is the error toast; an example fills the inputs", async () => {
    const page = await open("calculator");
    const numbers = page.locator("section[aria-label=Inputs]").getByRole("spinbutton");
    const result = page.locator("section[aria-label=Outputs]").getByRole("spinbutton");
    await numbers.nth(0).fill("6");
    await page.getByRole("radio", { name: "multiply" }).check();
    await numbers.nth(1).fill("7");
    await page.getByRole("button", { name: "Submit" }).click();
    await expect.poll(() => result.inputValue()).toBe("42");

    await page.getByRole("radio", { name: "divide" }).check();
    await numbers.nth(1).fill("0");
    await page.getByRole("button", { name: "Submit" }).click();
    await toast(page, "Cannot divide by zero!").waitFor();

    await page.getByRole("button", { name: /^Example 2:/ }).click(); // [4, "divide", 2]
    expect(await numbers.nth(0).inputValue(), "the example's first number").toBe("4");
    expect(await page.getByRole("radio", { name: "divide" }).isChecked(), "the example's operation").toBe(true);
    expect(await numbers.nth(1).inputValue(), "the example's second number").toBe("2");
    await expect.poll(() => result.inputValue(), { message: "the example's result" }).toBe("2");
    await expectAxeClean(page, "calculator");
    await shoot(page, "calculator");
  });

  test("sentence_builder: Slider, Dropdown, CheckboxGroup, Radio, multiselect Dropdown, Checkbox → one sentence", async () => {
    const page = await open("sentence_builder", { width: 1100, height: 1000 });
    await page.getByRole("spinbutton", { name: "Count (number)" }).fill("6");
    expect(await page.getByRole("slider", { name: "Count" }).inputValue(), "the range follows the number box").toBe("6");
    await page.getByRole("combobox", { name: "Animal" }).selectOption({ label: "dog" });
    await page.getByRole("checkbox", { name: "USA" }).check();
    await page.getByRole("checkbox", { name: "Japan" }).check();
    await page.getByRole("radio", { name: "zoo" }).check();
    // Activity starts as ["swam", "slept"]: remove "slept", add "ran" from the keyboard.
    await page.getByRole("button", { name: "Remove slept" }).click();
    const activity = page.getByRole("combobox", { name: "Activity" });
    await activity.fill("ran");
    await activity.press("Enter");
    await page.getByRole("checkbox", { name: "Morning" }).check();
    await page.getByRole("button", { name: "Submit" }).click();
    const output = page.locator("section[aria-label=Outputs]").getByRole("textbox");
    await expect
      .poll(() => output.inputValue())
      .toBe("The 6 dogs from USA and Japan went to the zoo where they swam and ran until the morning");

    await page.getByRole("button", { name: /^Example 3:/ }).click(); // [10, "bird", ["USA", "Pakistan"], "road", ["ran"], false]
    expect(await page.getByRole("slider", { name: "Count" }).inputValue()).toBe("10");
    expect(await page.getByRole("checkbox", { name: "Pakistan" }).isChecked()).toBe(true);
    expect(await page.getByRole("checkbox", { name: "Japan" }).isChecked()).toBe(false);
    await expect.poll(() => output.inputValue()).toBe("The 10 birds from USA and Pakistan went to the road where they ran until the night");
    await expectAxeClean(page, "sentence_builder");
    await shoot(page, "sentence_builder");
  });

  test("blocks_flipper: Tabs switch (click and arrow keys), text flips, the image flips, the Row is side by side and stacks when narrow", async () => {
    const page = await open("blocks_flipper");
    const textTab = page.getByRole("tab", { name: "Flip Text" });
    const imageTab = page.getByRole("tab", { name: "Flip Image" });
    expect(await textTab.getAttribute("aria-selected")).toBe("true");
    await page.getByRole("textbox").first().fill("stressed");
    await page.getByRole("button", { name: "Flip" }).click(); // the hidden tab's button is not in the accessibility tree
    await expect.poll(() => page.getByRole("textbox").nth(1).inputValue()).toBe("desserts");

    await textTab.focus();
    await page.keyboard.press("ArrowRight");
    expect(await imageTab.getAttribute("aria-selected"), "ArrowRight selects the next tab").toBe("true");
    expect(await page.getByRole("textbox").count(), "the text tab's panel is hidden").toBe(0);
    await page.keyboard.press("ArrowLeft");
    expect(await textTab.getAttribute("aria-selected"), "ArrowLeft goes back").toBe("true");
    await imageTab.click();

    // Left half red, right half blue: flipped, the left is blue.
    const picture = await sharp({ create: { width: 40, height: 20, channels: 3, background: "#ff0000" } })
      .composite([{ input: { create: { width: 20, height: 20, channels: 3, background: "#0000ff" } }, left: 20, top: 0 }])
      .png()
      .toBuffer();
    await page.locator("input[type=file]").setInputFiles({ name: "halves.png", mimeType: "image/png", buffer: picture });
    await page.locator("img.preview").first().waitFor();
    await page.getByRole("button", { name: "Flip" }).click();
    const out = page.locator(".widget-image img.preview");
    await out.waitFor();
    const leftPixel = await out.evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      return [...ctx.getImageData(2, 10, 1, 1).data.slice(0, 3)];
    });
    expect(leftPixel[2], `the flipped image's left side is blue (${leftPixel})`).toBeGreaterThan(200);
    expect(leftPixel[0], `and not red (${leftPixel})`).toBeLessThan(60);

    const input = (await page.locator("[data-testid=image-dropzone]").boundingBox())!;
    const output = (await page.locator(".widget-image").last().boundingBox())!;
    expect(output.x, "the Row puts the output right of the input").toBeGreaterThanOrEqual(input.x + input.width);
    // The Accordion toggles from its summary (Enter or a click); open, it shows the slider.
    const accordion = page.locator("details.layout-accordion");
    const wasOpen = await accordion.evaluate((d: HTMLDetailsElement) => d.open);
    await page.getByText("Open for More!").click();
    expect(await accordion.evaluate((d: HTMLDetailsElement) => d.open), "the summary toggles the Accordion").toBe(!wasOpen);
    if (wasOpen) await page.getByText("Open for More!").click();
    await page.getByRole("slider", { name: "Slide me" }).waitFor();
    await expectAxeClean(page, "blocks_flipper");
    await shoot(page, "blocks_flipper");

    // Each Image has Gradio's min_width 160: two fit side by side at 390 px, not at 320 px.
    await page.setViewportSize({ width: 320, height: 700 });
    const narrowIn = (await page.locator("[data-testid=image-dropzone]").boundingBox())!;
    const narrowOut = (await page.locator(".widget-image").last().boundingBox())!;
    expect(narrowOut.y, "at 320 px the Row wraps: the output is below the input").toBeGreaterThanOrEqual(narrowIn.y + narrowIn.height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), "no sideways scrolling at 320 px").toBeLessThanOrEqual(320);
  });

  test("score_tracker: Number → JSON, the top scores so far", async () => {
    const page = await open("score_tracker");
    const score = page.getByRole("spinbutton", { name: "Score" });
    const numbers = page.locator(".widget-json .json-number");
    for (const [value, top] of [
      ["5", ["5"]],
      ["9", ["9", "5"]],
      ["7", ["9", "7", "5"]],
    ] as const) {
      await score.fill(value);
      await page.getByRole("button", { name: "Submit" }).click();
      await expect.poll(() => numbers.allTextContents(), { message: `after ${value}` }).toEqual(top);
    }
    await expectAxeClean(page, "score_tracker");
    await shoot(page, "score_tracker");
  });

  test("state_counter: the count is per session (State), Reset says so in an info toast", async () => {
    const page = await open("state_counter");
    const count = page.getByRole("spinbutton", { name: "Count" });
    await page.getByRole("button", { name: "Increment" }).click();
    await expect.poll(() => count.inputValue()).toBe("1");
    await page.getByRole("button", { name: "Increment" }).click();
    await expect.poll(() => count.inputValue()).toBe("2");

    const other = await open("state_counter"); // another visitor: another session_hash
    await other.getByRole("button", { name: "Increment" }).click();
    await expect
      .poll(() => other.getByRole("spinbutton", { name: "Count" }).inputValue(), { message: "a new session starts at 0" })
      .toBe("1");

    await page.getByRole("button", { name: "Increment" }).click();
    await expect.poll(() => count.inputValue(), { message: "the first session kept its count" }).toBe("3");
    await page.getByRole("button", { name: "Reset" }).click();
    await toast(page, "Counter reset.").waitFor();
    await expect.poll(() => count.inputValue()).toBe("0");
    await expectAxeClean(page, "state_counter");
    await shoot(page, "state_counter");
  });
});

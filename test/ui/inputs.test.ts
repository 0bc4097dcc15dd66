/** Every way a picture gets in (file input, drop, paste, webcam), and the files that must be refused. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, test } from "vitest";
import { noisePng } from "../helpers.ts";
import {
  artifacts,
  example,
  fileInPage,
  hasChromium,
  open,
  predictWithUpload,
  SELECTORS,
  submitButton,
  ui,
  useUi,
  waitForLabel,
  waitForToast,
} from "./harness.ts";

describe.skipIf(!hasChromium)("the web UI in Chromium: inputs", () => {
  useUi();
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
    expect(
      [...values].sort((a, b) => b - a),
      "bars are sorted by confidence",
    ).toEqual(values);
    const first = meters.first();
    expect(await first.getAttribute("aria-valuenow"), "first meter's value is the percentage shown").toBe(String(values[0]));
    expect(await first.getAttribute("aria-valuemin"), "aria-valuemin").toBe("0");
    expect(await first.getAttribute("aria-valuemax"), "aria-valuemax").toBe("100");
    expect(await page.getByRole("meter", { name: "Bag" }).count(), "the top meter is named by its class").toBe(1);
    expect(await page.locator(SELECTORS.toasts).count(), "no toast after a good run").toBe(0);
  });

  test("a picture unlike the training data: a warning says what the model knows, and the label is dimmed", async () => {
    const page = await open();
    await page.setInputFiles("input[type=file]", { name: "noise.png", mimeType: "image/png", buffer: noisePng(28, 28, 7) });
    await page.locator(SELECTORS.preview).waitFor();
    await submitButton(page).click();
    await waitForLabel(page);
    expect(await page.getByTestId("ood-warning").textContent()).toBe(
      "This picture doesn't look like what the model was trained on: light garments on black, 28×28. The label below is a guess.",
    );
    expect(await page.locator(SELECTORS.heading).evaluate((el) => Number(getComputedStyle(el).opacity))).toBeLessThan(0.7);
    await page.screenshot({ path: join(artifacts, "ui-out-of-domain.png") });
    await predictWithUpload(page, "bag", "Bag"); // an in-domain picture: no warning, full strength
    expect(await page.getByTestId("ood-warning").count()).toBe(0);
    expect(await page.locator(SELECTORS.heading).evaluate((el) => Number(getComputedStyle(el).opacity))).toBe(1);
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

  test("a file that is not an image: a clear toast, and no label", async () => {
    const page = await open();
    const notes = join(ui.temp, "notes.txt");
    writeFileSync(notes, "just some notes\n");
    await page.setInputFiles("input[type=file]", notes);
    const toasts = await waitForToast(page, "This browser cannot read");
    expect(toasts.join("\n"), "the browser's message").toContain(
      "This browser cannot read “notes.txt” (text/plain). Convert it to JPEG or PNG and try again.",
    );
    expect(await page.locator(SELECTORS.preview).isHidden(), "no preview").toBe(true);
    await submitButton(page).click();
    const after = await waitForToast(page, "Please add an image first");
    expect(after.join("\n"), "Submit without a picture says what to do").toContain(
      "Please add an image first: drop one, click to upload, paste, or use the webcam.",
    );
    expect(await page.locator(SELECTORS.heading).count(), "no label").toBe(0);
  });

  test("a truncated PNG: Chromium will not decode it, and the toast says the file is damaged", async () => {
    // 400×400 noise compresses badly, so cutting the file at 60 % cuts the pixel data itself.
    // Chromium's createImageBitmap refuses any cut PNG or JPEG (checked at 60 %, 99 % and without IEND).
    const raw = Buffer.alloc(400 * 400 * 3);
    let s = 1;
    for (let i = 0; i < raw.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      raw[i] = s >>> 24;
    }
    const png = await sharp(raw, { raw: { width: 400, height: 400, channels: 3 } })
      .png()
      .toBuffer();
    const page = await open();
    await page.setInputFiles("input[type=file]", {
      name: "cut.png",
      mimeType: "image/png",
      buffer: png.subarray(0, Math.floor(png.length * 0.6)),
    });
    const toasts = await waitForToast(page, "This browser cannot read");
    expect(toasts.join("\n"), "the browser's message").toContain(
      "This browser cannot read “cut.png” (image/png). The file may be damaged or incomplete.",
    );
    expect(await page.locator(SELECTORS.preview).isHidden(), "no preview").toBe(true);
    await submitButton(page).click();
    await waitForToast(page, "Please add an image first");
    expect(await page.locator(SELECTORS.heading).count(), "no label").toBe(0);
  });

  test("an image Chromium reads but the server refuses (an icon): the server's message, and no label", async () => {
    // An .ico holding one 32×32 PNG (the Vista icon format): Chromium decodes it, the server only takes the formats it names.
    const icon = await sharp({ create: { width: 32, height: 32, channels: 4, background: "#c2410c" } })
      .png()
      .toBuffer();
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
});

/** What a user does around a run: Flag, the API view's snippets, a server restart. */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseCsv, root } from "../helpers.ts";
import {
  artifacts,
  closeContexts,
  example,
  EXAMPLES,
  hasChromium,
  open,
  predictWithUpload,
  run,
  SELECTORS,
  serve,
  submitButton,
  ui,
  useUi,
  waitForLabel,
  waitForToast,
} from "./harness.ts";

describe.skipIf(!hasChromium)("the web UI in Chromium: flows", () => {
  useUi();
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

    const rows = parseCsv(readFileSync(join(ui.flaggingDir, "dataset1.csv"), "utf8"));
    expect(rows[0], "header").toEqual(["image", "prediction", "timestamp"]);
    expect(rows, "one row after the header").toHaveLength(2);
    const [image, prediction, timestamp] = rows[1]!;
    expect(image, "the image cell is a path relative to the flagging dir").toMatch(/^image\/[0-9a-f-]{36}\.png$/);
    const copy = join(ui.flaggingDir, image!);
    expect(existsSync(copy), `${copy} exists`).toBe(true);
    expect(
      readFileSync(copy).equals(readFileSync(example("sneaker"))),
      "the copy holds the bytes the page uploaded (a small PNG is sent as it is)",
    ).toBe(true);
    const label = JSON.parse(prediction!) as { label: string; confidences: unknown[] };
    expect(label.label, "the prediction cell").toBe("Sneaker");
    expect(label.confidences, "with its confidences").toHaveLength(3);
    expect(Date.now() - Date.parse(timestamp!), "a fresh ISO timestamp").toBeLessThan(60_000);
  });

  test("the API view shows the live URL, and its three snippets work as they are", async () => {
    const page = await open("/?view=api");
    expect(await page.locator("[data-testid=api-root]").textContent(), "Base URL").toBe(ui.server.url);
    const snippet = (title: string) =>
      page.locator(".snippet").filter({ hasText: title }).locator("pre code").textContent() as Promise<string>;
    const [js, curl, fetchJs] = await Promise.all([snippet("@gradio/client"), snippet("curl"), snippet("fetch, one request")]);
    expect(await page.locator("pre code").count(), "three snippets").toBe(3);
    const names = await page
      .locator(".endpoint td:first-child code")
      .evaluateAll((els) => els.map((e) => [e.textContent, e.getClientRects().length]));
    expect(names, "parameter and return names each on one line").toEqual([
      ["image", 1],
      ["prediction", 1],
    ]);
    for (const [name, code] of Object.entries({ js, curl, fetchJs })) expect(code, `${name} names the live root`).toContain(ui.server.url);
    const expected = EXAMPLES[0]!.label; // the snippets classify the first example

    // (a) curl, in a shell, as a user would paste it.
    const work = mkdtempSync(join(ui.temp, "curl-"));
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
      await closeContexts();
      await second.close();
    }
  });
});

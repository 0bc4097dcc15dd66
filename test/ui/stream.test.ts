/**
 * Issue 24's ports in Chromium (examples/gradio/<demo>/app.ts), as a user meets them: a chat
 * reply that streams in place, Retry/Undo/Clear, Stop in the middle of a stream; axe clean in
 * light and dark, and a screenshot per port in test/artifacts/stream-<demo>.png. One Chromium
 * and one server per demo, all started at once.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Blocks, Server } from "../../src/index.ts";
import { axeViolations, hasChromium, launchBrowser } from "../browser.ts";
import { root } from "../helpers.ts";

const DEMOS = ["chatinterface_streaming_echo"] as const;
type Demo = (typeof DEMOS)[number];
const artifacts = join(root, "test/artifacts");

let browser: Browser;
const servers = {} as Record<Demo, Server>;
let contexts: BrowserContext[] = [];
let pageErrors: string[] = [];

/** Opens a demo's page in a fresh context (a new session) and waits for it to render. */
async function open(demo: Demo, viewport = { width: 900, height: 700 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(`${demo}: ${err.message}`));
  await page.goto(servers[demo].url);
  await page.locator("#app:not([aria-busy])").waitFor();
  await page.locator("main").waitFor();
  return page;
}

/** axe on the page in light and dark: nothing serious or critical. */
async function expectAxeClean(page: Page, demo: Demo) {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const found = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(found, `${demo}, ${scheme}: serious or critical axe violations`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

const shoot = (page: Page, demo: Demo) => page.screenshot({ path: join(artifacts, `stream-${demo}.png`) });

/**
 * Records, in the page, every text the last assistant message shows (a MutationObserver: no
 * polling gap can skip a step); `seen()` returns them in order.
 */
async function recordReplies(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { replies: string[] };
    w.replies = [];
    const log = document.querySelector("[role=log]")!;
    const note = () => {
      const last = [...log.querySelectorAll("[data-testid=assistant-message] .chat-content")].at(-1)?.textContent ?? null;
      if (last !== null && w.replies.at(-1) !== last) w.replies.push(last);
    };
    new MutationObserver(note).observe(log, { subtree: true, childList: true, characterData: true });
  });
  return { seen: () => page.evaluate(() => (window as unknown as { replies: string[] }).replies) };
}

const messages = (page: Page) => page.locator("[role=log] .chat-message").allTextContents();

describe.skipIf(!hasChromium)("issue 24's ports in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    const launched = DEMOS.map(async (name) => {
      const { demo } = (await import(`../../examples/gradio/${name}/app.ts`)) as { demo: Blocks };
      servers[name] = await demo.launch({ port: 0, host: "127.0.0.1", quiet: true, monitorFile: false });
    });
    [browser] = await Promise.all([launchBrowser(), ...launched]);
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
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  test("chatinterface_streaming_echo: Enter sends, the reply grows in place; Retry, Undo and Clear", async () => {
    const page = await open("chatinterface_streaming_echo");
    const box = page.getByRole("textbox", { name: "Message" });
    const replies = await recordReplies(page);
    await box.fill("hello");
    await box.press("Enter");
    await expect.poll(() => messages(page), { message: "the user's message, then the whole reply" }).toEqual([
      "You: hello",
      "Assistant: You typed: hello",
    ]);
    expect(await replies.seen(), "every step of the reply, in order, in one bubble").toEqual([
      "You typed: h",
      "You typed: he",
      "You typed: hel",
      "You typed: hell",
      "You typed: hello",
    ]);
    await expect.poll(() => box.getAttribute("readonly"), { message: "the textbox is usable again" }).toBe(null);
    expect(await box.inputValue(), "and empty").toBe("");

    // Retry answers the last message again: the same two messages, the reply streamed anew.
    const again = await recordReplies(page);
    await page.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => again.seen().then((s) => s.at(-1))).toBe("You typed: hello");
    expect((await again.seen()).length, "the retried reply streamed too").toBeGreaterThan(1);
    expect(await messages(page)).toEqual(["You: hello", "Assistant: You typed: hello"]);

    // Undo removes the exchange and puts the message back in the textbox.
    await page.getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => messages(page)).toEqual([]);
    expect(await box.inputValue(), "Undo puts the message back").toBe("hello");

    // Sent again from the keyboard, then cleared: the server's history empties too, so the next
    // exchange starts a new conversation.
    await box.press("Enter");
    await expect.poll(() => messages(page)).toEqual(["You: hello", "Assistant: You typed: hello"]);
    await page.getByRole("button", { name: "Clear" }).click();
    expect(await messages(page)).toEqual([]);
    await box.fill("hi");
    await box.press("Enter");
    await expect.poll(() => messages(page), { message: "only the new exchange" }).toEqual(["You: hi", "Assistant: You typed: hi"]);
    await expectAxeClean(page, "chatinterface_streaming_echo");
    await shoot(page, "chatinterface_streaming_echo");
  });

  test("chatinterface_streaming_echo: Stop in the middle of a reply cancels it; the chat goes on", async () => {
    const page = await open("chatinterface_streaming_echo");
    const box = page.getByRole("textbox", { name: "Message" });
    const long = "a message long enough to stop in the middle";
    await box.fill(long);
    await box.press("Enter");
    const reply = page.locator("[data-testid=assistant-message]").last();
    await expect.poll(() => reply.textContent(), { message: "the reply has begun" }).toContain("You typed: a me");
    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => box.getAttribute("readonly"), { message: "the textbox is usable again after Stop" }).toBe(null);
    const stopped = await reply.textContent();
    await page.waitForTimeout(300); // six more characters' worth, had the stream gone on
    expect(await reply.textContent(), "nothing more arrives after Stop").toBe(stopped);
    expect(stopped!.length, `stopped part way: ${stopped}`).toBeLessThan(`Assistant: You typed: ${long}`.length);
    expect(await page.getByRole("button", { name: "Stop" }).count(), "no Stop once nothing runs").toBe(0);

    await box.fill("next");
    await box.press("Enter");
    await expect
      .poll(() => page.locator("[data-testid=assistant-message]").last().textContent(), { message: "the queue moved on" })
      .toBe("Assistant: You typed: next");
  });
});

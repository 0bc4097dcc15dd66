/**
 * Issue 24's ports in Chromium (examples/gradio/<demo>/app.ts), as a user meets them: a chat
 * reply that streams in place, Retry/Undo/Clear, Stop in the middle of a stream; a generator's
 * pictures shown one by one, and stopped; an image rotated; a gallery browsed from the
 * keyboard; a tone that plays. Axe clean in light and dark, and a screenshot per port in
 * test/artifacts/stream-<demo>.png. One Chromium and one server per demo, all started at once.
 * No port records from the microphone, has a Video or likes a reply: small Blocks here (the
 * server's real components) take Chromium's fake microphone through the Record button, an MP4
 * Chromium records from a canvas through the Video upload, and a vote through Chatbot.like.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { describe, expect, test } from "vitest";
import * as gr from "../../src/index.ts";
import { hasChromium } from "../browser.ts";
import { root } from "../helpers.ts";
import { demoPages } from "./demo-pages.ts";

const DEMOS = [
  "chatinterface_streaming_echo",
  "chatinterface_multimodal",
  "fake_diffusion",
  "image_mod",
  "fake_gan",
  "generate_tone",
  "stream_audio_out",
] as const;
// stream_audio_out pauses this long between chunks (Gradio's demo: 0.5 s).
process.env.STREAM_AUDIO_OUT_PAUSE_MS = "50";
// fake_diffusion sleeps this long a step (Gradio's demo: 1 s); read when its module loads.
const STEP_MS = 250;
process.env.FAKE_DIFFUSION_STEP_MS = String(STEP_MS);

/** Audio in → the same audio out, and its size in bytes: the microphone's round trip. */
const voice = new gr.Blocks(() => {
  // Raw HTML in a Markdown, as Space descriptions write it: shown rendered, its script dropped.
  new gr.Markdown("<center>Say <b>something</b><script>window.ran = true</script></center>");
  const input = new gr.Audio({ label: "Voice", sources: ["microphone"] });
  const output = new gr.Audio({ label: "Heard" });
  const size = new gr.Textbox({ label: "Bytes" });
  new gr.Button("Send").click({
    fn: (path: string | null) => [path, path ? String(statSync(path).size) : ""],
    inputs: input,
    outputs: [output, size],
  });
});
/** A Chatbot whose replies can be liked: the vote, with its event data, lands in a Textbox. */
const votes = new gr.Blocks(() => {
  const chat = new gr.Chatbot({
    label: "Chat",
    value: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello there" },
    ],
  });
  const said = new gr.Textbox({ label: "Vote" });
  chat.like({
    fn: function vote(evt: gr.EventData) {
      return `${evt.liked === true ? "up" : evt.liked === false ? "down" : evt.liked} on ${evt.index}: ${evt.value}`;
    },
    inputs: [],
    outputs: said,
    eventData: true,
  });
});
/** A ChatInterface whose user messages can be edited: the reply says what it got and how much history came with it. */
const editing = new gr.ChatInterface({
  fn: (message: string, history: gr.ChatMessage[]) => `You said: ${message} (${history.length} before)`,
  editable: true,
});
/** Video in → the same video out. */
const reel = new gr.Blocks(() => {
  const input = new gr.Video({ label: "Clip" });
  const output = new gr.Video({ label: "Played back" });
  new gr.Button("Send").click({ fn: (path: string | null) => path, inputs: input, outputs: output });
});
/** Records, in the page, every `src` the images matching `selector` take, in order. */
async function recordSources(page: Page, selector: string) {
  await page.evaluate((selector) => {
    const w = window as unknown as { sources: string[] };
    w.sources = [];
    const note = () => {
      for (const img of document.querySelectorAll<HTMLImageElement>(selector))
        if (img.getAttribute("src") && !w.sources.includes(img.src)) w.sources.push(img.src);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["src"], childList: true });
  }, selector);
  return { seen: () => page.evaluate(() => (window as unknown as { sources: string[] }).sources) };
}

/** The colour of the pixel at (x, y) of a loaded `<img>`. */
const pixel = (page: Page, selector: string, x: number, y: number) =>
  page.locator(selector).evaluate(
    async (img: HTMLImageElement, [x, y]) => {
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      return [...ctx.getImageData(x!, y!, 1, 1).data];
    },
    [x, y],
  );

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

/** What each bubble says (its buttons, such as Edit, left out). */
const messages = (page: Page) =>
  page.locator("[role=log] .chat-message").evaluateAll((bubbles) =>
    bubbles.map((b) => {
      const copy = b.cloneNode(true) as HTMLElement;
      for (const button of copy.querySelectorAll("button")) button.remove();
      return copy.textContent ?? "";
    }),
  );

describe.skipIf(!hasChromium)("issue 24's ports in Chromium", () => {
  const { open, newPage, expectAxeClean, shoot } = demoPages({
    demos: DEMOS,
    apps: { voice, votes, video: reel, editing },
    prefix: "stream",
    viewport: { width: 900, height: 700 },
  });

  test("chatinterface_streaming_echo: Enter sends, the reply grows in place; Retry, Undo and Clear", async () => {
    const page = await open("chatinterface_streaming_echo");
    const box = page.getByRole("textbox", { name: "Message" });
    const replies = await recordReplies(page);
    await box.fill("hello");
    await box.press("Enter");
    await expect
      .poll(() => messages(page), { message: "the user's message, then the whole reply" })
      .toEqual(["You: hello", "Assistant: You typed: hello"]);
    expect(await replies.seen(), "every step of the reply, in order, in one bubble").toEqual([
      "You typed: h",
      "You typed: he",
      "You typed: hel",
      "You typed: hell",
      "You typed: hello",
    ]);
    await expect.poll(() => box.getAttribute("readonly"), { timeout: 5_000, message: "the textbox is usable again" }).toBe(null);
    expect(await box.inputValue(), "and empty").toBe("");

    // Retry answers the last message again: the same two messages, the reply streamed anew.
    const again = await recordReplies(page);
    await page.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => again.seen().then((s) => s.at(-1)), { timeout: 5_000 }).toBe("You typed: hello");
    expect((await again.seen()).length, "the retried reply streamed too").toBeGreaterThan(1);
    expect(await messages(page)).toEqual(["You: hello", "Assistant: You typed: hello"]);

    // Undo removes the exchange and puts the message back in the textbox.
    await page.getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => messages(page), { timeout: 5_000 }).toEqual([]);
    expect(await box.inputValue(), "Undo puts the message back").toBe("hello");

    // Sent again from the keyboard, then cleared: the server's history empties too, so the next
    // exchange starts a new conversation.
    await box.press("Enter");
    await expect.poll(() => messages(page), { timeout: 5_000 }).toEqual(["You: hello", "Assistant: You typed: hello"]);
    await page.getByRole("button", { name: "Clear" }).click();
    expect(await messages(page)).toEqual([]);
    await box.fill("hi");
    await box.press("Enter");
    await expect
      .poll(() => messages(page), { timeout: 5_000, message: "only the new exchange" })
      .toEqual(["You: hi", "Assistant: You typed: hi"]);
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
    await expect.poll(() => reply.textContent(), { timeout: 5_000, message: "the reply has begun" }).toContain("You typed: a me");
    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => box.getAttribute("readonly"), { timeout: 5_000, message: "the textbox is usable again after Stop" }).toBe(null);
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

  test("chatinterface_multimodal: a picture attached through Attach files, removable, then sent with text: the bubble shows it", async () => {
    const page = await open("chatinterface_multimodal");
    const png = await sharp({ create: { width: 48, height: 32, channels: 3, background: "teal" } })
      .png()
      .toBuffer();
    const attach = page.getByLabel("Attach files");
    const chips = page.locator(".attachments .attachment");
    // Attached, then removed before sending: nothing goes with the message.
    await attach.setInputFiles({ name: "first.png", mimeType: "image/png", buffer: png });
    await expect.poll(() => chips.allTextContents()).toEqual(["first.png×"]);
    await page.getByRole("button", { name: "Remove first.png" }).click();
    expect(await chips.count(), "the chip is removed").toBe(0);

    await attach.setInputFiles({ name: "teal.png", mimeType: "image/png", buffer: png });
    await expect.poll(() => chips.locator("img.attachment-thumb").count(), { message: "a thumbnail of the picture" }).toBe(1);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("a teal picture");
    await box.press("Enter");
    await expect
      .poll(() => messages(page), { message: "the picture, the text, then the echo" })
      .toEqual(["You: ", "You: a teal picture", "Assistant: a teal picture"]);
    const shown = page.locator("[data-testid=user-message] img.chat-image");
    const size = await shown.evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    });
    expect(size, "the user's bubble shows the picture sent").toEqual([48, 32]);
    expect(await chips.count(), "the box is empty once sent").toBe(0);
    await expect.poll(() => box.getAttribute("readonly"), { timeout: 5_000, message: "the box is usable again" }).toBe(null);
    expect(await box.inputValue()).toBe("");
    await expectAxeClean(page, "chatinterface_multimodal");
    await shoot(page, "chatinterface_multimodal");
    // Undo gives the message back to the box: its text, and the picture as a chip again.
    await page.getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => messages(page), { timeout: 5_000 }).toEqual([]);
    expect(await box.inputValue()).toBe("a teal picture");
    await expect.poll(() => chips.allTextContents(), { message: "the picture is attached again" }).toEqual(["teal.png×"]);
    // The empty chat offers the examples again; one clicked is sent as if typed (example_select).
    await page.getByRole("button", { name: "hola", exact: true }).click();
    await expect
      .poll(() => messages(page), { timeout: 5_000, message: "the example, then its echo" })
      .toEqual(["You: hola", "Assistant: hola"]);
    // The title is Gradio's heading markup, shown as a heading (not as its source).
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Echo Bot");
  });

  test("fake_diffusion: each step's picture shows as it is made, in order, then the last; Stop cancels a long run", async () => {
    const page = await open("fake_diffusion");
    const sources = await recordSources(page, ".outputs img.preview");
    const slider = page.getByRole("spinbutton").first();
    await slider.fill("3");
    const started = Date.now();
    await page.getByRole("button", { name: "Submit" }).click();
    await expect
      .poll(() => sources.seen().then((s) => s.length), { message: "three steps and the final picture", timeout: 10_000 })
      .toBe(4);
    const elapsed = Date.now() - started;
    expect(elapsed, "the steps came as they were made, not all at the end").toBeGreaterThanOrEqual(3 * STEP_MS);
    // The last picture is solid orange (255, 124, 0); the steps are noise.
    const final = await pixel(page, ".outputs img.preview", 10, 10);
    expect(final.slice(0, 3), "the final picture").toEqual([255, 124, 0]);
    await expect.poll(() => page.getByRole("button", { name: "Submit" }).isVisible(), { timeout: 5_000 }).toBe(true);
    await expectAxeClean(page, "fake_diffusion");
    await shoot(page, "fake_diffusion");

    // Ten steps, stopped after the first: Submit comes back, no more pictures arrive.
    await slider.fill("10");
    const before = (await sources.seen()).length;
    await page.getByRole("button", { name: "Submit" }).click();
    await expect.poll(() => sources.seen().then((s) => s.length), { message: "the first step", timeout: 5_000 }).toBe(before + 1);
    await page.getByRole("button", { name: "Stop" }).click();
    await expect
      .poll(() => page.getByRole("button", { name: "Submit" }).isVisible(), { message: "Submit is back", timeout: 5_000 })
      .toBe(true);
    await page.waitForTimeout(2 * STEP_MS);
    expect((await sources.seen()).length, "nothing more after Stop").toBeLessThanOrEqual(before + 2);
    expect(await page.getByRole("button", { name: "Stop" }).isVisible()).toBe(false);
  });

  test("image_mod: a picture in, the picture turned 45° out", async () => {
    const page = await open("image_mod");
    await page.locator("input[type=file]").setInputFiles(join(root, "examples/bag.png"));
    await page.locator(".inputs img.preview, section[aria-label=Inputs] img.preview").first().waitFor();
    await page.getByRole("button", { name: "Submit" }).click();
    const out = page.locator("section[aria-label=Outputs] img.preview");
    await out.waitFor();
    const [inW, inH] = [
      readFileSync(join(root, "examples/bag.png")).readUInt32BE(16),
      readFileSync(join(root, "examples/bag.png")).readUInt32BE(20),
    ];
    const size = await out.evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    });
    // Turned 45°, a w×h picture needs (w+h)/√2 on each side.
    const side = Math.round((inW + inH) / Math.SQRT2);
    expect(Math.abs(size[0]! - side), `width ${size[0]} ≈ ${side}`).toBeLessThanOrEqual(2);
    expect(Math.abs(size[1]! - side), `height ${size[1]} ≈ ${side}`).toBeLessThanOrEqual(2);
    await expectAxeClean(page, "image_mod");
    await shoot(page, "image_mod");
  });

  test("fake_gan: the Gallery shows its captioned pictures; the preview opens, moves and closes from the keyboard", async () => {
    const page = await open("fake_gan");
    await page.getByRole("button", { name: "Generate images" }).click();
    const items = page.locator(".gallery-item");
    await expect.poll(() => items.count(), { timeout: 5_000 }).toBe(3);
    expect(await page.locator(".gallery-item-caption").allTextContents()).toEqual(["label 0", "label 1", "label 2"]);
    const sizes = await page.locator(".gallery-item img").evaluateAll((imgs: HTMLImageElement[]) =>
      Promise.all(
        imgs.map(async (i) => {
          await i.decode();
          return [i.naturalWidth, i.naturalHeight];
        }),
      ),
    );
    expect(sizes, "every picture loaded").toEqual([
      [256, 256],
      [256, 256],
      [256, 256],
    ]);

    const first = page.getByRole("button", { name: "label 0 (1 of 3)" });
    await first.focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "arrows move between pictures").toBe(
      "label 1 (2 of 3)",
    );
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.locator(".gallery-caption").textContent()).toBe("label 1");
    await page.keyboard.press("ArrowRight");
    expect(await dialog.locator(".gallery-caption").textContent(), "→ shows the next").toBe("label 2");
    expect(await dialog.locator(".gallery-counter").textContent()).toBe("3 / 3");
    await expectAxeClean(page, "fake_gan");
    await shoot(page, "fake_gan");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count(), { timeout: 5_000, message: "Escape closes the preview" }).toBe(0);
    // The close event comes a task after the dialog closes: focus moves then.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label")), {
        timeout: 5_000,
        message: "focus is back on the thumbnail",
      })
      .toBe("label 2 (3 of 3)");
  });

  test("generate_tone: the tone comes back as audio that plays (HAVE_ENOUGH_DATA)", async () => {
    const page = await open("generate_tone");
    await page.getByRole("combobox").first().selectOption({ label: "A" });
    await page.getByRole("spinbutton").first().fill("4");
    await page.getByRole("textbox", { name: "Duration in seconds" }).fill("1");
    await page.getByRole("button", { name: "Submit" }).click();
    const audio = page.locator("section[aria-label=Outputs] audio");
    await expect.poll(() => audio.getAttribute("src"), { timeout: 5_000, message: "the output has the tone" }).toMatch(/file=/);
    // The click on Submit is the user's gesture: the page may play it.
    const played = await audio.evaluate(async (a: HTMLAudioElement) => {
      await a.play();
      const deadline = Date.now() + 5000;
      while (a.readyState < HTMLMediaElement.HAVE_ENOUGH_DATA && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const state = { readyState: a.readyState, duration: a.duration };
      await new Promise((r) => setTimeout(r, 100));
      a.pause();
      return { ...state, currentTime: a.currentTime };
    });
    expect(played.readyState, "HAVE_ENOUGH_DATA").toBe(4);
    expect(played.duration, "one second of sound").toBeCloseTo(1, 1);
    expect(played.currentTime, "it played").toBeGreaterThan(0);
    await expectAxeClean(page, "generate_tone");
    await shoot(page, "generate_tone");
  });

  test("stream_audio_out: the chunks play one after another, then the whole sound waits in the player, paused", async () => {
    const page = await open("stream_audio_out");
    // 2.2 s of a 440 Hz tone at 16 kHz: the demo streams it as chunks of 1 s, 1 s and 0.2 s.
    const wav = gr.encodeWav(
      16000,
      Float32Array.from({ length: 35200 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000)),
    );
    await page
      .locator("section[aria-label=Inputs] input[type=file]")
      .setInputFiles({ name: "tone.wav", mimeType: "audio/wav", buffer: Buffer.from(wav) });
    const out = page.locator("section[aria-label=Outputs] audio");
    // Every source the output starts playing, in order (a `play` listener: nothing is missed between polls).
    await out.evaluate((a: HTMLAudioElement) => {
      const w = window as unknown as { played: string[] };
      w.played = [];
      a.addEventListener("play", () => w.played.push(a.currentSrc));
    });
    await page.getByRole("button", { name: "Submit" }).click();
    const played = () => page.evaluate(() => (window as unknown as { played: string[] }).played);
    await expect.poll(() => played().then((p) => p.length), { timeout: 10_000, message: "three chunks played" }).toBe(3);
    // Once the last chunk ends the whole file replaces it, paused at the start, ready to play.
    const state = () =>
      out.evaluate((a: HTMLAudioElement) => ({
        src: a.currentSrc,
        paused: a.paused,
        readyState: a.readyState,
        duration: a.duration,
        time: a.currentTime,
      }));
    const wholeLoaded = async () => {
      const [p, s] = await Promise.all([played(), state()]);
      return s.readyState === 4 && !p.includes(s.src);
    };
    await expect.poll(wholeLoaded, { timeout: 10_000, message: "the whole sound is loaded, not a chunk" }).toBe(true);
    const whole = await state();
    expect(whole.paused, "not replayed").toBe(true);
    expect(whole.time).toBe(0);
    expect(whole.readyState, "HAVE_ENOUGH_DATA").toBe(4);
    expect(whole.duration, "all 2.2 s").toBeCloseTo(2.2, 1);
    const chunks = await played();
    expect(new Set(chunks).size, "three files").toBe(3);
    const seconds = await page.evaluate(
      (urls) =>
        Promise.all(
          urls.map(async (u) => {
            const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
            return (bytes.length - 44) / 2 / 16000;
          }),
        ),
      chunks,
    );
    expect(seconds, "in order").toEqual([1, 1, 0.2]);
    expect(await played(), "nothing played again after the end").toHaveLength(3);
    await expectAxeClean(page, "stream_audio_out");
    await shoot(page, "stream_audio_out");
  });

  test("ChatInterface editable: Edit a sent message, Save, and the conversation goes on from the edit", async () => {
    const page = await newPage("editing");
    const box = page.getByRole("textbox", { name: "Message" });
    for (const text of ["first", "second"]) {
      await box.fill(text);
      await box.press("Enter");
      await expect
        .poll(() => messages(page), { timeout: 5_000 })
        .toContain(`Assistant: You said: ${text} (${text === "first" ? 0 : 2} before)`);
    }
    const first = page.locator("[data-testid=user-message]").first();
    // Cancel leaves it as it was; Save sends the edit.
    await first.getByRole("button", { name: "Edit" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await messages(page)).toHaveLength(4);
    await first.getByRole("button", { name: "Edit" }).click();
    const editor = page.getByRole("textbox", { name: "Edit message" });
    expect(await editor.inputValue()).toBe("first");
    await editor.fill("changed");
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => messages(page), { timeout: 5_000, message: "cut before the edit, then answered again" })
      .toEqual(["You: changed", "Assistant: You said: changed (0 before)"]);
    expect(await page.locator("[data-testid=assistant-message] .chat-edit").count(), "only the user's messages are editable").toBe(0);
    await expectAxeClean(page, "chat editing");
  });

  test("Chatbot.like: Like and Dislike under each reply; the vote reaches fn as Gradio's LikeData", async () => {
    const page = await newPage("votes");
    const reply = page.locator("[data-testid=assistant-message]");
    expect(await page.locator("[data-testid=user-message] .chat-feedback").count(), "no vote on the user's own words").toBe(0);
    await reply.getByRole("button", { name: "Dislike", exact: true }).click();
    const vote = page.getByRole("textbox", { name: "Vote" });
    await expect.poll(() => vote.inputValue(), { timeout: 5_000 }).toBe("down on 1: Hello there");
    await reply.getByRole("button", { name: "Like", exact: true }).click();
    await expect.poll(() => vote.inputValue(), { timeout: 5_000 }).toBe("up on 1: Hello there");
    expect(await reply.getByRole("button", { name: "Like", exact: true }).getAttribute("aria-pressed")).toBe("true");
    expect(await reply.getByRole("button", { name: "Dislike", exact: true }).getAttribute("aria-pressed")).toBe("false");
    await expectAxeClean(page, "chatbot like");
  });

  test("Audio from the microphone: Record and Stop (Chromium's fake microphone), sent as WAV, heard back", async () => {
    const page = await newPage("voice", { permissions: ["microphone"] });
    expect(await page.locator(".markdown center b").textContent(), "the Markdown's HTML, rendered").toBe("something");
    expect(await page.evaluate(() => (window as unknown as { ran?: boolean }).ran), "its script never ran").toBeUndefined();
    const record = page.getByRole("button", { name: "Record" });
    await record.click();
    await expect.poll(() => record.getAttribute("aria-pressed"), { timeout: 5_000 }).toBe("true");
    await page.waitForTimeout(600);
    await page.getByRole("button", { name: "Stop recording" }).click();
    await page.locator(".widget-audio audio:not([hidden])").first().waitFor();
    await page.getByRole("button", { name: "Send" }).click();
    const bytes = page.getByRole("textbox", { name: "Bytes" });
    await expect.poll(() => bytes.inputValue(), { timeout: 5_000, message: "the server got the take" }).not.toBe("");
    // 0.6 s of 16-bit PCM is tens of kilobytes; a WAV header starts the file the server kept.
    expect(Number(await bytes.inputValue()), "about 0.6 s of PCM").toBeGreaterThan(20_000);
    const heard = page.locator(".widget-audio").nth(1).locator("audio");
    const head = await heard.evaluate(async (a: HTMLAudioElement) => {
      const bytes = new Uint8Array(await (await fetch(a.src)).arrayBuffer());
      return String.fromCharCode(...bytes.slice(0, 4), ...bytes.slice(8, 12));
    });
    expect(head, "the page sent WAV, as Gradio's recorder does").toBe("RIFFWAVE");
    const state = await heard.evaluate(async (a: HTMLAudioElement) => {
      const deadline = Date.now() + 5000;
      while (a.readyState < HTMLMediaElement.HAVE_ENOUGH_DATA && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return { readyState: a.readyState, duration: a.duration };
    });
    expect(state.readyState).toBe(4);
    expect(state.duration, "as long as the take").toBeGreaterThan(0.3);
    await expectAxeClean(page, "microphone");
  });

  test("Video: an MP4 clip uploaded, sent, served back as video/mp4 and played (HAVE_ENOUGH_DATA)", async () => {
    const page = await newPage("video");
    // Half a second of a moving square, recorded by Chromium itself as H.264 in MP4, picked in the file input.
    await page.evaluate(async () => {
      const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 48 });
      const ctx = canvas.getContext("2d")!;
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: "video/mp4;codecs=avc1.42E01E" });
      const parts: Blob[] = [];
      recorder.ondataavailable = (e) => parts.push(e.data);
      const done = new Promise((r) => (recorder.onstop = r));
      recorder.start();
      for (let i = 0; i < 12; i++) {
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, 64, 48);
        ctx.fillStyle = "#c2410c";
        ctx.fillRect(i * 4, 10, 16, 16);
        await new Promise((r) => setTimeout(r, 40));
      }
      recorder.stop();
      await done;
      const input = document.querySelector<HTMLInputElement>(".widget-video input[type=file]")!;
      const transfer = new DataTransfer();
      transfer.items.add(new File(parts, "clip.mp4", { type: "video/mp4" }));
      input.files = transfer.files;
      input.dispatchEvent(new Event("change"));
    });
    await page.getByRole("button", { name: "Send" }).click();
    const out = page.locator(".widget-video").nth(1).locator("video");
    await expect.poll(() => out.getAttribute("src"), { timeout: 5_000, message: "the clip came back" }).toMatch(/file=/);
    const served = await out.evaluate(async (v: HTMLVideoElement) => {
      const res = await fetch(v.src, { headers: { Range: "bytes=0-11" } });
      const head = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, type: res.headers.get("content-type"), box: String.fromCharCode(...head.slice(4, 8)) };
    });
    expect(served, "an MP4 (ftyp box first), answered as a range").toEqual({ status: 206, type: "video/mp4", box: "ftyp" });
    const state = await out.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      await v.play();
      const deadline = Date.now() + 5000;
      while (v.readyState < HTMLMediaElement.HAVE_ENOUGH_DATA && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return { readyState: v.readyState, width: v.videoWidth };
    });
    expect(state).toEqual({ readyState: 4, width: 64 });
    await expectAxeClean(page, "video");
  });
});

/**
 * The media ports (fake_diffusion, image_mod, fake_gan, generate_tone) through the pristine
 * @gradio/client and curl, and `/gradio_api/file=` byte ranges (what <audio>/<video> ask for).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client, handle_file } from "@gradio/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as gr from "../../src/index.ts";
import { fashionImages } from "../helpers.ts";

process.env.FAKE_DIFFUSION_STEP_MS = "20";
const { demo: fakeDiffusion } = await import("../../examples/gradio/fake_diffusion/app.ts");
const { demo: imageMod } = await import("../../examples/gradio/image_mod/app.ts");
const { demo: fakeGan } = await import("../../examples/gradio/fake_gan/app.ts");
const { demo: generateTone } = await import("../../examples/gradio/generate_tone/app.ts");

const run = promisify(execFile);
const hasCurl = await run("curl", ["--version"]).then(
  () => true,
  () => false,
);
if (!hasCurl) console.warn("test/stream/media.test.ts: curl not found, its curl checks are skipped (apt-get install curl).");

// A Video output: this server does not encode, so any file named .mp4 shows the serving path.
const clipDir = mkdtempSync(join(tmpdir(), "clip-"));
const clip = join(clipDir, "clip.mp4");
writeFileSync(clip, Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)));
const videoDemo = new gr.Blocks({ allowedPaths: [clipDir] }, () => {
  const out = new gr.Video();
  new gr.Button("Play").click({ fn: () => clip, outputs: out, apiName: "clip" });
});

const apps = { fakeDiffusion, imageMod, fakeGan, generateTone, videoDemo };
const servers = {} as Record<keyof typeof apps, gr.Server>;
const clients: Client[] = [];
const connect = async (name: keyof typeof apps) => {
  const c = await Client.connect(servers[name].url, { events: ["data", "status"] });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  await Promise.all(
    Object.entries(apps).map(async ([name, app]) => {
      servers[name as keyof typeof apps] = await gr.launch(app, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false });
    }),
  );
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

const bytesOf = async (file: { url: string }) => Buffer.from(await (await fetch(file.url)).arrayBuffer());

describe("fake_diffusion", () => {
  test("submit() sees every step's picture, then the orange one, then it again as the result", async () => {
    const client = await connect("fakeDiffusion");
    const images: { url: string }[] = [];
    // Copied as they come: the client applies later diffs to the objects it handed out before.
    for await (const e of client.submit("/predict", [2]))
      if (e.type === "data") images.push(structuredClone((e.data as { url: string }[])[0]!));
    expect(images).toHaveLength(4);
    const sizes = await Promise.all(images.map(async (img) => (await sharp(await bytesOf(img)).metadata()).width));
    expect(sizes).toEqual([600, 600, 1000, 1000]);
    const { data } = await sharp(await bytesOf(images[3]!))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([255, 124, 0]);
  });

  test.skipIf(!hasCurl && !process.env.CI)("curl's /call stream: an `event: generating` per step, then `event: complete`", async () => {
    const base = `${servers.fakeDiffusion.url}/gradio_api/call/predict`;
    const { stdout: joined } = await run("curl", ["-s", "-X", "POST", base, "-H", "Content-Type: application/json", "-d", '{"data": [2]}']);
    const { event_id } = JSON.parse(joined);
    const { stdout } = await run("curl", ["-sN", `${base}/${event_id}`]);
    expect(stdout.match(/^event: \w+/gm)).toEqual(["event: generating", "event: generating", "event: generating", "event: complete"]);
  });
});

describe("image_mod", () => {
  test("a picture in, the picture rotated by 45° out (a bigger canvas)", async () => {
    const client = await connect("imageMod");
    const input = fashionImages()[0]!.bytes;
    const { width } = await sharp(input).metadata();
    const { data } = await client.predict("/predict", [handle_file(new Blob([new Uint8Array(input)], { type: "image/png" }))]);
    const out = await sharp(await bytesOf((data as { url: string }[])[0]!)).metadata();
    expect(out.format).toBe("png");
    expect(out.width).toBe(Math.ceil(width! * Math.SQRT2));
  });
});

describe("fake_gan", () => {
  test("/fake_gan returns three captioned pictures the server serves", async () => {
    const client = await connect("fakeGan");
    const [gallery] = (await client.predict("/fake_gan", [])).data as { image: { url: string; mime_type: string }; caption: string }[][];
    expect(gallery!.map((g) => g.caption)).toEqual(["label 0", "label 1", "label 2"]);
    for (const g of gallery!) expect((await sharp(await bytesOf(g.image)).metadata()).width).toBe(256);
    const config = await (await fetch(`${servers.fakeGan.url}/config`)).json();
    expect(config.components.find((c: { type: string }) => c.type === "gallery").props).toMatchObject({
      columns: 3,
      object_fit: "contain",
    });
  });
});

describe("generate_tone and byte ranges", () => {
  let wav: { url: string; size: number };
  beforeAll(async () => {
    const client = await connect("generateTone");
    wav = ((await client.predict("/predict", ["A", 4, "1"])).data as { url: string; size: number }[])[0]!;
  });

  test("the tone is a 1 s, 48 kHz, 16-bit WAV of A4 (440 Hz)", async () => {
    const bytes = await bytesOf(wav);
    expect(bytes.subarray(0, 4).toString()).toBe("RIFF");
    expect(bytes.readUInt32LE(24)).toBe(48000);
    expect(bytes.length).toBe(44 + 48000 * 2);
    // Zero crossings upwards in one second ≈ the frequency.
    let ups = 0;
    for (let i = 1; i < 48000; i++) if (bytes.readInt16LE(44 + 2 * (i - 1)) < 0 && bytes.readInt16LE(44 + 2 * i) >= 0) ups++;
    expect(Math.abs(ups - 440)).toBeLessThanOrEqual(1);
  });

  test("Range: a slice is 206 with Content-Range; past the end is 416; no Range is the whole file", async () => {
    const total = 44 + 48000 * 2;
    const head = await fetch(wav.url, { headers: { range: "bytes=0-43" } });
    expect(head.status).toBe(206);
    expect(head.headers.get("content-range")).toBe(`bytes 0-43/${total}`);
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(head.headers.get("content-type")).toBe("audio/wav");
    expect(
      Buffer.from(await head.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe("RIFF");
    const tail = await fetch(wav.url, { headers: { range: "bytes=-10" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${total - 10}-${total - 1}/${total}`);
    expect((await tail.arrayBuffer()).byteLength).toBe(10);
    const past = await fetch(wav.url, { headers: { range: `bytes=${total}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${total}`);
    const whole = await fetch(wav.url);
    expect(whole.status).toBe(200);
    expect(Number(whole.headers.get("content-length"))).toBe(total);
    await whole.arrayBuffer();
  });

  test.skipIf(!hasCurl && !process.env.CI)("curl -r asks for a slice the same way", async () => {
    const { stdout } = await run("curl", ["-s", "-i", "-r", "100-199", wav.url], { encoding: "latin1" });
    expect(stdout).toMatch(/^HTTP\/1.1 206/);
    expect(stdout).toMatch(/content-range: bytes 100-199\/96044/i);
  });

  test("a Video output is VideoData served as video/mp4, with ranges", async () => {
    const client = await connect("videoDemo");
    const [video] = (await client.predict("/clip", [])).data as { video: { url: string }; subtitles: null }[];
    expect(video!.subtitles).toBeNull();
    const res = await fetch(video!.video.url, { headers: { range: "bytes=4000-" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-range")).toBe("bytes 4000-4999/5000");
    expect(Buffer.from(await res.arrayBuffer())[0]).toBe(4000 % 251);
  });
});

/**
 * A streaming Audio output (`streaming: true`) through the pristine @gradio/client and curl:
 * each chunk a generator yields arrives as its own WAV, and the final value is all of them
 * joined (Gradio's combine_stream). The port stream_audio_out, chunks that cannot be joined
 * (another sample rate, OGG), and joinWav/joinMp3 on files with odd headers.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Client, handle_file } from "@gradio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { joinMp3 } from "../../src/components/mp3.ts";
import * as gr from "../../src/index.ts";

process.env.STREAM_AUDIO_OUT_PAUSE_MS = "10";
const { demo: streamAudioOut } = await import("../../examples/gradio/stream_audio_out/app.ts");

const run = promisify(execFile);
const hasCurl = await run("curl", ["--version"]).then(
  () => true,
  () => false,
);
if (!hasCurl) console.warn("test/stream/audio-stream.test.ts: curl not found, its curl check is skipped (apt-get install curl).");

const RATE = 16000;
/** 2.2 s of a 16 kHz rising ramp, so every sample says where it is: three chunks (1 s, 1 s, 0.2 s). */
const input = gr.encodeWav(
  RATE,
  Int16Array.from({ length: 2.2 * RATE }, (_, i) => (i % 60000) - 30000),
);
const inputPcm = gr.parseWav(input).data;
const tone = (n: number) => Int16Array.from({ length: n }, (_, i) => (i * 7) % 1000);

const broken = new gr.Blocks({ showError: true }, () => {
  const out = new gr.Audio({ label: "Out", streaming: true });
  const plain = new gr.Audio({ label: "Plain" });
  const btn = new gr.Button("Go");
  btn.click({
    fn: async function* rates() {
      yield [8000, tone(800)];
      yield [16000, tone(1600)];
    },
    outputs: out,
    apiName: "rates",
  });
  btn.click({
    fn: async function* ogg() {
      yield new Uint8Array([..."OggS"].map((c) => c.charCodeAt(0)).concat(Array(40).fill(0)));
      yield [8000, tone(800)];
    },
    outputs: out,
    apiName: "ogg",
  });
  // Without streaming, a generator's last yield is the result, as before.
  btn.click({
    fn: async function* last() {
      yield [8000, tone(800)];
      yield [8000, tone(400)];
    },
    outputs: plain,
    apiName: "last",
  });
});

let servers: gr.Server[] = [];
const clients: Client[] = [];
const connect = async (server: gr.Server) => {
  const c = await Client.connect(server.url, { events: ["data", "status"] });
  clients.push(c);
  return c;
};
beforeAll(async () => {
  servers = await Promise.all(
    [streamAudioOut, broken].map((app) => gr.launch(app, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false })),
  );
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
});

type File = { url: string; path: string };
const bytesOf = async (file: { url: string }) => new Uint8Array(await (await fetch(file.url)).arrayBuffer());
const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe("stream_audio_out", () => {
  test("submit(): each 1 s chunk arrives as its own WAV, in order; the final value is them all joined", async () => {
    const client = await connect(servers[0]!);
    const values: File[] = [];
    for await (const e of client.submit("/predict", [handle_file(new Blob([new Uint8Array(input)], { type: "audio/wav" }))]))
      if (e.type === "data") values.push(structuredClone((e.data as File[])[0]!));
    expect(values).toHaveLength(4); // three yields, then the final value
    const chunks = await Promise.all(values.slice(0, 3).map(async (f) => gr.parseWav(await bytesOf(f))));
    expect(chunks.map((c) => c.data.length / 2 / RATE)).toEqual([1, 1, 0.2]);
    expect(new Set(values.map((v) => v.url)).size, "each chunk and the final value are files of their own").toBe(4);
    const whole = gr.parseWav(await bytesOf(values[3]!));
    expect(whole.format).toEqual(chunks[0]!.format);
    expect(Buffer.from(whole.data).equals(concat(chunks.map((c) => c.data))), "the chunks' PCM, joined").toBe(true);
    expect(Buffer.from(whole.data).equals(Buffer.from(inputPcm)), "which is the input's").toBe(true);
    expect(whole.data.length / 2 / RATE, "duration: the sum").toBeCloseTo(2.2, 5);
  });

  test("predict() returns the whole sound; a file that is not a WAV gets the demo's message", async () => {
    const client = await connect(servers[0]!);
    const { data } = await client.predict("/predict", [handle_file(new Blob([new Uint8Array(input)], { type: "audio/wav" }))]);
    expect(Buffer.from(gr.parseWav(await bytesOf((data as File[])[0]!)).data).equals(Buffer.from(inputPcm))).toBe(true);
    const notWav = handle_file(new Blob([new TextEncoder().encode("ID3 not really audio")], { type: "audio/mpeg" }));
    await expect(client.predict("/predict", [notWav])).rejects.toMatchObject({
      message: expect.stringMatching(/streams WAV files only.*no RIFF\/WAVE header/),
    });
  });

  test.skipIf(!hasCurl && !process.env.CI)(
    "curl's /call stream: `event: generating` per chunk, then `complete` with the joined file",
    async () => {
      const client = await connect(servers[0]!);
      const base = `${servers[0]!.url}/gradio_api/call/predict`;
      const upload = await client.upload_files(servers[0]!.url, [new Blob([new Uint8Array(input)], { type: "audio/wav" })]);
      const body = JSON.stringify({ data: [{ path: upload.files![0], meta: { _type: "gradio.FileData" } }] });
      const { stdout: joined } = await run("curl", ["-s", "-X", "POST", base, "-H", "Content-Type: application/json", "-d", body]);
      const { stdout } = await run("curl", ["-sN", `${base}/${JSON.parse(joined).event_id}`]);
      expect(stdout.match(/^event: \w+/gm)).toEqual(["event: generating", "event: generating", "event: generating", "event: complete"]);
      const complete = JSON.parse(stdout.split("event: complete\ndata: ")[1]!.split("\n")[0]!) as File[];
      expect(Buffer.from(gr.parseWav(await bytesOf(complete[0]!)).data).equals(Buffer.from(inputPcm))).toBe(true);
    },
  );
});

describe("chunks that cannot be joined", () => {
  /** The last status of one submit(), and how many values came. */
  async function outcome(client: Client, endpoint: string) {
    let values = 0;
    let last: { stage: string; message?: string } = { stage: "none" };
    for await (const e of client.submit(endpoint, [])) {
      if (e.type === "data") values++;
      if (e.type === "status") last = { stage: e.stage, message: e.message };
    }
    return { values, ...last };
  }

  test("a chunk in another sample rate: every chunk is sent, then an error naming both formats; the server goes on", async () => {
    const client = await connect(servers[1]!);
    const result = await outcome(client, "/rates");
    expect(result).toMatchObject({ values: 2, stage: "error" });
    expect(result.message).toBe(
      'Audio "Out" cannot join the streamed chunks into its final value: chunk 2 is 16000 Hz, 1 channel, 16-bit, but chunk 1 is 8000 Hz, 1 channel, 16-bit: streamed WAV chunks must share one format to be joined.',
    );
    const { data } = await client.predict("/last", []);
    expect(gr.parseWav(await bytesOf((data as File[])[0]!)).data.length, "without streaming the last yield is the result").toBe(800);
  });

  test("an OGG chunk with streaming: refused at the first yield", async () => {
    const client = await connect(servers[1]!);
    const result = await outcome(client, "/ogg");
    expect(result).toMatchObject({ values: 0, stage: "error" });
    expect(result.message).toMatch(/^Audio "Out" has streaming: true, so each chunk fn yields must be WAV or MP3 .*this one is ogg\.$/);
  });
});

describe("joinWav and joinMp3", () => {
  /** A WAV written by hand: the chunks given, in order, after RIFF/WAVE. */
  const riff = (...chunks: [string, Uint8Array][]) => {
    const body = Buffer.concat(
      chunks.map(([id, data]) => {
        const head = Buffer.alloc(8);
        head.write(id, 0, "latin1");
        head.writeUInt32LE(data.length, 4);
        return Buffer.concat([head, data, Buffer.alloc(data.length % 2)]);
      }),
    );
    const head = Buffer.alloc(12);
    head.write("RIFF", 0, "latin1");
    head.writeUInt32LE(body.length + 4, 4);
    head.write("WAVE", 8, "latin1");
    return new Uint8Array(Buffer.concat([head, body]));
  };
  const fmt = (rate: number, bits: number, channels = 1) => {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(1, 0);
    b.writeUInt16LE(channels, 2);
    b.writeUInt32LE(rate, 4);
    b.writeUInt32LE((rate * channels * bits) / 8, 8);
    b.writeUInt16LE((channels * bits) / 8, 12);
    b.writeUInt16LE(bits, 14);
    return new Uint8Array(b);
  };

  test("a LIST chunk before data, and an odd-sized 8-bit data chunk, are read; the joined file has only fmt and data", () => {
    const a = riff(
      ["fmt ", fmt(8000, 8)],
      ["LIST", new Uint8Array(Buffer.from("INFOISFT\x05\x00\x00\x00test\x00", "latin1"))],
      ["data", new Uint8Array([1, 2, 3])],
    );
    const b = riff(["fmt ", fmt(8000, 8)], ["data", new Uint8Array([4, 5])]);
    expect(gr.parseWav(a).data).toEqual(new Uint8Array([1, 2, 3]));
    const joined = gr.joinWav([a, b]);
    expect(gr.parseWav(joined).data).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(gr.parseWav(joined).format).toEqual({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8 });
    expect(joined.length, "RIFF + fmt + data, padded to even").toBe(12 + 24 + 8 + 6);
    expect(Buffer.from(joined).toString("latin1")).not.toContain("LIST");
  });

  test("8-bit after 16-bit: an error naming chunk 2 and both formats; not a WAV: names the chunk", () => {
    const a = riff(["fmt ", fmt(8000, 16)], ["data", new Uint8Array(4)]);
    const b = riff(["fmt ", fmt(8000, 8)], ["data", new Uint8Array(4)]);
    expect(() => gr.joinWav([a, b])).toThrow(
      "Chunk 2 is 8000 Hz, 1 channel, 8-bit, but chunk 1 is 8000 Hz, 1 channel, 16-bit: streamed WAV chunks must share one format to be joined.",
    );
    expect(() => gr.joinWav([a, riff(["data", new Uint8Array(4)])])).toThrow("Chunk 2 is a WAV file without a fmt chunk.");
    expect(() => gr.joinWav([new Uint8Array(20)])).toThrow("Chunk 1 is not a WAV file (no RIFF/WAVE header).");
  });

  test("joinMp3 keeps the first ID3v2 tag and drops the later ones", () => {
    const id3 = (size: number) => new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, size, ...Array(size).fill(7)]);
    const frames = (n: number) => new Uint8Array([0xff, 0xfb, 0x90, 0x64, ...Array(n).fill(n)]);
    const first = concat([id3(5), frames(3)]);
    const second = concat([id3(20), frames(6)]);
    expect(Buffer.from(joinMp3([first, second])).equals(concat([id3(5), frames(3), frames(6)]))).toBe(true);
    expect(Buffer.from(joinMp3([frames(2), frames(3)])).equals(concat([frames(2), frames(3)]))).toBe(true);
  });
});

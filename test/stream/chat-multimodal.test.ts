/**
 * A multimodal ChatInterface (Gradio's `multimodal=True`) through the pristine @gradio/client and
 * curl: `/chat` takes `{text, files}`, the client uploads the files it finds inside, `fn` gets the
 * text and the uploads' paths, and the history holds one message per file, then the text.
 */
import { readFileSync } from "node:fs";
import { Client, handle_file } from "@gradio/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { demo as echoBot } from "../../examples/gradio/chatinterface_multimodal/app.ts";
import * as gr from "../../src/index.ts";
import { callStream } from "../helpers.ts";

/** What fn saw, call by call: the message, each file's bytes read from its path, and the history. */
const seen: { message: gr.MultimodalValue; bytes: Buffer[]; history: gr.ChatMessage[] }[] = [];
const recorder = new gr.ChatInterface({
  multimodal: true,
  textbox: new gr.MultimodalTextbox({ fileCount: "multiple", label: "Message", showLabel: false }),
  fn: (message: gr.MultimodalValue, history: gr.ChatMessage[]) => {
    seen.push({ message, bytes: message.files.map((p) => readFileSync(p)), history });
    return `${message.text}: ${message.files.length} file(s)`;
  },
});

let server: gr.Server;
let port: gr.Server;
let png: Buffer;
const clients: Client[] = [];
const connect = async (s: gr.Server) => {
  const c = await Client.connect(s.url);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  [server, port, png] = await Promise.all([
    gr.launch(recorder, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false }),
    gr.launch(echoBot, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false }),
    sharp({ create: { width: 5, height: 3, channels: 3, background: "red" } })
      .png()
      .toBuffer(),
  ]);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([server?.close(), port?.close()]);
});

describe("a multimodal ChatInterface through the pristine client", () => {
  test("/chat with {text, files: [handle_file(png)]}: fn gets the text and a readable path of the same bytes; the history holds the file, then the text", async () => {
    const client = await connect(server);
    seen.length = 0;
    const first = await client.predict("/chat", { message: { text: "look", files: [handle_file(png)] } });
    expect(first.data).toEqual(["look: 1 file(s)"]);
    expect(seen[0]!.message.text).toBe("look");
    expect(seen[0]!.message.files).toHaveLength(1);
    expect(seen[0]!.bytes[0]!.equals(png), "fn reads the PNG the client sent").toBe(true);
    expect(seen[0]!.history).toEqual([]);

    // The next call sees the first exchange: the file message, the text, the reply.
    await client.predict("/chat", { message: { text: "again", files: [] } });
    const history = seen[1]!.history;
    expect(history.map((m) => [m.role, m.content.map((p) => p.type)])).toEqual([
      ["user", ["file"]],
      ["user", ["text"]],
      ["assistant", ["text"]],
    ]);
    const filePart = history[0]!.content[0] as Extract<gr.ContentPart, { type: "file" }>;
    expect(filePart.file.path).toBe(seen[0]!.message.files[0]);
    expect(history[1]!.content).toEqual([{ type: "text", text: "look" }]);
    expect(history[2]!.content).toEqual([{ type: "text", text: "look: 1 file(s)" }]);
  });

  test("/info: the message parameter is Gradio's MultimodalData, a dict of text and files", async () => {
    const info = await (await fetch(`${server.url}/gradio_api/info`)).json();
    const [message] = info.named_endpoints["/chat"].parameters;
    expect(message).toMatchObject({
      parameter_name: "message",
      component: "MultimodalTextbox",
      python_type: { type: "Dict(text: str, files: List[filepath])" },
      type: { title: "MultimodalData", required: ["text"] },
    });
  });

  test("a file the caller names outside the uploads is refused (4xx), naming the component; the server keeps serving", async () => {
    for (const path of ["/etc/passwd", "../../etc/passwd"]) {
      const res = await fetch(`${server.url}/gradio_api/run/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: [{ text: "x", files: [{ path, meta: { _type: "gradio.FileData" } }] }] }),
      });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect((await res.json()).error, path).toMatch(/MultimodalTextbox "Message".*file 1: /);
    }
    const client = await connect(server);
    await expect(
      client.predict("/chat", { message: { text: "x", files: [{ path: "/etc/passwd", meta: { _type: "gradio.FileData" } }] } }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/MultimodalTextbox "Message" file 1/) });
    expect((await client.predict("/chat", { message: { text: "still here", files: [] } })).data).toEqual(["still here: 0 file(s)"]);
  });

  test("a malformed message (a number, files not a list) gets a 422 saying what was expected", async () => {
    const post = (message: unknown) =>
      fetch(`${server.url}/gradio_api/run/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: [message] }),
      });
    const number = await post(42);
    expect(number.status).toBe(422);
    expect((await number.json()).error).toMatch(/MultimodalTextbox "Message".*expected \{text: string, files: \[FileData…\]\}/);
    const files = await post({ text: "hi", files: "a.png" });
    expect(files.status).toBe(422);
    expect((await files.json()).error).toMatch(/"files" should be a list of FileData/);
  });

  test("curl: upload, then POST /call/chat with the FileData, then the stream gives the reply", async () => {
    const form = new FormData();
    form.append("files", new Blob([new Uint8Array(png)], { type: "image/png" }), "dot.png");
    const [path] = (await (await fetch(`${server.url}/gradio_api/upload`, { method: "POST", body: form })).json()) as string[];
    const stream = await callStream(server.url, "chat", [
      { text: "curl", files: [{ path, orig_name: "dot.png", meta: { _type: "gradio.FileData" } }] },
    ]);
    expect(stream).toContain("event: complete");
    const data = JSON.parse(
      stream
        .split("\n")
        .find((l) => l.startsWith("data: "))!
        .slice(6),
    ) as unknown[];
    expect(data[0]).toBe("curl: 1 file(s)");
    expect(seen.at(-1)!.bytes[0]!.equals(png)).toBe(true);
  });
});

describe("chatinterface_multimodal (the port)", () => {
  test("echoes the text; examples are Gradio's {text} dicts; the textbox is a MultimodalTextbox", async () => {
    const client = await connect(port);
    expect((await client.predict("/chat", { message: { text: "merhaba", files: [handle_file(png)] } })).data).toEqual(["merhaba"]);
    const config = await (await fetch(`${port.url}/config`)).json();
    const chatbot = config.components.find((c: { type: string }) => c.type === "chatbot");
    expect(chatbot.props.examples).toEqual([{ text: "hello" }, { text: "hola" }, { text: "merhaba" }]);
    expect(config.components.some((c: { type: string }) => c.type === "multimodaltextbox")).toBe(true);
    expect(config.title).toBe("Echo Bot");
  });
});

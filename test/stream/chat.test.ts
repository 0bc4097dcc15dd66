/**
 * ChatInterface and Chatbot (issue 24) through the pristine @gradio/client: the `/chat` endpoint
 * as Gradio names it, a streamed reply, history per session, and the page's retry and undo
 * chains (called by fn_index, as the page does).
 */
import { Client } from "@gradio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { demo as streamingEcho } from "../../examples/gradio/chatinterface_streaming_echo/app.ts";
import * as gr from "../../src/index.ts";

// Replies with what it saw: the message, how long the history was, and the additional input.
const counter = new gr.ChatInterface({
  fn: (message: string, history: gr.ChatMessage[], suffix: string) => `${message}|${history.length}|${suffix}`,
  additionalInputs: [new gr.Textbox({ label: "Suffix", value: "!" })],
  examples: [["hello", "?"]],
});

let echo: gr.Server;
let chat: gr.Server;
const clients: Client[] = [];
const connect = async (server: gr.Server) => {
  const c = await Client.connect(server.url, { events: ["data", "status"] });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  echo = await gr.launch(streamingEcho, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false });
  chat = await gr.launch(counter, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([echo?.close(), chat?.close()]);
});

const depNamed = (config: { dependencies: { id: number; api_name: string }[] }, name: string) =>
  config.dependencies.find((d) => d.api_name === name)!.id;

describe("chatinterface_streaming_echo", () => {
  test('client.predict("/chat", {message}) works unchanged; submit() streams every prefix in order', async () => {
    const client = await connect(echo);
    expect((await client.predict("/chat", { message: "hi" })).data).toEqual(["You typed: hi"]);
    const values: unknown[] = [];
    for await (const e of client.submit("/chat", ["abc"])) if (e.type === "data") values.push((e.data as unknown[])[0]);
    expect(values).toEqual(["You typed: a", "You typed: ab", "You typed: abc", "You typed: abc"]);
  });

  test("/info and /config: one public endpoint /chat (message in, the response out), a generator; the Chatbot in messages format", async () => {
    const info = await (await fetch(`${echo.url}/gradio_api/info`)).json();
    expect(Object.keys(info.named_endpoints)).toEqual(["/chat"]);
    expect(info.named_endpoints["/chat"].parameters.map((p: { parameter_name: string }) => p.parameter_name)).toEqual(["message"]);
    const config = await (await fetch(`${echo.url}/config`)).json();
    expect(config.mode).toBe("chat_interface");
    const chatbot = config.components.find((c: { type: string }) => c.type === "chatbot");
    expect(chatbot.props).toMatchObject({ type: "messages", value: [], label: "Chatbot" });
    expect(config.dependencies.find((d: { api_name: string }) => d.api_name === "chat").types.generator).toBe(true);
  });
});

describe("a ChatInterface with an additional input", () => {
  test("history is kept per session: a second call sees the first exchange, another client starts fresh", async () => {
    const a = await connect(chat);
    expect((await a.predict("/chat", { message: "one", suffix: "." })).data).toEqual(["one|0|."]);
    expect((await a.predict("/chat", ["two", "?"])).data).toEqual(["two|2|?"]);
    const b = await connect(chat);
    expect((await b.predict("/chat", ["fresh", ""])).data).toEqual(["fresh|0|"]);
  });

  test("the page's chain: the user message shows, then the reply; retry answers the last message again; undo gives it back", async () => {
    const client = await connect(chat);
    const config = await (await fetch(`${chat.url}/config`)).json();
    const ids = (event: string) => config.dependencies.filter((d: { targets: [number, string][] }) => d.targets[0]![1] === event);
    // Enter in the textbox: clear it (saving the message), show it, answer it, copy the chat to the history.
    const [submit] = ids("submit");
    const chain = (first: number) => {
      const out = [first];
      for (;;) {
        const next = config.dependencies.find((d: { trigger_after: number | null }) => d.trigger_after === out.at(-1));
        if (!next) return out;
        out.push(next.id);
      }
    };
    const steps = chain(submit.id);
    const run = async (fnIndex: number, data: unknown[]) => (await client.predict(fnIndex, data)).data as unknown[];
    const [cleared] = await run(steps[0]!, ["hey"]);
    expect(cleared).toMatchObject({ __type__: "update", value: "", interactive: false });
    // (The client leaves State inputs and outputs out, as it does for the page's own States.)
    const [shown] = await run(steps[1]!, [[]]);
    expect(shown).toEqual([{ role: "user", content: [{ type: "text", text: "hey" }], metadata: null, options: null }]);
    const [answered] = await run(steps[2]!, ["!"]);
    const text = (m: { content: { text: string }[] }) => m.content[0]!.text;
    expect((answered as { content: { text: string }[] }[]).map(text)).toEqual(["hey", "hey|0|!"]);
    await run(steps[3]!, [answered]); // the chat → the session's history
    // Retry: pop the last exchange, show the message, answer it again (history before it: empty).
    const retry = chain(ids("retry")[0].id);
    await run(retry[0]!, []);
    const [again] = await run(retry[1]!, []);
    expect((again as { content: { text: string }[] }[]).map(text)).toEqual(["hey"]);
    const answering = retry.find((id) => config.dependencies[id].api_name.startsWith("_submit_fn"))!;
    const [reanswered] = await run(answering, ["+"]);
    expect((reanswered as { content: { text: string }[] }[]).map(text)).toEqual(["hey", "hey|0|+"]);
    // Undo: the page sends the chat; the last exchange goes, its message back to the textbox.
    const undo = ids("undo")[0].id;
    expect(await run(undo, [reanswered])).toEqual([[], "hey"]);
    expect(depNamed(config, "chat")).toBeGreaterThan(0);
  });

  test("examples with additional inputs are a dataset filling the textbox and the additional input", async () => {
    const config = await (await fetch(`${chat.url}/config`)).json();
    const dataset = config.components.find((c: { type: string }) => c.type === "dataset");
    expect(dataset.props.samples).toEqual([["hello", "?"]]);
    const accordion = config.components.find((c: { type: string }) => c.type === "accordion");
    expect(accordion.props).toMatchObject({ label: "Additional Inputs", open: false });
  });

  test("a Chatbot input refuses a malformed history with a 422 naming it", async () => {
    const config = await (await fetch(`${chat.url}/config`)).json();
    const undo = config.dependencies.find((d: { targets: [number, string][] }) => d.targets[0]![1] === "undo").id;
    const res = await fetch(`${chat.url}/gradio_api/run/predict`, {
      method: "POST",
      body: JSON.stringify({ data: [[{ role: "robot", content: "x" }]], fn_index: undo }),
    });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatch(/Chatbot "Chatbot".*message 1/);
  });
});

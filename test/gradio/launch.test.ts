/** Where `launch` listens: Gradio's GRADIO_SERVER_NAME (the Space host sets 127.0.0.1), else every interface. */
import { afterEach, expect, test } from "vitest";
import { Interface, launch } from "../../src/index.ts";
import { listensOnLoopbackOnly } from "../helpers.ts";

afterEach(() => {
  delete process.env.GRADIO_SERVER_NAME;
});

test("GRADIO_SERVER_NAME=127.0.0.1 keeps the Space off every other interface; without it, it listens on all", async () => {
  const iface = new Interface({ fn: (s: string) => s, inputs: "text", outputs: "textbox" });
  process.env.GRADIO_SERVER_NAME = "127.0.0.1";
  const loopback = await launch(iface, { port: 0, quiet: true });
  delete process.env.GRADIO_SERVER_NAME;
  const everywhere = await launch(iface, { port: 0, quiet: true });
  try {
    expect(listensOnLoopbackOnly(loopback.port)).toBe(true);
    expect(listensOnLoopbackOnly(everywhere.port)).toBe(false);
    expect((await fetch(`${loopback.url}/config`)).status).toBe(200);
  } finally {
    await Promise.all([loopback.close(), everywhere.close()]);
  }
});

/** The capped body readers, on hono's own request (no server): caps, JSON and form parsing. */
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { HostError } from "../../../host/errors.ts";
import { describeBytes, formBody, jsonObject, textBody } from "../../../host/routes/body.ts";

const app = new Hono();
app.onError((err, c) => c.text(err.message, err instanceof HostError ? err.status : 500));
app.post("/text", async (c) => c.text(await textBody(c, 10)));
app.post("/json", async (c) => c.json(await jsonObject(c, 100)));
app.post("/form", async (c) => c.json(await formBody(c, 1000)));

/** A body of `n` bytes in `chunk`-byte pieces, with no Content-Length. */
const streamed = (n: number, chunk = 4) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < n; i += chunk) controller.enqueue(new Uint8Array(Math.min(chunk, n - i)).fill(97));
      controller.close();
    },
  });
const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  app.request(path, { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("capped bodies", () => {
  test("up to the cap is read; past it a 413 naming the cap, whether Content-Length says so or the stream shows it", async () => {
    expect(await (await post("/text", "0123456789")).text()).toBe("0123456789");
    const told = await post("/text", "01234567890", { "content-length": "11" });
    expect([told.status, await told.text()]).toEqual([413, "The request body is larger than 10 bytes (10 bytes), the most accepted here."]);
    expect((await post("/text", streamed(11))).status).toBe(413);
    expect(await (await post("/text", streamed(10))).text()).toBe("a".repeat(10));
  });
  test("JSON: an object, or a 400 that says what is wrong", async () => {
    expect(await (await post("/json", '{"key":"A"}')).json()).toEqual({ key: "A" });
    for (const body of ["{", "[1]", '"x"', "null", ""]) {
      const res = await post("/json", body);
      expect([body, res.status]).toEqual([body, 400]);
    }
  });
  test("forms: urlencoded and multipart text fields", async () => {
    const urlencoded = await post("/form", "user=alice&next=%2Fspaces", { "content-type": "application/x-www-form-urlencoded" });
    expect(await urlencoded.json()).toEqual({ user: "alice", next: "/spaces" });
    const form = new FormData();
    form.set("user", "bob");
    const multipart = await post("/form", form);
    expect([multipart.status, await multipart.text()]).toEqual([200, JSON.stringify({ user: "bob" })]);
  });
  test("sizes as the messages say them", () => {
    expect([5e9, 16 * 1024, 64 * 1024 * 1024, 200_000, 10].map(describeBytes)).toEqual([
      "5 GB",
      "16 KiB",
      "64 MiB",
      "195.3 KiB",
      "10 bytes",
    ]);
  });
});

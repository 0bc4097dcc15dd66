/** CGI header parsing for git http-backend, by Go's net/http/cgi host rules. */
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { readCgiResponse } from "../../../host/repo/cgi.ts";

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe("readCgiResponse", () => {
  test("a header block split across chunks, Status, and a streamed body", async () => {
    const res = await readCgiResponse(chunks("Status: 404 Not", " Found\r\nContent-Ty", "pe: text/plain\r\n", "\r", "\nbody ", "and more"));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(await new Response(res.body).text()).toBe("body and more");
  });
  test("LF-only headers, default 200, repeated headers kept", async () => {
    const res = await readCgiResponse(
      chunks("Content-Type: application/x-git-upload-pack-advertisement\nCache-Control: no-cache\nCache-Control: max-age=0\n\n0000"),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache, max-age=0");
    expect(await new Response(res.body).text()).toBe("0000");
  });
  test("no blank line, or no Content-Type, is an error (Go: 500)", async () => {
    await expect(readCgiResponse(chunks("Content-Type: text/plain\r\n"))).rejects.toThrow(/ended before its header block/);
    await expect(readCgiResponse(chunks("Status: 200\r\n\r\n"))).rejects.toThrow(/no Content-Type/);
  });
});

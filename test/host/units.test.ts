/** The host's pure pieces: CGI header parsing (Go's cgi host rules), name validation (gitea's table tests), the card, accounts, links. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Context } from "hono";
import { describe, expect, test } from "vitest";
import { Accounts } from "../../host/accounts/accounts.ts";
import { readCard } from "../../host/build/card.ts";
import { safeNext } from "../../host/pages/sign-in.ts";
import { spacePage } from "../../host/pages/space.ts";
import { publicBase } from "../../host/public-url.ts";
import { readCgiResponse } from "../../host/repo/cgi.ts";
import { isValidName, parseSpaceId } from "../../host/accounts/names.ts";

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

describe("names", () => {
  test.each([
    ["fashion", true],
    ["my-space_2.0", true],
    ["a", true],
    ["..", false],
    [".hidden", false],
    ["a..b", false],
    ["a/b", false],
    ["a\\b", false],
    ["x.git", false],
    ["end.", false],
    ["", false],
    ["a b", false],
    ["ü", false],
    ["x".repeat(97), false],
    ["-dash", false],
  ])("%j → %s", (name, ok) => expect(isValidName(name)).toBe(ok));
  test("parseSpaceId says what is wrong", () => {
    expect(() => parseSpaceId("alice", "../etc")).toThrow(
      'Invalid Space name "../etc": use letters, digits, "-", "_" and "." (not first, no ".."), at most 96 characters.',
    );
  });
});

describe("the Space card (YAML front matter)", () => {
  test("quotes, comments and numbers mean what YAML says", () => {
    expect(readCard('---\ntitle: "A: B" # c\napp_port: 8080 # x\nemoji: 👟\n---\n# Demo').card).toEqual({
      title: "A: B",
      app_port: 8080,
      emoji: "👟",
    });
    expect(readCard("---\ntitle: 'It''s'\nshort_description: plain words # a comment\ntags:\n  - a\n  - b\n---\n").card).toMatchObject({
      title: "It's",
      short_description: "plain words",
      tags: ["a", "b"],
      app_port: 7860,
    });
  });
  test("a bad app_port or broken YAML is reported, never silently replaced", () => {
    expect(readCard("---\napp_port: eighty\n---\n")).toEqual({
      card: { app_port: 7860 },
      warning: 'app_port "eighty" is not a port number; using 7860.',
    });
    expect(readCard("---\ntitle: [unclosed\n---\n").warning).toMatch(/^README\.md's front matter is not valid YAML: /);
    expect(readCard("no front matter").card).toEqual({ app_port: 7860 });
  });
});

describe("accounts", () => {
  test("a token or Space another process just wrote is seen at once; the file is read again only when it changed", () => {
    const dir = mkdtempSync(join(tmpdir(), "accounts-"));
    const host = new Accounts(dir);
    const cli = new Accounts(dir); // `npm run spaces` in another process
    const token = cli.createToken("alice");
    expect(host.userForToken(token)).toBe("alice");
    cli.createSpace("alice", "demo");
    expect(host.space("alice", "demo")).toMatchObject({ owner: "alice", name: "demo", private: false });
    expect(host.userForToken("hf_nobody")).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("links", () => {
  const context = (url: string, headers: Record<string, string>) =>
    ({ req: { url, header: (name: string) => headers[name.toLowerCase()] } }) as unknown as Context;
  test("the public address comes from HOST_PUBLIC_URL, X-Forwarded-*, or Host — never a forged path", () => {
    expect(publicBase(context("http://127.0.0.1:7861/x", { host: "localhost:7861" }), undefined)).toBe("http://localhost:7861");
    expect(
      publicBase(
        context("http://127.0.0.1:7861/x", { host: "a", "x-forwarded-host": "spaces.example.com", "x-forwarded-proto": "https" }),
        undefined,
      ),
    ).toBe("https://spaces.example.com");
    expect(publicBase(context("http://127.0.0.1:7861/x", { host: 'evil.example/"><script>' }), undefined)).toBe("http://127.0.0.1:7861");
    expect(publicBase(context("http://127.0.0.1:7861/x", {}), "https://hub.example.org/")).toBe("https://hub.example.org");
  });
  test("sign-in returns only to a local path", () => {
    expect(["/spaces/alice", "//evil.example", "/\\evil.example", "https://evil.example", undefined].map(safeNext)).toEqual([
      "/spaces/alice",
      "/",
      "/",
      "/",
      "/",
    ]);
  });
});

describe("the Space page", () => {
  test("its inline script is valid JavaScript, whoever views it", () => {
    for (const user of [undefined, "alice"]) {
      const script = spacePage("alice/demo", { title: 'A "quoted" </script> title', app_port: 7860 }, user).match(
        /<script type="module">([\s\S]*?)<\/script>/,
      )![1]!;
      expect(() => new Function(script)).not.toThrow();
    }
  });
});

/** The host's public address, from which links are built. */
import type { Context } from "hono";
import { describe, expect, test } from "vitest";
import { publicBase } from "../../host/public-url.ts";

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
});

/** The host's settings from the environment: a number, its default, or a clear refusal; the app domain and its names. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { subdomainOf } from "../../host/accounts/names.ts";
import { createHostApp } from "../../host/app.ts";
import { appDomain, appOrigin, subdomainIn } from "../../host/apps/origin.ts";
import { envNumber } from "../../host/config.ts";

describe("envNumber", () => {
  afterEach(() => {
    delete process.env.TEST_HOST_NUMBER;
  });
  test("the default when unset or empty, the number when set", () => {
    expect(envNumber("TEST_HOST_NUMBER", 7861)).toBe(7861);
    process.env.TEST_HOST_NUMBER = " ";
    expect(envNumber("TEST_HOST_NUMBER", 7861)).toBe(7861);
    process.env.TEST_HOST_NUMBER = "5e9";
    expect(envNumber("TEST_HOST_NUMBER", 7861)).toBe(5e9);
  });
  test("a value that is not a number is refused with the variable's name", () => {
    process.env.TEST_HOST_NUMBER = "eighty";
    expect(() => envNumber("TEST_HOST_NUMBER", 7861)).toThrow('TEST_HOST_NUMBER must be a number, got "eighty".');
  });
});

describe("HOST_APP_DOMAIN", () => {
  const saved = { domain: process.env.HOST_APP_DOMAIN, url: process.env.HOST_PUBLIC_URL };
  afterEach(() => {
    for (const [name, value] of [
      ["HOST_APP_DOMAIN", saved.domain],
      ["HOST_PUBLIC_URL", saved.url],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  test("the host stops at start on a domain that is none, or that holds the host's own name", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-config-"));
    const start = () => createHostApp({ dataDir, selfUrl: () => "http://127.0.0.1:1", runtime: "process" });
    process.env.HOST_APP_DOMAIN = "apps/../x";
    expect(start).toThrow('HOST_APP_DOMAIN "apps/../x" is not a domain name.');
    process.env.HOST_APP_DOMAIN = "example.com";
    process.env.HOST_PUBLIC_URL = "https://spaces.example.com";
    expect(start).toThrow(
      "HOST_APP_DOMAIN=example.com holds the host's own name (spaces.example.com, HOST_PUBLIC_URL): apps need a domain of their own.",
    );
    rmSync(dataDir, { recursive: true, force: true });
  });
  test("every name under it is an app's, the host's own is not", () => {
    process.env.HOST_APP_DOMAIN = "Apps.Example.NET.";
    expect(appDomain()).toBe("apps.example.net");
    expect(subdomainIn("alice-demo.apps.example.net:443")).toBe("alice-demo");
    expect(subdomainIn("ALICE-DEMO.apps.example.net.")).toBe("alice-demo");
    expect(subdomainIn("apps.example.net")).toBe("");
    expect(subdomainIn("a.b.apps.example.net")).toBe("a.b");
    expect(subdomainIn("spaces.example.com")).toBeUndefined();
    expect(subdomainIn("evilapps.example.net")).toBeUndefined();
    expect(appOrigin("https://spaces.example.com", "alice-demo")).toBe("https://alice-demo.apps.example.net");
    expect(appOrigin("http://127.0.0.1:7861", "alice-demo")).toBe("http://alice-demo.apps.example.net:7861");
  });
  test("subdomains by HF's rule: lower case, runs of other characters one dash, hashed when too long", () => {
    expect(subdomainOf("Alice", "my_demo.v2")).toBe("alice-my-demo-v2");
    expect(subdomainOf("alice", "-x-")).toBe("alice-x");
    const long = subdomainOf("a".repeat(40), "b".repeat(40));
    expect(long).toMatch(/^a{40}-b{13}-[0-9a-f]{8}$/);
    expect(long.length).toBeLessThanOrEqual(63);
  });
});

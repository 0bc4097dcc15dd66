/** The accounts store shared by the host and `npm run spaces` in another process. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { root, waitFor } from "../../helpers.ts";

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

  test("tokens made before roles are write tokens named token 1, 2…; revoked by id, they stop at once, and the session tags made from them too", () => {
    const dir = mkdtempSync(join(tmpdir(), "accounts-"));
    const first = new Accounts(dir);
    const [a, b] = [first.createToken("alice"), first.createToken("alice")];
    // As an older host wrote the file: hashes and dates only.
    const file = join(dir, "accounts.json");
    const state = JSON.parse(readFileSync(file, "utf8"));
    state.users.alice.tokens = state.users.alice.tokens.map(({ sha256, created }: { sha256: string; created: string }) => ({
      sha256,
      created,
    }));
    writeFileSync(file, JSON.stringify(state));
    const accounts = new Accounts(dir);
    expect(accounts.tokens("alice").map(({ name, role }) => ({ name, role }))).toEqual([
      { name: "token 1", role: "write" },
      { name: "token 2", role: "write" },
    ]);
    expect(accounts.useToken(a)).toMatchObject({ user: "alice", name: "token 1", role: "write" });
    const read = accounts.createToken("alice", { name: "ci", role: "read" });
    expect(accounts.useToken(read)).toMatchObject({ name: "ci", role: "read" });
    // The listing names each by an id, never by its hash.
    const listed = JSON.stringify(accounts.tokens("alice"));
    for (const t of JSON.parse(readFileSync(file, "utf8")).users.alice.tokens) {
      expect(listed).toContain(`"id":"${t.sha256.slice(0, 12)}"`);
      expect(listed).not.toContain(t.sha256);
    }
    const tag = accounts.tokenTag(b);
    expect(accounts.hasTokenTag("alice", tag)).toBe(true);
    expect(accounts.revokeToken("alice", accounts.tokens("alice")[1]!.id)).toBe(true);
    expect([accounts.userForToken(b), accounts.hasTokenTag("alice", tag), accounts.userForToken(a)]).toEqual([undefined, false, "alice"]);
    expect(accounts.revokeToken("alice", "not-an-id")).toBe(false);
    expect(() => accounts.createToken("alice", { role: "admin" as "read" })).toThrow(/read" or "write/);
    rmSync(dir, { recursive: true, force: true });
  });

  test("npm run spaces -- admin|disable|enable: a disabled user's tokens and sessions count for nothing until enabled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "accounts-"));
    const host = new Accounts(dir);
    const token = host.createToken("bob");
    const tag = host.tokenTag(token);
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", join(root, "host", "cli.ts"), ...args], {
        cwd: root,
        env: { PATH: process.env.PATH, SPACES_DATA: dir },
      });
    expect((await cli("disable", "bob")).stdout).toContain("bob is disabled");
    // Another process wrote it: the host sees it at its next look at the file, a second at most.
    await waitFor(() => host.userForToken(token) === undefined, { timeout: 1500, what: "bob disabled" });
    expect([host.userForToken(token), host.useToken(token), host.hasTokenTag("bob", tag), host.sessionToken("bob", tag)]).toEqual([
      undefined,
      undefined,
      false,
      undefined,
    ]);
    await cli("enable", "bob");
    await waitFor(() => host.userForToken(token) === "bob", { timeout: 1500, what: "bob enabled" });
    expect([host.userForToken(token), host.hasTokenTag("bob", tag)]).toEqual(["bob", true]);
    expect(host.isAdmin("bob")).toBe(false);
    await cli("admin", "bob");
    await waitFor(() => host.isAdmin("bob"), { timeout: 1500, what: "bob an admin" });
    await expect(cli("disable", "nobody")).rejects.toMatchObject({ stderr: "No user nobody.\n" });
    rmSync(dir, { recursive: true, force: true });
  });
});

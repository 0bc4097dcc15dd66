/** The accounts store shared by the host and `npm run spaces` in another process. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";

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

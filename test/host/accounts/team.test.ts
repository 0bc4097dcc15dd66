/**
 * A team on the host, in Debian's Chromium against a real host, with real git and the official
 * `@huggingface/hub` client: an invite link (from the CLI) → a user name → an account, signed in,
 * its first token shown once; bad names and spent or expired links change nothing; read and
 * write tokens made on /settings/tokens (a read token clones a private Space, and is refused a
 * push, a variable, a new Space); whoAmI names the token and its role; a revoked token stops at
 * once (git, the Hub API, the browser signed in with it); an admin disables an account and its
 * session and tokens stop at once; /admin is 404 to anyone else; the pages are axe-clean.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as hub from "@huggingface/hub";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { axeViolations, hasChromium, launchBrowser } from "../../browser.ts";
import { root, waitFor } from "../../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo, tokenFromSettings } from "../harness.ts";

const run = promisify(execFile);
const READ_ONLY = "This token is read-only: make a write token to push or change a Space.";

describe.skipIf(!gitLfsPresent("team tests") || !hasChromium)("a team on the host: invites, accounts, tokens, admins", () => {
  let temp: string;
  let dataDir: string;
  let accounts: Accounts;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let browser: Browser;
  let tools: Awaited<ReturnType<typeof gitUser>>;
  let rootToken: string;
  const as = (accessToken: string) => ({ hubUrl: host.base, accessToken });
  const file = () => statSync(join(dataDir, "accounts.json"));
  /** The users' names, which bad input must leave alone. */
  const names = () => accounts.users().map((u) => u.name);

  /** A new Chromium context signed in as `user` with `token`, through the sign-in form. */
  const signedIn = async (user: string, token: string): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${host.base}/login`);
    await page.getByLabel("User name").fill(user);
    await page.getByLabel("Token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${host.base}/`);
    return { context, page };
  };
  const expectAxeClean = async (page: Page) => expect(await axeViolations(page)).toEqual([]);

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-team-"));
    dataDir = join(temp, "data");
    accounts = new Accounts(dataDir);
    rootToken = accounts.createToken("root"); // the operator's first user, as today
    accounts.setFlag("root", "admin", true);
    accounts.createToken("Zed");
    accounts.createSpace("Zed", "demo");
    host = await inProcessHost({ dataDir, accounts, stopGraceMs: 2000 });
    tools = await gitUser(temp);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  test("an invite link from the CLI: a name, an account signed in, its first token shown once; bad names, spent and expired links change nothing", async () => {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", join(root, "host", "cli.ts"), "invite"], {
      cwd: root,
      env: { PATH: process.env.PATH, SPACES_DATA: dataDir, HOST_PUBLIC_URL: "https://spaces.example.com" },
    });
    expect(stderr).toContain("good once, for 7 days");
    const link = stdout.trim();
    expect(link).toMatch(/^https:\/\/spaces\.example\.com\/join\/[\w-]{20,}$/);
    const code = link.split("/").pop()!;

    const context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: host.base });
    const page = await context.newPage();
    expect((await page.goto(`${host.base}/join/${code}`))!.status()).toBe(200);
    expect(await page.locator("h1").textContent()).toBe("Join this Space host");
    await expectAxeClean(page);

    // Bad names answer with the form again and a message; no account is made, the link stays good.
    const before = names();
    for (const [name, status, message] of [
      ["-carol", 400, `"-carol" can't be a user name`],
      ["ca..rol", 400, `"ca..rol" can't be a user name`],
      ["root", 409, "The name root is taken: pick another."],
      ["zed", 409, "The name zed is taken (as Zed: names that differ only in case"],
    ] as const) {
      await page.getByLabel("User name").fill(name);
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === "POST"),
        page.getByRole("button", { name: "Create account" }).click(),
      ]);
      expect(answer.status()).toBe(status);
      expect(await page.getByRole("alert").textContent()).toContain(message);
      expect(await page.getByLabel("User name").inputValue()).toBe(name);
    }
    await expectAxeClean(page); // with the message shown
    expect(names()).toEqual(before);
    expect(accounts.invite(code)).toEqual(expect.objectContaining({ admin: false }));

    await page.getByLabel("User name").fill("carol");
    await page.getByRole("button", { name: "Create account" }).click();
    expect(await page.locator("h1").textContent()).toBe("Welcome, carol");
    const token = (await page.locator("#token").textContent())!;
    expect(token).toMatch(/^hf_[\w-]{32}$/);
    expect(await page.locator("#command").textContent()).toBe(
      `git push http://carol:${token}@${new URL(host.base).host}/spaces/carol/my-space main`,
    );
    await page.getByRole("button", { name: "Copy" }).first().click();
    await expect.poll(() => page.locator("#token-status").textContent()).toBe("Copied.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await expectAxeClean(page);
    // Signed in as carol: the header says so, with her settings.
    expect(await page.getByRole("navigation", { name: "Account" }).getByRole("link").allTextContents()).toEqual(["carol", "Settings"]);
    expect(accounts.userForToken(token)).toBe("carol");
    expect(accounts.tokens("carol")).toEqual([expect.objectContaining({ name: "first token", role: "write" })]);

    // The link is spent: a page saying so, and nothing changes.
    const spent = await page.goto(`${host.base}/join/${code}`);
    expect(spent!.status()).toBe(404);
    expect(await page.locator("main").textContent()).toContain("This invite link was already used, has expired, or never existed");
    // An expired link, and one spent in another tab while this form was open, answer the same.
    const expired = accounts.createInvite({ validForMs: -1000 });
    expect((await page.goto(`${host.base}/join/${expired}`))!.status()).toBe(404);
    const raced = accounts.createInvite();
    const other = await browser.newContext();
    const form = await other.newPage();
    await form.goto(`${host.base}/join/${raced}`);
    accounts.join(raced, "erin");
    await form.getByLabel("User name").fill("frank");
    const [answer] = await Promise.all([
      form.waitForResponse((r) => r.request().method() === "POST"),
      form.getByRole("button", { name: "Create account" }).click(),
    ]);
    expect(answer.status()).toBe(404);
    expect(names()).not.toContain("frank");
    await other.close();
    await context.close();
  });

  test("read and write tokens from /settings/tokens: a read token clones a private Space but can't push, set a variable or make a Space; whoAmI names them; revoking stops them at once", async () => {
    const carol = accounts.createInvite();
    const { page, context } = await (async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${host.base}/join/${carol}`);
      await page.getByLabel("User name").fill("dana");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.locator("#token").waitFor();
      return { page, context };
    })();
    await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Settings" }).click();
    await page.waitForURL(`${host.base}/settings/tokens`);
    expect(await page.locator("tbody th").allTextContents()).toEqual(["first tokenthis browser"]);
    await expectAxeClean(page);

    const make = (name: string, role: "read" | "write") => tokenFromSettings(page, host.base, name, role);
    const reader = await make("ci-read", "read");
    expect(await page.locator("#command").textContent()).toMatch(/^git clone http:\/\/dana:hf_\S+\/spaces\/dana\/<space>$/);
    await expectAxeClean(page);
    const writer = await make("laptop", "write");
    await page.goto(`${host.base}/settings/tokens`);
    expect(
      await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [...r.children].slice(0, 2).map((c) => c.textContent))),
    ).toEqual([
      ["first tokenthis browser", "write"],
      ["ci-read", "read"],
      ["laptop", "write"],
    ]);
    // A bad name changes nothing.
    await page.getByLabel("Name").fill("   ");
    await page.getByLabel("Name").evaluate((input) => input.removeAttribute("required"));
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Create token" }).click(),
    ]);
    expect(bad.status()).toBe(400);
    expect(await page.getByRole("alert").textContent()).toContain("A token's name is 1 to 100 characters");
    expect(accounts.tokens("dana")).toHaveLength(3);

    // whoAmI, with the official client, names each token and its role.
    const readerWho = await hub.whoAmI(as(reader));
    expect(readerWho.name).toBe("dana");
    expect(readerWho.auth.accessToken).toMatchObject({ displayName: "ci-read", role: "read" });
    expect((await hub.whoAmI(as(writer))).auth.accessToken).toMatchObject({
      displayName: "laptop",
      role: "write",
    });

    // A private Space pushed with the write token; the read token clones it.
    const { git, fails } = tools;
    accounts.createSpace("dana", "diary", { private: true });
    const dir = await tinySpaceRepo(git, temp, "diary");
    await git(dir, "push", "--quiet", remoteUrl(host.base, "dana/diary", "dana", writer), "main");
    const clone = join(temp, "diary-clone");
    await git(temp, "clone", "--quiet", remoteUrl(host.base, "dana/diary", "dana", reader), clone);
    expect((await git(clone, "log", "--format=%s")).stdout.trim()).toBe("diary");
    // …but can't push, set a variable or make a Space: the read-only message each time.
    await git(clone, "commit", "--quiet", "--allow-empty", "-m", "from a read token");
    const refused = await fails(clone, "push", remoteUrl(host.base, "dana/diary", "dana", reader), "main");
    expect(refused).toContain(READ_ONLY);
    const variable = await fetch(`${host.base}/api/spaces/dana/diary/variables`, {
      method: "POST",
      headers: { authorization: `Bearer ${reader}`, "content-type": "application/json" },
      body: JSON.stringify({ key: "GREETING", value: "hi" }),
    });
    expect([variable.status, ((await variable.json()) as { error: string }).error]).toEqual([403, READ_ONLY]);
    await expect(hub.createRepo({ repo: { type: "space", name: "dana/other" }, sdk: "docker", ...as(reader) })).rejects.toThrow(READ_ONLY);
    expect(accounts.space("dana", "diary")!.variables).toEqual({});
    expect(accounts.space("dana", "other")).toBeUndefined();

    // Last used: noted at once the first time, then kept in memory — not a write per request
    // (measured once the Space is up, so its own first start writes nothing meanwhile).
    await waitFor(() => host.app.runtimes.get("dana/diary")?.stage === "RUNNING", { timeout: 60_000, what: "dana/diary running" });
    const used = accounts.tokens("dana").find((t) => t.name === "ci-read")!;
    expect(Date.now() - Date.parse(used.lastUsed!)).toBeLessThan(60_000);
    const { mtimeMs, ino } = file();
    for (let i = 0; i < 20; i++) await hub.whoAmI(as(reader));
    expect([file().mtimeMs, file().ino]).toEqual([mtimeMs, ino]);
    await page.goto(`${host.base}/settings/tokens`);
    expect(await page.locator("tbody tr", { hasText: "ci-read" }).locator("td").nth(2).textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );

    // Revoke the write token: git and the Hub API refuse it at once.
    await page.getByRole("button", { name: "Revoke laptop" }).click();
    await page.waitForURL(`${host.base}/settings/tokens`);
    expect(await page.locator("tbody th").allTextContents()).toEqual(["first tokenthis browser", "ci-read"]);
    expect(await fails(dir, "push", remoteUrl(host.base, "dana/diary", "dana", writer), "main")).toMatch(
      /Authentication failed|401|not found/i,
    );
    await expect(hub.whoAmI(as(writer))).rejects.toThrow(/Invalid credentials/);

    // A browser signed in with the read token is read-only: it can't make a token that does more.
    const readOnly = await signedIn("dana", reader);
    await readOnly.page.goto(`${host.base}/settings/tokens`);
    await readOnly.page.getByLabel("Name").fill("escalate");
    await readOnly.page.getByRole("button", { name: "Create token" }).click();
    expect(await readOnly.page.getByRole("alert").textContent()).toBe(READ_ONLY);
    // …nor revoke one.
    await readOnly.page.goto(`${host.base}/settings/tokens`);
    await readOnly.page.getByRole("button", { name: "Revoke first token" }).click();
    expect(await readOnly.page.getByRole("alert").textContent()).toBe(READ_ONLY);
    expect(accounts.tokens("dana").map((t) => t.name)).toEqual(["first token", "ci-read"]);
    await readOnly.context.close();

    // Revoking the token this browser signed in with signs it out.
    await page.getByRole("button", { name: "Revoke first token" }).click();
    await page.waitForURL(`${host.base}/`);
    expect(await page.getByRole("navigation", { name: "Account" }).textContent()).toBe("Sign in");
    expect((await context.cookies()).find((c) => c.name === "space_session")).toBeUndefined();
    await context.close();
  });

  test("an admin disables an account: its session and tokens stop at once, and work again when enabled; /admin is 404 to anyone else", async () => {
    const erinToken = accounts.createToken("erin"); // erin joined in the first test
    const erin = await signedIn("erin", erinToken);
    expect(await erin.page.getByRole("navigation", { name: "Account" }).getByRole("link").allTextContents()).toEqual(["erin", "Settings"]);
    // Not an admin: no such page, for her or anyone anonymous.
    expect((await erin.page.goto(`${host.base}/admin`))!.status()).toBe(404);
    expect((await fetch(`${host.base}/admin`)).status).toBe(404);

    const admin = await signedIn("root", rootToken);
    expect(await admin.page.getByRole("navigation", { name: "Account" }).getByRole("link").allTextContents()).toEqual([
      "root",
      "Settings",
      "Admin",
    ]);
    await admin.page.getByRole("link", { name: "Admin" }).click();
    await admin.page.waitForURL(`${host.base}/admin`);
    const rows = () =>
      admin.page.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 4).map((c) => c.textContent)));
    expect(await rows()).toEqual(
      expect.arrayContaining([
        ["root", "admin", "active", "0"],
        ["Zed", "", "active", "1"],
        ["erin", "", "active", "0"],
      ]),
    );
    await expectAxeClean(admin.page);

    await admin.page.getByRole("button", { name: "Disable erin" }).click();
    await admin.page.waitForURL(`${host.base}/admin`);
    expect(await rows()).toContainEqual(["erin", "", "disabled", "0"]);
    // Her open session is gone at once: the next page load is anonymous; her token fails.
    await erin.page.goto(`${host.base}/`);
    expect(await erin.page.getByRole("navigation", { name: "Account" }).textContent()).toBe("Sign in");
    await expect(hub.whoAmI(as(erinToken))).rejects.toThrow(/Invalid credentials/);
    expect(await tools.fails(temp, "ls-remote", remoteUrl(host.base, "Zed/demo", "erin", erinToken))).toBe(""); // a public read needs no account
    const dir = await tinySpaceRepo(tools.git, temp, "erins");
    expect(await tools.fails(dir, "push", remoteUrl(host.base, "erin/erins", "erin", erinToken), "main")).toMatch(
      /Authentication failed|401/,
    );

    await admin.page.getByRole("button", { name: "Enable erin" }).click();
    await admin.page.waitForURL(`${host.base}/admin`);
    await erin.page.goto(`${host.base}/`);
    expect(await erin.page.getByRole("navigation", { name: "Account" }).getByRole("link").allTextContents()).toEqual(["erin", "Settings"]);
    expect((await hub.whoAmI(as(erinToken))).name).toBe("erin");

    // An invite link for an admin, made on the page, opens a join form that says so.
    await admin.page.getByLabel("The new account is an admin").check();
    await admin.page.getByRole("button", { name: "Create invite link" }).click();
    const link = (await admin.page.locator("#invite-link").textContent())!;
    expect(link).toMatch(new RegExp(`^${host.base}/join/[\\w-]+$`));
    await expectAxeClean(admin.page);
    expect((await erin.page.goto(link))!.status()).toBe(200);
    expect(await erin.page.locator("main p").first().textContent()).toContain("(as an admin)");
    await erin.context.close();
    await admin.context.close();
  });
});

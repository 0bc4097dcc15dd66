/**
 * The host for a team, end to end in Debian's Chromium, with no shell but the operator's one
 * invite: carol opens an invite link, signs up, makes a write token, makes a Space from the
 * classifier template and sees it running; clones it with git and her token, pushes a change and
 * sees the new revision; duplicates bob's public Space and sees it run; a read token can't push;
 * she revokes her token and git and the Hub API refuse it; an admin disables her account and her
 * open session ends at once.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../host/accounts/accounts.ts";
import { installedModules, installKey } from "../../host/build/install.ts";
import { axeViolations, hasChromium, launchBrowser } from "../browser.ts";
import { root } from "../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo, tokenFromSettings } from "./harness.ts";

const run = promisify(execFile);

describe.skipIf(!gitLfsPresent("team flow test") || !hasChromium)("a team on the host, from an invite link to a running Space", () => {
  let temp: string;
  let dataDir: string;
  let accounts: Accounts;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let rootToken: string;
  let tools: Awaited<ReturnType<typeof gitUser>>;
  const stage = (id: string) => host.app.runtimes.get(id)?.stage;

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-team-flow-"));
    dataDir = join(temp, "data");
    accounts = new Accounts(dataDir);
    // The operator's own account (an admin) and bob, whose public Space carol will duplicate.
    rootToken = accounts.createToken("root");
    accounts.setFlag("root", "admin", true);
    const bobToken = accounts.createToken("bob");
    host = await inProcessHost({ dataDir, accounts, readyTimeoutMs: 60_000, drainMs: 500, stopGraceMs: 3000 });
    tools = await gitUser(temp);
    const echo = await tinySpaceRepo(tools.git, temp, "echo");
    await tools.git(echo, "push", "--quiet", remoteUrl(host.base, "bob/echo", "bob", bobToken), "main");
    accounts.setEnv("bob", "echo", "variables", "GREETING", "hello from bob");
    // This repository's installed dependencies stand in for carol's `npm ci` of the classifier's
    // lockfile (installs are per owner), as git-push.test.ts does. Seeded after bob's deploy: a
    // clean-up keeps an install no build links to for INSTALL_GRACE_MS only (host/build/gc.ts).
    const modules = installedModules(join(dataDir, "cache"), "carol", installKey(readFileSync(join(root, "package-lock.json"))));
    mkdirSync(join(modules, ".."), { recursive: true });
    symlinkSync(join(root, "node_modules"), modules, "dir");
  }, 120_000);
  afterAll(async () => {
    await host.close();
    rmSync(temp, { recursive: true, force: true });
  });

  test("sign up, token, New Space, clone and push, Duplicate, a read token, revoke, disable", async () => {
    // The operator's one shell command: an invite link.
    const env = { ...process.env, SPACES_DATA: dataDir, HOST_PUBLIC_URL: host.base };
    const invite = (await run(process.execPath, ["--import", "tsx", join(root, "host", "cli.ts"), "invite"], { cwd: root, env })).stdout;
    const link = invite.match(/http:\/\/\S+\/join\/\S+/)![0];

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const axeClean = async () => expect(await axeViolations(page), page.url()).toEqual([]);

      // 1. Sign up.
      await page.goto(link);
      await page.getByLabel("User name").fill("carol");
      await page.getByRole("button", { name: "Create account" }).click();
      expect(await page.locator("h1").textContent()).toBe("Welcome, carol");

      // 2. A write token, from Settings → Tokens.
      await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Settings" }).click();
      const makeToken = (name: string, role: "read" | "write") => tokenFromSettings(page, host.base, name, role);
      const laptop = await makeToken("laptop", "write");

      // 3. New Space, from the front page's link, with the classifier template: it runs.
      await page.goto(`${host.base}/`);
      await page.getByRole("link", { name: "New Space" }).click();
      await axeClean();
      await page.getByLabel("Space name").fill("clf");
      await page.getByRole("radio", { name: /Image classifier/ }).check();
      const made = performance.now();
      await page.getByRole("button", { name: "Create Space" }).click();
      await page.waitForURL(/\/spaces\/carol\/clf/);
      await expect.poll(() => page.locator("#stage").textContent(), { timeout: 120_000, interval: 500 }).toBe("Running");
      console.log(`invite → New Space (classifier) running: ${((performance.now() - made) / 1000).toFixed(1)} s after Create`);
      await expect
        .poll(() => page.frameLocator("iframe").locator("h1").textContent(), { timeout: 15_000 })
        .toBe("Fashion-MNIST classifier");

      // 4. Clone it with git and the new token, push a change, see the new revision.
      const clone = join(temp, "clf");
      await tools.git(temp, "clone", "--quiet", remoteUrl(host.base, "carol/clf", "carol", laptop), clone);
      expect(readFileSync(join(clone, "model.onnx")).equals(readFileSync(join(root, "model.onnx")))).toBe(true);
      const readme = readFileSync(join(clone, "README.md"), "utf8");
      writeFileSync(join(clone, "README.md"), readme.replace(/^title: .*$/m, "title: Carol's classifier"));
      await tools.git(clone, "commit", "--quiet", "-am", "A title of my own");
      const pushed = await tools.git(clone, "push", "origin", "main");
      expect(pushed.stderr).toContain("remote: Your Space is live:");
      const sha = (await tools.git(clone, "rev-parse", "HEAD")).stdout.trim();
      expect(host.app.runtimes.get("carol/clf")!.sha).toBe(sha);
      await page.reload();
      expect(await page.locator("h1").textContent()).toBe("Carol's classifier");

      // 5. Duplicate bob's public Space: it runs in her namespace, with his variables.
      await page.goto(`${host.base}/spaces/bob/echo/duplicate`);
      await page.getByLabel("New Space name").fill("echo");
      await page.getByRole("button", { name: "Duplicate Space" }).click();
      await page.waitForURL(/\/spaces\/carol\/echo/);
      await expect.poll(() => stage("carol/echo"), { timeout: 60_000, interval: 250 }).toBe("RUNNING");
      const echoed = await (await fetch(`${host.base}/spaces/carol/echo/app/hi`)).json();
      expect(echoed.greeting).toBe("hello from bob");

      // 6. A read token clones but can't push.
      const reader = await makeToken("ci", "read");
      const readerClone = join(temp, "clf-read");
      await tools.git(temp, "clone", "--quiet", remoteUrl(host.base, "carol/clf", "carol", reader), readerClone);
      await tools.git(readerClone, "commit", "--quiet", "--allow-empty", "-m", "not allowed");
      expect(await tools.fails(readerClone, "push", "--quiet", "origin", "main")).toContain("read-only");
      // …nor make a Space (the Hub's duplicate) or change one (the settings page's form).
      const asReader = { authorization: `Bearer ${reader}`, origin: host.base, referer: `${host.base}/spaces/carol/clf/settings` };
      const duplicate = await fetch(`${host.base}/api/spaces/bob/echo/duplicate`, {
        method: "POST",
        headers: { ...asReader, "content-type": "application/json" },
        body: JSON.stringify({ repository: "carol/echo2" }),
      });
      expect([duplicate.status, (await duplicate.json()).error]).toEqual([403, expect.stringContaining("read-only")]);
      const setting = await fetch(`${host.base}/spaces/carol/clf/settings/variables`, {
        method: "POST",
        redirect: "manual",
        headers: { ...asReader, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ key: "SNEAKY", value: "1" }),
      });
      expect(setting.status).toBe(403);
      expect(accounts.space("carol", "clf")!.variables).not.toHaveProperty("SNEAKY");
      expect(accounts.space("carol", "echo2")).toBeUndefined();

      // 7. Revoked, the write token stops at once: git and the Hub API refuse it.
      await page.goto(`${host.base}/settings/tokens`);
      await axeClean();
      await page.getByRole("button", { name: "Revoke laptop" }).click();
      await tools.git(clone, "commit", "--quiet", "--allow-empty", "-m", "after revoke");
      expect(await tools.fails(clone, "push", "--quiet", "origin", "main")).toMatch(/Authentication failed|401|403|not found|denied/i);
      expect((await fetch(`${host.base}/api/whoami-v2`, { headers: { authorization: `Bearer ${laptop}` } })).status).toBe(401);

      // 8. An admin disables carol: her open session ends at once.
      const admin = await (await browser.newContext()).newPage();
      await admin.goto(`${host.base}/login?next=/admin`);
      await admin.getByLabel("User name").fill("root");
      await admin.getByLabel("Token").fill(rootToken);
      await admin.getByRole("button", { name: "Sign in" }).click();
      await admin.waitForURL(`${host.base}/admin`);
      await admin.getByRole("button", { name: "Disable carol" }).click();
      await admin.waitForURL(`${host.base}/admin`);
      await page.goto(`${host.base}/`);
      expect(await page.getByRole("link", { name: "carol", exact: true }).count()).toBe(0);
      expect((await page.goto(`${host.base}/settings/tokens`))!.url()).toContain("/login");
      // …and her Spaces keep serving.
      expect(stage("carol/clf")).toBe("RUNNING");
    } finally {
      await browser.close();
    }
  }, 300_000);
});

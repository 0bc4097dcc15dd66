/**
 * The host's front door and sign-in in Debian's Chromium: public Spaces as cards with a search,
 * an owner's page, a sign-in that opens private Spaces (and their apps) in the browser, sign-out;
 * and a Space's own script cannot use the visitor's session. Screenshots go to test/artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { hasChromium, launchBrowser } from "../../browser.ts";
import { root } from "../../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

const artifacts = join(root, "test", "artifacts");

describe.skipIf(!gitLfsPresent("Space host page tests") || !hasChromium)("the host's pages in a browser", () => {
  let temp: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let token: string;
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-pages-"));
    mkdirSync(artifacts, { recursive: true });
    const accounts = new Accounts(join(temp, "data"));
    token = accounts.createToken("alice");
    const eveToken = accounts.createToken("eve");
    host = await inProcessHost({ dataDir: join(temp, "data"), accounts, stopGraceMs: 2000 });
    const { git } = await gitUser(temp);
    for (const name of ["echo", "sneakers"])
      await git(await tinySpaceRepo(git, temp, name), "push", "--quiet", remoteUrl(host.base, `alice/${name}`, "alice", token), "main");
    accounts.createSpace("alice", "diary", { private: true });
    await git(await tinySpaceRepo(git, temp, "diary"), "push", "--quiet", remoteUrl(host.base, "alice/diary", "alice", token), "main");
    // Eve's Space serves a page whose script tries to read Alice's private Space with her cookie.
    const evil = await tinySpaceRepo(git, temp, "evil");
    const diary = JSON.stringify(`${host.base}/spaces/alice/diary`);
    const attempt = (options: string, sink: string) =>
      `fetch(${diary}, ${options}).then((r) => r.type === "opaque" ? "opaque " + r.status : String(r.status), () => "blocked").then((t) => { ${sink} = t; });`;
    writeFileSync(
      join(evil, "server.mjs"),
      `import http from "node:http";
const page = ${JSON.stringify(
        `<!doctype html><title>evil</title><p id="out">…</p><script>${attempt('{ credentials: "include" }', 'document.getElementById("out").textContent')} ${attempt('{ credentials: "include", mode: "no-cors" }', "document.title")}</script>`,
      )};
http.createServer((req, res) => { res.setHeader("content-type", "text/html"); res.end(page); }).listen(Number(process.env.PORT), "127.0.0.1");
`,
    );
    await git(evil, "commit", "--quiet", "-am", "evil");
    await git(evil, "push", "--quiet", remoteUrl(host.base, "eve/evil", "eve", eveToken), "main");
  });
  afterAll(async () => {
    await host.close();
    rmSync(temp, { recursive: true, force: true });
  });

  test("the front door lists public Spaces as cards, newest first, with a search; sign-in shows private ones; sign-out hides them", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
      await page.goto(`${host.base}/`);
      const cards = page.getByRole("list", { name: "Spaces" }).locator(".card h2");
      expect(await cards.allTextContents()).toEqual(["evil", "sneakers", "echo"]); // newest first, no private one
      expect(await page.locator(".card").first().locator(".chip").textContent()).toBe("Running");
      expect(await page.locator(".card").nth(1).textContent()).toContain("A tiny test Space"); // the card's short description, comment dropped
      expect(await page.locator("pre.cmd").textContent()).toContain(
        `git push http://<you>:$TOKEN@${new URL(host.base).host}/spaces/<you>/my-space main`,
      );
      await page.screenshot({ path: join(artifacts, "host-front-door.png") });
      await page.getByRole("searchbox", { name: "Search Spaces" }).fill("sneak");
      await page.getByRole("button", { name: "Search" }).click();
      expect(await cards.allTextContents()).toEqual(["sneakers"]);

      // The private Space is not found until Alice signs in.
      expect((await page.goto(`${host.base}/spaces/alice/diary`))!.status()).toBe(404);
      await page.getByRole("link", { name: "Sign in" }).first().click();
      await page.getByLabel("User name").fill("alice");
      await page.getByLabel("Token").fill("hf_wrong");
      await page.getByRole("button", { name: "Sign in" }).click();
      expect(await page.getByRole("alert").textContent()).toBe("That user name and token do not match.");
      await page.getByLabel("Token").fill(token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${host.base}/`);
      const cookie = (await page.context().cookies()).find((c) => c.name === "space_session")!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false });
      expect(await cards.allTextContents()).toContain("diary");
      expect(await page.locator(".card", { hasText: "diary" }).textContent()).toContain("🔒 private");
      await page.screenshot({ path: join(artifacts, "host-signed-in.png") });

      // Her private Space's page and its app open in the browser now.
      await page.goto(`${host.base}/spaces/alice/diary`);
      expect(await page.locator("h1").textContent()).toBe("diary");
      const app = page.frameLocator("iframe");
      await expect.poll(() => app.locator("body").textContent(), { timeout: 5000 }).toContain('"x-space-user":"alice"');
      expect(await app.locator("body").textContent()).not.toContain("space_session");

      // An owner's page lists that owner's Spaces.
      await page.goto(`${host.base}/spaces/alice`);
      expect(await cards.allTextContents()).toEqual(["diary", "sneakers", "echo"]);

      // Eve's page, opened by Alice, runs on its own origin and gets nothing of Alice's private Space.
      await page.goto(`${host.base}/spaces/eve/evil/app/`);
      expect(page.url()).toBe(`http://eve-evil.spaces.localhost:${new URL(host.base).port}/`);
      await expect.poll(() => page.locator("#out").textContent(), { timeout: 5000 }).toBe("blocked");
      await expect.poll(() => page.title(), { timeout: 5000 }).toBe("opaque 0");

      await page.goto(`${host.base}/`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(`${host.base}/`);
      expect(await cards.allTextContents()).not.toContain("diary");
      expect((await page.context().cookies()).find((c) => c.name === "space_session")).toBeUndefined();
    } finally {
      await browser.close();
    }
  });
});

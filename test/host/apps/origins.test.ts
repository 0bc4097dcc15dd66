/**
 * Apps on their own origins (docs/origins.md), tried as a hostile tenant would: in Debian's
 * Chromium, alice — signed in, owner of a private Space with a secret — visits mallory's public
 * Space, both its Space page (mallory's app in the iframe) and its app's origin. Mallory's script
 * tries every way it has to read alice's secrets, variables, files and private app, to write a
 * variable, to sign her out, and to replace the host's cookie; nothing is read or changed. The
 * owner opens her private app with no token typed; a stranger gets 404; curl and the path form's
 * API work; a browser sent to the path form lands on the app's origin.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { hasChromium, launchBrowser } from "../../browser.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

const run = promisify(execFile);
const SECRET = "alice-secret-7f3a";
const PRIVATE_FILE_MARK = "diary-entry-41c9";

/**
 * Mallory's page script, run in alice's browser on mallory's app origin (serialized into the
 * page). Each attempt's outcome: "blocked" (the browser refused), "opaque 0" (sent, unreadable),
 * or the status and the start of what it read.
 */
async function hostile({ host, victimApp }: { host: string; victimApp: string }) {
  const results: Record<string, string> = {};
  const attempt = async (name: string, act: () => Promise<string>) => {
    try {
      results[name] = await act();
    } catch {
      results[name] = "blocked";
    }
  };
  const read = async (r: Response) => (r.type === "opaque" ? `opaque ${r.status}` : `${r.status} ${(await r.text()).slice(0, 400)}`);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const targets: Record<string, string> = {
    secrets: `${host}/api/spaces/alice/diary/secrets`,
    variables: `${host}/api/spaces/alice/diary/variables`,
    "space page": `${host}/spaces/alice/diary`,
    file: `${host}/spaces/alice/diary/resolve/main/server.mjs`,
    tree: `${host}/api/spaces/alice/diary/tree/main`,
    whoami: `${host}/api/whoami-v2`,
    "private app, path form": `${host}/spaces/alice/diary/app/`,
    "private app, its origin": `${victimApp}/`,
  };
  for (const [what, url] of Object.entries(targets)) {
    await attempt(`read ${what} (credentials)`, async () => read(await fetch(url, { credentials: "include" })));
    await attempt(`read ${what} (referrer = host)`, async () =>
      read(await fetch(url, { credentials: "include", referrer: `${location.origin}/`, referrerPolicy: "unsafe-url" })),
    );
    await attempt(`read ${what} (no-cors)`, async () => read(await fetch(url, { credentials: "include", mode: "no-cors" })));
  }
  const body = JSON.stringify({ key: "PWNED", value: "mallory" });
  await attempt("write a variable (json)", async () =>
    read(
      await fetch(targets.variables!, { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body }),
    ),
  );
  await attempt("write a variable (no-cors)", async () =>
    read(
      await fetch(targets.variables!, {
        method: "POST",
        credentials: "include",
        mode: "no-cors",
        headers: { "content-type": "text/plain" },
        body,
      }),
    ),
  );
  const formPost = (action: string, fields: Record<string, string>, enctype = "application/x-www-form-urlencoded") =>
    new Promise<string>((resolve) => {
      const frame = document.createElement("iframe");
      frame.name = `sink${Math.random()}`;
      document.body.append(frame);
      const form = document.createElement("form");
      Object.assign(form, { method: "POST", action, target: frame.name, enctype });
      for (const [name, value] of Object.entries(fields)) form.append(Object.assign(document.createElement("input"), { name, value }));
      document.body.append(form);
      frame.onload = () => {
        try {
          resolve(`read ${frame.contentDocument!.body.textContent}`);
        } catch {
          resolve("blocked");
        }
      };
      form.submit();
      setTimeout(() => resolve("blocked (no answer)"), 3000);
    });
  await attempt("write a variable (form, text/plain)", () => formPost(targets.variables!, { [body.slice(0, -1)]: "}" }, "text/plain"));
  await attempt("sign alice out (form)", () => formPost(`${host}/logout`, {}));
  await attempt("make a token-less Space (form)", () => formPost(`${host}/api/repos/create`, { name: "pwned", type: "space" }));
  const framed = (url: string) =>
    new Promise<string>((resolve) => {
      const frame = Object.assign(document.createElement("iframe"), { src: url });
      frame.onload = () => {
        try {
          resolve(`read ${frame.contentDocument!.body.textContent!.slice(0, 400)}`);
        } catch {
          resolve("blocked");
        }
      };
      document.body.append(frame);
      setTimeout(() => resolve("blocked (no answer)"), 3000);
    });
  for (const what of ["space page", "secrets", "private app, path form", "private app, its origin"])
    await attempt(`iframe ${what}`, () => framed(targets[what]!));
  await attempt("window.open the Space page", async () => {
    const w = window.open(targets["space page"]);
    if (!w) return "blocked (no window)";
    await sleep(1500);
    try {
      return `read ${w.document.body.textContent}`;
    } finally {
      w.close();
    }
  });
  await attempt("the embedding page", async () => `read ${window.parent === window ? "(top)" : window.parent.document.body.textContent}`);
  // The host's cookie, from script: for this origin, its parent domains, the host's name.
  const domain = location.hostname.split(".").slice(1).join(".");
  for (const cookie of [
    "space_session=mallory; path=/",
    `space_session=mallory; path=/; domain=${domain}`,
    "space_session=mallory; path=/; domain=localhost",
    "__Host-space_session=mallory; path=/; secure",
    `space_pass=mallory; path=/; domain=${domain}`,
  ]) {
    // biome-ignore lint/suspicious/noDocumentCookie: setting the cookie from script is the attack tried
    document.cookie = cookie;
  }
  // …and from response headers, in every spelling (mallory's app sends them).
  await attempt("cookies from headers", async () => read(await fetch("/set-cookies")));
  results["document.cookie here"] = document.cookie;
  (window as unknown as { results: unknown }).results = results;
  document.title = "done";
}

/** Mallory's app: the hostile page at /, cookie-setting headers at /set-cookies. */
const hostileServer = `import http from "node:http";
import { readFileSync } from "node:fs";
const page = readFileSync(new URL("./page.html", import.meta.url));
http.createServer((req, res) => {
  if (req.url === "/set-cookies") {
    res.setHeader("set-cookie", ["space_session=mallory; Path=/", " Space_Session =mallory; Path=/", "SPACE_SESSION=mallory; Path=/; Domain=localhost",
      "__Host-space_session=mallory; Path=/; Secure", "__secure-space_session=mallory; Path=/; Secure", "space_pass=mallory; Path=/", "mallorys_own=fine; Path=/"]);
    return res.end("ok");
  }
  res.setHeader("content-type", "text/html");
  res.end(page);
}).listen(Number(process.env.PORT), process.env.GRADIO_SERVER_NAME || "0.0.0.0");
`;

describe.skipIf(!gitLfsPresent("app origin tests") || !hasChromium)("apps on their own origins", () => {
  let temp: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let accounts: Accounts;
  let aliceToken: string;
  /** The host as alice's browser names it: `localhost`, the same site as `*.spaces.localhost` would be were it not a TLD of its own. */
  let HOST: string;
  const port = () => new URL(host.base).port;
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-origins-"));
    accounts = new Accounts(join(temp, "data"));
    aliceToken = accounts.createToken("alice");
    const malloryToken = accounts.createToken("mallory");
    host = await inProcessHost({ dataDir: join(temp, "data"), accounts, stopGraceMs: 2000 });
    HOST = host.base.replace("127.0.0.1", "localhost");
    const { git } = await gitUser(temp);
    accounts.createSpace("alice", "diary", { private: true });
    accounts.setEnv("alice", "diary", "secrets", "NOTE", SECRET);
    const diary = await tinySpaceRepo(git, temp, "diary");
    // Like a Gradio app, it answers CORS for any origin with credentials: only the host keeps
    // another origin's script from reading it as its owner.
    const server = join(diary, "server.mjs");
    writeFileSync(
      server,
      readFileSync(server, "utf8").replace(
        "http.createServer((req, res) => {",
        `http.createServer((req, res) => {
  res.setHeader("access-control-allow-origin", req.headers.origin || "*");
  res.setHeader("access-control-allow-credentials", "true");`,
      ),
    );
    writeFileSync(join(diary, "entry.txt"), PRIVATE_FILE_MARK);
    await git(diary, "add", ".");
    await git(diary, "commit", "--quiet", "-m", "entry");
    await git(diary, "push", "--quiet", remoteUrl(host.base, "alice/diary", "alice", aliceToken), "main");
    const trap = await tinySpaceRepo(git, temp, "trap");
    writeFileSync(join(trap, "server.mjs"), hostileServer);
    const victimApp = `http://alice-diary.spaces.localhost:${port()}`;
    writeFileSync(
      join(trap, "page.html"),
      `<!doctype html><title>trap</title><p>Nothing to see.</p><script>(${hostile.toString()})(${JSON.stringify({ host: HOST, victimApp })})</script>`,
    );
    await git(trap, "add", ".");
    await git(trap, "commit", "--quiet", "-m", "trap");
    await git(trap, "push", "--quiet", remoteUrl(host.base, "mallory/trap", "mallory", malloryToken), "main");
  }, 120_000);
  afterAll(async () => {
    await host.close();
    rmSync(temp, { recursive: true, force: true });
  });

  test("spaceInfo, the runtime API and the push output name each app's origin", async () => {
    const info = await (await fetch(`${host.base}/api/spaces/mallory/trap`)).json();
    expect(info).toMatchObject({ subdomain: "mallory-trap", host: `http://mallory-trap.spaces.localhost:${port()}` });
    expect(await (await fetch(`${host.base}/api/spaces/mallory/trap/host`)).json()).toEqual({
      subdomain: "mallory-trap",
      host: `http://mallory-trap.spaces.localhost:${port()}`,
    });
    const runtime = await (await fetch(`${host.base}/api/spaces/mallory/trap/runtime`)).json();
    expect(runtime.host).toBe(`http://mallory-trap.spaces.localhost:${port()}`);
    // A private Space's origin is no one else's business.
    expect((await fetch(`${host.base}/api/spaces/alice/diary/host`)).status).toBe(404);
    // Names that fold to the same label: the later Space gets a hashed one.
    accounts.createSpace("alice", "my.demo");
    accounts.createSpace("alice", "my_demo");
    expect(accounts.subdomainOf("alice", "my.demo")).toBe("alice-my-demo");
    expect(accounts.subdomainOf("alice", "my_demo")).toMatch(/^alice-my-demo-[0-9a-f]{8}$/);
  });

  test("curl reaches an app on its origin and on the path form; a host route never answers on an app's origin", async () => {
    const curl = async (...args: string[]) => (await run("curl", ["-sS", "-m", "10", ...args])).stdout;
    const origin = `http://mallory-trap.spaces.localhost:${port()}`;
    expect(await curl("-w", " %{http_code}", `${origin}/set-cookies`)).toBe("ok 200");
    expect(await curl("-w", " %{http_code}", `${host.base}/spaces/mallory/trap/app/set-cookies`)).toBe("ok 200");
    // The host's API, asked on an app's origin, is the app's path: the app answers it.
    expect(await curl(`${origin}/api/spaces/alice/diary/secrets`)).toContain("<title>trap</title>");
    // Naming the host in X-Forwarded-Host from an app's origin changes nothing.
    expect(await curl("-H", `X-Forwarded-Host: localhost:${port()}`, `${origin}/api/whoami-v2`)).toContain("<title>trap</title>");
    // An unknown app, deeper names, the app domain itself: 404, never the host.
    for (const name of ["nobody-here", "a.mallory-trap", ""])
      expect(
        await curl("-o", "/dev/null", "-w", "%{http_code}", `http://${name}${name ? "." : ""}spaces.localhost:${port()}/api/spaces`),
      ).toBe("404");
    // A private app: 404 without credentials, its page with the owner's token.
    const diary = `http://alice-diary.spaces.localhost:${port()}`;
    expect(await curl("-o", "/dev/null", "-w", "%{http_code}", `${diary}/`)).toBe("404");
    expect(JSON.parse(await curl("-H", `Authorization: Bearer ${aliceToken}`, `${diary}/x`)).headers["x-space-user"]).toBe("alice");
    // On the path form, an app sets no cookie, and its answers are sandboxed documents.
    const headers = await curl("-D", "-", "-o", "/dev/null", `${host.base}/spaces/mallory/trap/app/set-cookies`);
    expect(headers.toLowerCase()).not.toContain("set-cookie");
    expect(headers.toLowerCase()).toContain("content-security-policy: sandbox");
    // On its own origin, it sets its own cookies, but none named like the host's.
    const own = (await curl("-D", "-", "-o", "/dev/null", `${origin}/set-cookies`)).toLowerCase();
    expect(own.match(/^set-cookie: .*$/gm)?.map((line) => line.trim())).toEqual(["set-cookie: mallorys_own=fine; path=/"]);
  });

  test("the owner opens her private app without typing a token; a stranger gets 404; a forged or stale pass opens nothing", async () => {
    const browser = await launchBrowser();
    try {
      const alice = await browser.newContext();
      const page = await alice.newPage();
      await page.goto(`${HOST}/login?next=/spaces/alice/diary`);
      await page.getByLabel("User name").fill("alice");
      await page.getByLabel("Token").fill(aliceToken);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${HOST}/spaces/alice/diary`);
      const iframe = page.frameLocator("iframe");
      await expect.poll(() => iframe.locator("body").textContent(), { timeout: 10_000 }).toContain('"x-space-user":"alice"');
      expect(await page.locator("iframe").getAttribute("src")).toMatch(
        new RegExp(`^http://alice-diary\\.spaces\\.localhost:${port()}/\\?__sign=`),
      );
      const inFrame = JSON.parse((await iframe.locator("body").textContent())!);
      expect(inFrame.url).toBe("/"); // the pass was traded for a cookie, and left the URL
      expect(inFrame.headers.cookie ?? "").not.toMatch(/space_(session|pass)/i);
      // Typed in the address bar, the path form sends her to the app's origin, signed in there too.
      await page.goto(`${HOST}/spaces/alice/diary/app/x?y=1`);
      expect(page.url()).toBe(`http://alice-diary.spaces.localhost:${port()}/x?y=1`);
      expect(JSON.parse((await page.locator("body").textContent())!).headers["x-space-user"]).toBe("alice");

      const stranger = await (await browser.newContext()).newPage();
      expect((await stranger.goto(`http://alice-diary.spaces.localhost:${port()}/`))!.status()).toBe(404);
      expect((await stranger.goto(`${HOST}/spaces/alice/diary/app/`))!.status()).toBe(404);
      for (const sign of ["forged", `${Buffer.from("alice").toString("base64url")}.${Date.now() + 60_000}.AAAA`]) {
        const answer = await stranger.goto(`http://alice-diary.spaces.localhost:${port()}/?__sign=${sign}`);
        expect(answer!.status()).toBe(404);
      }
      // A pass for mallory's Space does not open alice's.
      const { makePass } = await import("../../../host/apps/app-pass.ts");
      const key = readFileSync(join(temp, "data", "session.key"), "utf8").trim();
      const tokenId = accounts.tokens("alice")[0]!.id;
      const other = makePass(key, "url", "mallory/trap", { user: "alice", tokenId });
      expect((await stranger.goto(`http://alice-diary.spaces.localhost:${port()}/?__sign=${other}`))!.status()).toBe(404);
      const stale = makePass(key, "url", "alice/diary", { user: "alice", tokenId }, Date.now() - 6 * 60_000);
      expect((await stranger.goto(`http://alice-diary.spaces.localhost:${port()}/?__sign=${stale}`))!.status()).toBe(404);
      // A pass lives no longer than the token it came from: revoked, its app origin's cookie opens nothing.
      const laptop = accounts.createToken("alice", { name: "laptop" });
      const second = await (await browser.newContext()).newPage();
      await second.goto(`${HOST}/login?next=/spaces/alice/diary`);
      await second.getByLabel("User name").fill("alice");
      await second.getByLabel("Token").fill(laptop);
      await second.getByRole("button", { name: "Sign in" }).click();
      await second.waitForURL(`${HOST}/spaces/alice/diary`);
      await expect
        .poll(() => second.frameLocator("iframe").locator("body").textContent(), { timeout: 10_000 })
        .toContain('"x-space-user":"alice"');
      // (In the Space page's frame: the pass cookie is partitioned under the page that embeds it.)
      const frame = () => second.frames().find((f) => f.url().startsWith(`http://alice-diary.spaces.localhost:${port()}/`))!;
      expect((await frame().goto(`http://alice-diary.spaces.localhost:${port()}/again`))!.status()).toBe(200);
      expect(accounts.revokeToken("alice", accounts.tokens("alice").find((t) => t.name === "laptop")!.id)).toBe(true);
      expect((await frame().goto(`http://alice-diary.spaces.localhost:${port()}/again`))!.status()).toBe(404);
    } finally {
      await browser.close();
    }
  }, 60_000);

  test("mallory's page, on her Space page and on her app's origin, reads and changes nothing of alice's", async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${HOST}/login`);
      await page.getByLabel("User name").fill("alice");
      await page.getByLabel("Token").fill(aliceToken);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${HOST}/`);
      // Alice has been to her private app: its origin holds her pass.
      await page.goto(`${HOST}/spaces/alice/diary`);
      await expect
        .poll(() => page.frameLocator("iframe").locator("body").textContent(), { timeout: 10_000 })
        .toContain('"x-space-user":"alice"');
      const sessionBefore = (await context.cookies(HOST)).filter((c) => /space_session/i.test(c.name));
      expect(sessionBefore).toHaveLength(1);

      const outcomes: Record<string, Record<string, string>> = {};
      // 1. Mallory's Space page: her app runs in its iframe.
      await page.goto(`${HOST}/spaces/mallory/trap`);
      const frame = () => page.frames().find((f) => f.url().startsWith(`http://mallory-trap.spaces.localhost:${port()}`));
      await expect.poll(async () => (await frame()?.title()) ?? "", { timeout: 60_000, interval: 500 }).toBe("done");
      outcomes["in the Space page's iframe"] = await frame()!.evaluate(
        () => (window as unknown as { results: Record<string, string> }).results,
      );
      // 2. Mallory's app on its own origin, as the top document.
      await page.goto(`${HOST}/spaces/mallory/trap/app/`);
      expect(page.url()).toBe(`http://mallory-trap.spaces.localhost:${port()}/`);
      await expect.poll(() => page.title(), { timeout: 60_000, interval: 500 }).toBe("done");
      outcomes["on the app's origin"] = await page.evaluate(() => (window as unknown as { results: Record<string, string> }).results);

      for (const [where, results] of Object.entries(outcomes)) {
        console.log(
          `Mallory's script ${where}:\n${Object.entries(results)
            .map(([k, v]) => `  ${k}: ${v.slice(0, 80)}`)
            .join("\n")}`,
        );
        for (const [what, outcome] of Object.entries(results)) {
          if (what === "document.cookie here") continue;
          expect(outcome, `${where}: ${what}`).not.toContain(SECRET);
          expect(outcome, `${where}: ${what}`).not.toContain(PRIVATE_FILE_MARK);
          expect(outcome, `${where}: ${what}`).not.toContain('"x-space-user":"alice"');
          expect(outcome, `${where}: ${what}`).not.toMatch(/"name":"alice"/);
          // Refused by the browser, unreadable, or refused by the host (mallory's own origin answers her own page).
          expect(outcome, `${where}: ${what}`).toMatch(/^(blocked|opaque 0|40[134] |read $|read <|200 ok$|read \(top\))/);
        }
      }
      // Nothing changed: no variable, no new Space, alice still signed in with the same cookie.
      const vars = await (
        await fetch(`${host.base}/api/spaces/alice/diary/variables`, { headers: { authorization: `Bearer ${aliceToken}` } })
      ).json();
      expect(vars).not.toHaveProperty("PWNED");
      expect(accounts.space("alice", "pwned")).toBeUndefined();
      const sessionAfter = (await context.cookies(HOST)).filter((c) => /space_session/i.test(c.name));
      expect(sessionAfter).toEqual(sessionBefore);
      await page.goto(`${HOST}/`);
      expect(await page.getByRole("link", { name: "alice", exact: true }).count()).toBeGreaterThan(0);
      // No cookie of the host's was set on any name the host answers.
      expect((await context.cookies(HOST)).map((c) => c.name)).toEqual(["space_session"]);
      expect(await context.cookies(host.base)).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 180_000);
});

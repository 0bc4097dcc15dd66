/**
 * The host's session cannot be replaced or ridden by someone else's page: the cookie is
 * `__Host-` over https, a look-alike second session cookie leaves the request anonymous, a
 * cookie-authenticated request that changes state needs the session's CSRF token, and sign-in
 * needs the nonce its page set. Against a real host; the browser part in Debian's Chromium.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { cookieNames, isHostCookie } from "../../../host/accounts/auth.ts";
import { hasChromium, launchBrowser } from "../../browser.ts";
import { inProcessHost, signInByForm, type SignedIn } from "../harness.ts";

describe("which cookie names are the host's", () => {
  test.each([
    ["space_session", true],
    ["Space_Session", true],
    [" space_session ", true],
    ["\tspace_session", true],
    ["__Host-space_session", true],
    ["__host-SPACE_SESSION", true],
    ["__Secure-space_session", true],
    ["__Host-__Secure-space_session", true],
    ["space_signin", true],
    ["__Host-space_signin", true],
    ["SPACE_SIGNIN", true],
    ["space_session2", false],
    ["my_space_session", false],
    ["__Host-", false],
    ["theme", false],
    ["", false],
  ])("isHostCookie(%j) is %s", (name, expected) => {
    expect(isHostCookie(name)).toBe(expected);
  });

  test("every name of a Cookie header counts, duplicates and nameless pairs included", () => {
    expect(cookieNames("a=1; space_session=x; Space_Session=y")).toEqual(["a", "space_session", "Space_Session"]);
    expect(cookieNames(" space_session=a=b ;theme=dark;; lone")).toEqual(["space_session", "theme", "lone"]);
    expect(cookieNames(undefined)).toEqual([]);
  });
});

describe("the session cookie and CSRF against a real host", () => {
  let temp: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let token: string;
  let alice: SignedIn;
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-session-"));
    const accounts = new Accounts(join(temp, "data"));
    token = accounts.createToken("alice");
    accounts.createSpace("alice", "demo");
    accounts.createSpace("alice", "diary", { private: true });
    host = await inProcessHost({ dataDir: join(temp, "data"), accounts, stopGraceMs: 2000 });
    alice = await signInByForm(host.base, "alice", token);
  });
  afterAll(async () => {
    await host.close();
    rmSync(temp, { recursive: true, force: true });
  });

  /** A form post as the host's own page sends it. */
  const formPost = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${host.base}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: host.base,
        referer: `${host.base}/login`,
        "sec-fetch-site": "same-origin",
        ...headers,
      },
      body: new URLSearchParams(fields),
    });
  const whoami = async (headers: Record<string, string>) => {
    const res = await fetch(`${host.base}/api/whoami-v2`, { headers });
    return res.ok ? ((await res.json()) as { name: string }).name : res.status;
  };

  test("over http the session is a host-only space_session, and the sign-in nonce a SameSite=Strict cookie", async () => {
    expect(alice.setCookies[0]).toMatch(/^space_session=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(alice.setCookies.join("\n")).not.toMatch(/domain=/i);
    const page = await fetch(`${host.base}/login`);
    expect(page.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^space_signin=\d+\.[\w-]{24}\.[\w-]{43}; Max-Age=1800; Path=\/; HttpOnly; SameSite=Strict$/),
    ]);
    expect(await whoami({ cookie: alice.cookie })).toBe("alice");
  });

  test("sign-in without its page's nonce, or with another, is refused (403)", async () => {
    const page = await fetch(`${host.base}/login`);
    const nonceCookie = page.headers.getSetCookie()[0]!.split(";")[0]!;
    const nonce = (await page.text()).match(/name="csrf" value="([^"]+)"/)![1]!;
    expect(nonceCookie).toBe(`space_signin=${nonce}`);
    const creds = { user: "alice", token, next: "/" };
    // Signed as the host signs them (its key is in the data folder), but out of date.
    const key = readFileSync(join(temp, "data", "session.key"), "utf8").trim();
    const body = `${Date.now() - 1000}.${"a".repeat(24)}`;
    const expired = `${body}.${createHmac("sha256", key).update(`signin:${body}`).digest("base64url")}`;
    const tries = {
      "no nonce at all": await formPost("/login", creds),
      "the field without the cookie": await formPost("/login", { ...creds, csrf: nonce }),
      "the cookie without the field": await formPost("/login", creds, { cookie: nonceCookie }),
      "a wrong field": await formPost("/login", { ...creds, csrf: `${nonce.slice(0, -1)}x` }, { cookie: nonceCookie }),
      "a field and cookie the attacker made up": await formPost("/login", { ...creds, csrf: "x" }, { cookie: "space_signin=x" }),
      "two nonce cookies": await formPost("/login", { ...creds, csrf: nonce }, { cookie: `${nonceCookie}; Space_Signin=${nonce}` }),
      "a nonce of the host's, expired": await formPost("/login", { ...creds, csrf: expired }, { cookie: `space_signin=${expired}` }),
    };
    for (const [what, res] of Object.entries(tries)) {
      expect(res.status, what).toBe(403);
      expect(await res.text(), what).toContain("missing or wrong CSRF token");
      expect(
        res.headers.getSetCookie().filter((c) => c.startsWith("space_session=")),
        what,
      ).toEqual([]);
    }
    // The refusal is a new sign-in page with a new nonce, which then works.
    const again = await formPost("/login", creds);
    const next = again.headers.getSetCookie()[0]!.split(";")[0]!;
    const field = (await again.text()).match(/name="csrf" value="([^"]+)"/)![1]!;
    expect(next).toBe(`space_signin=${field}`);
    const ok = await formPost("/login", { ...creds, csrf: field }, { cookie: next });
    expect(ok.status).toBe(303);
    // The nonce is spent with the sign-in.
    expect(ok.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^space_signin=; Max-Age=0; Path=\//));
  });

  test("a cookie-session POST needs the CSRF token (header or form field); a token caller does not", async () => {
    const post = (headers: Record<string, string>, value: string) =>
      fetch(`${host.base}/api/spaces/alice/demo/variables`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "sec-fetch-site": "same-origin",
          referer: `${host.base}/spaces/alice/demo`,
          ...headers,
        },
        body: JSON.stringify({ key: "GREETING", value }),
      });
    const without = await post({ cookie: alice.cookie }, "no token");
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: string }).error).toContain("missing or wrong CSRF token");
    expect((await post({ cookie: alice.cookie, "x-csrf-token": "x".repeat(43) }, "wrong token")).status).toBe(403);
    const withToken = await post({ cookie: alice.cookie, "x-csrf-token": alice.csrf }, "with the token");
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toMatchObject({ GREETING: { value: "with the token" } });
    const bearer = await post({ authorization: `Bearer ${token}` }, "by Bearer");
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toMatchObject({ GREETING: { value: "by Bearer" } });
    // Reading needs no token; deleting and creating do.
    expect((await fetch(`${host.base}/api/spaces/alice/demo/variables`, { headers: { cookie: alice.cookie } })).status).toBe(200);
    const del = (headers: Record<string, string>) =>
      fetch(`${host.base}/api/spaces/alice/demo/variables`, {
        method: "DELETE",
        headers: { cookie: alice.cookie, ...headers },
        body: '{"key":"GREETING"}',
      });
    expect((await del({})).status).toBe(403);
    expect((await del({ "x-csrf-token": alice.csrf })).status).toBe(200);
    const create = (headers: Record<string, string>) =>
      fetch(`${host.base}/api/repos/create`, {
        method: "POST",
        headers: { cookie: alice.cookie, ...headers },
        body: JSON.stringify({ name: "made", type: "space" }),
      });
    expect((await create({})).status).toBe(403);
    expect((await create({ "x-csrf-token": alice.csrf })).status).toBe(200);
    // Another session's token is not this one's.
    const other = await signInByForm(host.base, "alice", token);
    expect(other.csrf).not.toBe(alice.csrf);
    expect((await post({ cookie: alice.cookie, "x-csrf-token": other.csrf }, "someone else's token")).status).toBe(403);
  });

  test("the host's forms carry the token: sign-out and the owner's buttons need it", async () => {
    const page = await (await fetch(`${host.base}/spaces/alice/demo`, { headers: { cookie: alice.cookie } })).text();
    expect(page).toContain(`<meta name="csrf-token" content="${alice.csrf}">`);
    // Every form of the page (sign-out, the rollout's buttons, Duplicate) carries the session's token.
    const fields = page.match(/<input type="hidden" name="csrf" value="([^"]+)">/g) ?? [];
    expect(fields.length).toBeGreaterThanOrEqual(3);
    expect(new Set(fields)).toEqual(new Set([`<input type="hidden" name="csrf" value="${alice.csrf}">`]));
    const anonymous = await (await fetch(`${host.base}/spaces/alice/demo`)).text();
    expect(anonymous).not.toContain("csrf");
    // The rollout buttons: refused without the token; with it, the owner's request goes through
    // (409: there is no rollout to promote).
    expect((await formPost("/spaces/alice/demo/rollout/promote", {}, { cookie: alice.cookie })).status).toBe(403);
    expect((await formPost("/spaces/alice/demo/rollout/promote", { csrf: alice.csrf }, { cookie: alice.cookie })).status).toBe(409);
    const session = await signInByForm(host.base, "alice", token);
    const refused = await formPost("/logout", {}, { cookie: session.cookie });
    expect(refused.status).toBe(403);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(await whoami({ cookie: session.cookie })).toBe("alice");
    const out = await formPost("/logout", { csrf: session.csrf }, { cookie: session.cookie });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^space_session=; Max-Age=0; Path=\//));
  });

  test("two cookies that could be the session make the request anonymous, whichever is valid", async () => {
    const value = alice.cookie.split("=").slice(1).join("=");
    const diary = (cookie: string) =>
      fetch(`${host.base}/spaces/alice/diary`, { headers: { cookie, "sec-fetch-site": "none" } }).then((r) => r.status);
    expect(await diary(alice.cookie)).toBe(200);
    for (const cookie of [
      `${alice.cookie}; Space_Session=x`,
      `Space_Session=x; ${alice.cookie}`,
      `${alice.cookie}; ${alice.cookie}`,
      `${alice.cookie}; __Secure-space_session=x`,
      `${alice.cookie}; __Host-space_session=${value}`,
      `theme=dark; ${alice.cookie};  space_session =x`,
    ]) {
      expect(await diary(cookie), cookie).toBe(404);
      expect(await whoami({ cookie }), cookie).toBe(401);
    }
    // Over plain http only the plain name is the session.
    expect(await whoami({ cookie: `__Host-space_session=${value}` })).toBe(401);
    expect(await whoami({ cookie: `Space_Session=${value}` })).toBe(401);
    expect(await whoami({ cookie: `theme=dark; ${alice.cookie}` })).toBe("alice");
  });

  test("over https the session is __Host-space_session: Secure, Path=/, no Domain", async () => {
    const https = await signInByForm(host.base, "alice", token, { proto: "https" });
    const session = https.setCookies.find((c) => c.startsWith("__Host-space_session="));
    expect(session).toMatch(/^__Host-space_session=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(https.setCookies.join("\n")).not.toMatch(/domain=/i);
    // An older plain-http session is cleared, so it cannot shadow the new one.
    expect(https.setCookies).toContainEqual(expect.stringMatching(/^space_session=; Max-Age=0; Path=\//));
    const page = await fetch(`${host.base}/login`, { headers: { "x-forwarded-proto": "https" } });
    expect(page.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^__Host-space_signin=\d+\.[\w-]{24}\.[\w-]{43}; Max-Age=1800; Path=\/; HttpOnly; Secure; SameSite=Strict$/),
    ]);
    const proxied = { "x-forwarded-proto": "https" };
    const value = https.cookie.split("=").slice(1).join("=");
    expect(await whoami({ ...proxied, cookie: https.cookie })).toBe("alice");
    // The same value under the plain name (which any subdomain could set) is no session there.
    expect(await whoami({ ...proxied, cookie: `space_session=${value}` })).toBe(401);
    expect(await whoami({ ...proxied, cookie: `${https.cookie}; space_session=${value}` })).toBe(401);
    // And the https session's token is its own.
    const post = (csrf: string) =>
      fetch(`${host.base}/api/spaces/alice/demo/variables`, {
        method: "POST",
        headers: { ...proxied, cookie: https.cookie, "x-csrf-token": csrf },
        body: JSON.stringify({ key: "OVER", value: "https" }),
      });
    expect((await post(alice.csrf)).status).toBe(403);
    expect((await post(https.csrf)).status).toBe(200);
  });

  test.skipIf(!hasChromium)("in Chromium: the page's script sends the token, and a shadowing cookie signs the visitor out", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${host.base}/login?next=${encodeURIComponent("/spaces/alice/demo")}`);
      await page.getByLabel("User name").fill("alice");
      await page.getByLabel("Token").fill(token);
      const runtime = page.waitForRequest((r) => r.url().endsWith("/api/spaces/alice/demo/runtime"));
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${host.base}/spaces/alice/demo`);
      const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
      expect(csrf).toMatch(/^[\w-]{43}$/);
      expect((await runtime).headers()["x-csrf-token"]).toBe(csrf);
      const cookies = await page.context().cookies(host.base);
      expect(cookies.map((c) => c.name).sort()).toEqual(["space_session"]); // the nonce was spent (the iframe's pass is its app origin's)
      // Another path's look-alike cookie: Chromium sends both, and the host picks neither.
      await page.context().addCookies([{ name: "Space_Session", value: "x", domain: "127.0.0.1", path: "/spaces" }]);
      await page.goto(`${host.base}/spaces/alice/diary`);
      expect(await page.locator("h1").textContent()).toBe("Not found");
      // Where the look-alike is not sent, the session still counts.
      await page.goto(`${host.base}/`);
      expect(await page.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
      await page.context().clearCookies({ name: "Space_Session" });
      await page.goto(`${host.base}/spaces/alice/diary`);
      expect(await page.title()).toContain("alice/diary");
    } finally {
      await browser.close();
    }
  });
});

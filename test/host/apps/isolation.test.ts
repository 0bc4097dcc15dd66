/**
 * What a Space's code may see: never a visitor's token or the host's session cookie, never the
 * host's environment; a signed-in caller's verified name in X-Space-User; and the app listens
 * on the loopback only, so nobody reaches a private Space past the host's check.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { onlyTheHostReaches } from "../../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, signInByForm, tinySpaceRepo } from "../harness.ts";

interface Echo {
  headers: Record<string, string>;
  env: Record<string, string | null>;
  envKeys: string[];
}

describe.skipIf(!gitLfsPresent("Space host isolation tests"))("a Space's code never sees a visitor's credentials", () => {
  let temp: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let token: string;
  let bobToken: string;
  let cookie: string;
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-isolation-"));
    const accounts = new Accounts(join(temp, "data"));
    token = accounts.createToken("alice");
    bobToken = accounts.createToken("bob");
    process.env.HOST_ONLY_SECRET = "the host's own"; // must not reach an app
    host = await inProcessHost({ dataDir: join(temp, "data"), accounts, stopGraceMs: 2000 });
    const { git } = await gitUser(temp);
    await git(await tinySpaceRepo(git, temp, "echo"), "push", "--quiet", remoteUrl(host.base, "alice/echo", "alice", token), "main");
    // A browser signs in as Alice: the form posts from the host's own sign-in page.
    const signIn = await signInByForm(host.base, "alice", token);
    expect(signIn.setCookies[0]).toMatch(/^space_session=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    cookie = signIn.cookie;
  });
  afterAll(async () => {
    delete process.env.HOST_ONLY_SECRET;
    await host.close();
    rmSync(temp, { recursive: true, force: true });
  });

  const echo = async (headers: Record<string, string>) =>
    (await (await fetch(`${host.base}/spaces/alice/echo/app/config`, { headers })).json()) as Echo;

  test("Bearer and Basic tokens, the session cookie and a forged X-Space-User are taken out; the verified name is put in", async () => {
    const basic = `Basic ${Buffer.from(`alice:${token}`).toString("base64")}`;
    for (const [who, headers] of [
      ["Bearer", { authorization: `Bearer ${token}` }],
      ["Basic", { authorization: basic }],
      ["session cookie", { cookie: `theme=dark; ${cookie}; lang=en` }],
    ] as const) {
      const seen = await echo({ ...headers, "x-space-user": "mallory", "proxy-authorization": basic });
      const all = JSON.stringify(seen);
      expect(all, who).not.toContain(token);
      expect(all, who).not.toContain(cookie.split("=")[1]);
      expect(seen.headers.authorization, who).toBeUndefined();
      expect(seen.headers["proxy-authorization"], who).toBeUndefined();
      expect(seen.headers["x-space-user"], who).toBe("alice");
      expect(seen.headers["x-forwarded-prefix"], who).toBe("/spaces/alice/echo/app");
      expect(seen.headers["x-forwarded-host"], who).toBe(new URL(host.base).host);
      expect(seen.headers["x-forwarded-proto"], who).toBe("http");
      if (who === "session cookie") expect(seen.headers.cookie).toBe("theme=dark; lang=en"); // the app's own cookies stay
    }
    // An anonymous caller, or one whose token is not valid, is nobody: a forged name is dropped.
    expect((await echo({ "x-space-user": "alice" })).headers["x-space-user"]).toBeUndefined();
    expect((await echo({ authorization: "Bearer hf_forged", "x-space-user": "alice" })).headers["x-space-user"]).toBeUndefined();
    expect((await echo({ authorization: `Bearer ${bobToken}` })).headers["x-space-user"]).toBe("bob");
  });

  test("the app's environment is its own: the Space's built-ins, none of the host's", async () => {
    const { env, envKeys } = await echo({});
    expect(env).toMatchObject({ GRADIO_SERVER_NAME: "127.0.0.1", SPACE_ID: "alice/echo", HOST_ONLY_SECRET: null });
    // In its sandbox the Space's data is at /data, as on Hugging Face; in dev mode, on the host's disk.
    expect(env.SPACE_DATA_DIR).toBe(
      host.app.spaces.sandboxing.kind === "sandbox" ? "/data" : join(temp, "data", "disks", "alice", "echo", "data"),
    );
    const builtIns = [
      "GRADIO_SERVER_NAME",
      "GRADIO_TEMP_DIR",
      "HOME",
      "NODE_ENV",
      "PATH",
      "PORT",
      "SPACE_AUTHOR_NAME",
      "SPACE_DATA_DIR",
      "SPACE_ID",
      "SPACE_REPO_NAME",
      "SPACE_TITLE",
    ];
    expect(envKeys).toEqual(expect.arrayContaining(builtIns));
    // Nothing else of the host's: only what npm itself adds when it runs `npm start`.
    expect(
      envKeys.filter(
        (k) =>
          k in process.env &&
          !["PATH", "HOME", "NODE_ENV", "SPACE_DATA_DIR", "PWD", "INIT_CWD", "COLOR", "EDITOR", "SHLVL", "NODE", "_"].includes(k) &&
          !k.startsWith("npm_"),
      ),
    ).toEqual([]);
    expect(onlyTheHostReaches(host.app.runtimes.get("alice/echo")!.address!)).toBe(true);
  });

  test("an app cannot set or clear the host's session cookie", async () => {
    const res = await fetch(`${host.base}/spaces/alice/echo/app/config`, { headers: { cookie } });
    expect(res.headers.getSetCookie().filter((c) => c.startsWith("space_session="))).toEqual([]);
  });

  test("the session cookie counts for a page the visitor opens, not for a request an app's script makes", async () => {
    accounts().createSpace("alice", "hidden", { private: true });
    const page = (headers: Record<string, string>) =>
      fetch(`${host.base}/spaces/alice/hidden`, { headers: { cookie, ...headers } }).then((r) => r.status);
    expect(await page({ "sec-fetch-site": "none" })).toBe(200); // typed or bookmarked
    expect(await page({ "sec-fetch-site": "same-origin", referer: `${host.base}/` })).toBe(200); // a link on a host page
    expect(await page({ "sec-fetch-site": "same-origin", referer: `${host.base}/spaces/eve/x/app/` })).toBe(404); // a Space's script
    expect(await page({ "sec-fetch-site": "same-origin" })).toBe(404); // a script that hid its referrer
    expect(await page({ "sec-fetch-site": "cross-site" })).toBe(404); // another site
    // And sign-in itself only from the host's own pages: even with the nonce, which a script on
    // the host's origin could fetch from the sign-in page.
    const signInPage = await fetch(`${host.base}/login`);
    const nonce = (await signInPage.text()).match(/name="csrf" value="([^"]+)"/)![1]!;
    const forged = await fetch(`${host.base}/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: host.base,
        referer: `${host.base}/spaces/eve/x/app/`,
        "sec-fetch-site": "same-origin",
        cookie: signInPage.headers.getSetCookie()[0]!.split(";")[0]!,
      },
      body: new URLSearchParams({ user: "bob", token: bobToken, csrf: nonce }),
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("only be sent from the host's own pages");
    const crossSite = await fetch(`${host.base}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example", cookie },
    });
    expect(crossSite.status).toBe(403);
  });

  test("links shown back are built from the address the request came to, or HOST_PUBLIC_URL", async () => {
    const { git } = await gitUser(temp);
    const dir = await tinySpaceRepo(git, temp, "linked");
    const viaLocalhost = host.base.replace("127.0.0.1", "localhost");
    const pushed = await git(dir, "push", remoteUrl(viaLocalhost, "alice/linked", "alice", token), "main");
    expect(pushed.stderr).toContain(`remote: Your Space is live: ${viaLocalhost}/spaces/alice/linked`);
    // Behind a proxy, its X-Forwarded-* name the public address; the app is told the same.
    const seen = await echo({ "x-forwarded-host": "spaces.example.com", "x-forwarded-proto": "https" });
    expect([seen.headers["x-forwarded-host"], seen.headers["x-forwarded-proto"]]).toEqual(["spaces.example.com", "https"]);
    process.env.HOST_PUBLIC_URL = "https://spaces.example.org/";
    try {
      await git(dir, "commit", "--quiet", "--allow-empty", "-m", "again");
      expect((await git(dir, "push", remoteUrl(host.base, "alice/linked", "alice", token), "main")).stderr).toContain(
        "remote: Your Space is live: https://spaces.example.org/spaces/alice/linked",
      );
    } finally {
      delete process.env.HOST_PUBLIC_URL;
    }
  });

  const accounts = () => new Accounts(join(temp, "data"));
});

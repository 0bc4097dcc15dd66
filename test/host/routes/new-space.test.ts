/**
 * New Space and Duplicate this Space, against a real host: Spaces made from the browser (Chromium)
 * and by form posts build and run, a template's model.onnx reaches a git clone through LFS, a
 * duplicate runs with its source's variables and not its secrets, its LFS objects hard-linked,
 * and bad input changes nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { installedModules, installKey } from "../../../host/build/install.ts";
import { objectPath } from "../../../host/repo/lfs-store.ts";
import { templateObjects } from "../../../host/spaces/make.ts";
import { axeViolations, hasChromium, launchBrowser } from "../../browser.ts";
import { root } from "../../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, type SignedIn, signInByForm, tinySpaceRepo } from "../harness.ts";

describe.skipIf(!gitLfsPresent("New Space tests") || !hasChromium)("New Space and Duplicate", () => {
  let temp: string;
  let dataDir: string;
  let accounts: Accounts;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let alice: SignedIn;
  let aliceToken: string;
  let tools: Awaited<ReturnType<typeof gitUser>>;
  const bobBin = Buffer.from(`bob's LFS object ${Date.now()}\0 binary`);

  const lfsDir = (owner: string, name: string) => join(dataDir, "lfs", owner, name);
  const repoDir = (owner: string, name: string) => join(dataDir, "repos", owner, `${name}.git`);
  const stage = (id: string) => host.app.runtimes.get(id)?.stage;
  const running = async (id: string) => {
    const deadline = Date.now() + 120_000;
    while (!/RUNNING|ERROR/.test(stage(id) ?? "") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(
      stage(id),
      host.app.runtimes
        .get(id)
        ?.buildLog.lines.map((l) => l.data)
        .join("\n"),
    ).toBe("RUNNING");
  };
  /** A host form's post as a browser sends it, with the session (none with `session: null`) (and its CSRF token unless `csrf: false`). */
  const post = (path: string, fields: Record<string, string>, { session = alice as SignedIn | null, csrf = true } = {}) =>
    fetch(`${host.base}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: host.base,
        referer: `${host.base}/new`,
        accept: "text/html",
        ...(session ? { cookie: session.cookie } : {}),
      },
      body: new URLSearchParams({ ...fields, ...(session && csrf ? { csrf: session.csrf } : {}) }),
    });
  /** Nothing of `owner/name` exists: no record, no repository, no LFS store. */
  const nothingOf = (owner: string, name: string) => {
    expect(accounts.space(owner, name)).toBeUndefined();
    expect(existsSync(repoDir(owner, name))).toBe(false);
    expect(existsSync(lfsDir(owner, name))).toBe(false);
  };

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-new-space-"));
    dataDir = join(temp, "data");
    accounts = new Accounts(dataDir);
    aliceToken = accounts.createToken("alice");
    const bobToken = accounts.createToken("bob");
    host = await inProcessHost({ dataDir, accounts, readyTimeoutMs: 60_000, drainMs: 500, stopGraceMs: 3000 });
    tools = await gitUser(temp);
    // Bob's public Space: a tiny server, a binary file through LFS, a variable and a secret.
    const dir = await tinySpaceRepo(tools.git, temp, "echo");
    writeFileSync(join(dir, ".gitattributes"), "*.bin filter=lfs diff=lfs merge=lfs -text\n");
    writeFileSync(join(dir, "data.bin"), bobBin);
    await tools.git(dir, "add", ".");
    await tools.git(dir, "commit", "--quiet", "-m", "data through LFS");
    await tools.git(dir, "push", "--quiet", remoteUrl(host.base, "bob/echo", "bob", bobToken), "main");
    accounts.setEnv("bob", "echo", "variables", "GREETING", "hello from bob", "a greeting");
    accounts.setEnv("bob", "echo", "secrets", "API_KEY", "bob's own key");
    accounts.createSpace("bob", "hidden", { private: true });
    await running("bob/echo");
    // This repository's installed dependencies stand in for alice's `npm ci` of the classifier's
    // lockfile (installs are per owner), as git-push.test.ts does. Seeded after bob's deploy: a
    // clean-up keeps an install no build links to for INSTALL_GRACE_MS only (host/build/gc.ts).
    const modules = installedModules(join(dataDir, "cache"), "alice", installKey(readFileSync(join(root, "package-lock.json"))));
    mkdirSync(join(modules, ".."), { recursive: true });
    symlinkSync(join(root, "node_modules"), modules, "dir");
    alice = await signInByForm(host.base, "alice", aliceToken);
  }, 180_000);
  afterAll(async () => {
    await host?.close();
    if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
  });

  test("in Chromium: /new is axe-clean, the classifier template builds and answers Bag, and a git clone gets model.onnx's bytes", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${host.base}/new`);
      expect(new URL(page.url()).pathname).toBe("/login"); // anonymous: sign in first, then back
      await page.getByLabel("User name").fill("alice");
      await page.getByLabel("Token").fill(aliceToken);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${host.base}/new`);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByLabel("Space name").fill("clf");
      await page.getByRole("radio", { name: /Image classifier/ }).check();
      const started = performance.now();
      await page.getByRole("button", { name: "Create Space" }).click();
      await page.waitForURL(`${host.base}/spaces/alice/clf?created=1`);
      expect(await page.getByRole("status").filter({ hasText: "is created" }).count()).toBe(1);
      expect(await page.getByLabel("Commands to clone and push").textContent()).toBe(
        `git clone ${host.base}/spaces/alice/clf\ncd clf\n# change something, commit it, then:\ngit push`,
      );
      await running("alice/clf");
      console.log(`New Space (classifier template) → RUNNING: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await browser.close();
    }
    const { Client } = await import("@gradio/client");
    const client = await Client.connect(`${host.base}/spaces/alice/clf/app/`);
    const result = await client.predict("/predict", [readFileSync(join(root, "examples", "bag.png"))]);
    expect((result.data as [{ label: string }])[0].label).toBe("Bag");
    client.close();

    // The first commit holds model.onnx as an LFS pointer; the object is stored once and linked.
    const clone = join(temp, "clf-clone");
    await tools.git(temp, "clone", "--quiet", remoteUrl(host.base, "alice/clf"), clone);
    expect(readFileSync(join(clone, "model.onnx")).equals(readFileSync(join(root, "model.onnx")))).toBe(true);
    expect(readFileSync(join(clone, "app.ts"), "utf8")).toBe(readFileSync(join(root, "app.ts"), "utf8"));
    const oid = (await tools.git(clone, "lfs", "ls-files", "--long")).stdout.match(/^([0-9a-f]{64}) \* model\.onnx$/m)?.[1];
    expect(oid).toBeDefined();
    expect(statSync(objectPath(lfsDir("alice", "clf"), oid!)).ino).toBe(statSync(objectPath(templateObjects(dataDir), oid!)).ino);
    expect((await tools.git(clone, "log", "--format=%an %s")).stdout.trim()).toBe(
      "alice Initial commit: the Image classifier (this repository's) template",
    );
  }, 240_000);

  test("a blank Interface Space runs and answers", async () => {
    const res = await post("/new", { owner: "alice", name: "blank", visibility: "private", template: "blank" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/spaces/alice/blank?created=1");
    expect(accounts.space("alice", "blank")).toMatchObject({ private: true });
    await running("alice/blank");
    const answer = await fetch(`${host.base}/spaces/alice/blank/app/api/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${aliceToken}` },
      body: JSON.stringify({ data: ["Ada"] }),
    });
    expect(((await answer.json()) as { data: string[] }).data).toEqual(["Hello, Ada!"]);
  }, 180_000);

  test("Duplicate (the Space page's form and the Hub API) copies history, LFS objects (linked) and variables, not secrets", async () => {
    // The Space page offers the form to a signed-in visitor.
    const page = await (await fetch(`${host.base}/spaces/bob/echo`, { headers: { cookie: alice.cookie } })).text();
    expect(page).toContain('action="/spaces/bob/echo/duplicate"');
    const res = await post("/spaces/bob/echo/duplicate", { name: "echo-copy", visibility: "public" });
    expect(res.status, await res.clone().text()).toBe(303);
    expect(res.headers.get("location")).toBe("/spaces/alice/echo-copy?created=1");
    const api = await fetch(`${host.base}/api/spaces/bob/echo/duplicate`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ repository: "alice/echo-api", private: true }),
    });
    expect(await api.json()).toEqual({ url: `${host.base}/spaces/alice/echo-api` });
    const again = await fetch(`${host.base}/api/spaces/bob/echo/duplicate`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ repository: "alice/echo-api" }),
    });
    expect(again.status).toBe(409); // huggingface_hub's exist_ok takes this, with the url
    expect(await again.json()).toMatchObject({ url: `${host.base}/spaces/alice/echo-api` });

    const [source] = readdirSync(lfsDir("bob", "echo"), { recursive: true, encoding: "utf8" }).filter((f) => /[0-9a-f]{64}$/.test(f));
    for (const [name, isPrivate] of [
      ["echo-copy", false],
      ["echo-api", true],
    ] as const) {
      await running(`alice/${name}`);
      const app = (await (
        await fetch(`${host.base}/spaces/alice/${name}/app/`, { headers: { authorization: `Bearer ${aliceToken}` } })
      ).json()) as {
        greeting: string | null;
        hasKey: boolean;
      };
      expect(app).toMatchObject({ greeting: "hello from bob", hasKey: false });
      expect(accounts.space("alice", name)).toMatchObject({ private: isPrivate, variables: { GREETING: "hello from bob" }, secrets: {} });
      expect(accounts.space("alice", name)!.envInfo?.variables?.GREETING?.description).toBe("a greeting");
      // The same history, and the LFS object is the same file on disk as bob's.
      const log = (repo: string) => tools.git(temp, "--git-dir", repo, "log", "--format=%H %s", "main").then((r) => r.stdout);
      expect(await log(repoDir("alice", name))).toBe(await log(repoDir("bob", "echo")));
      expect(statSync(join(lfsDir("alice", name), source!)).ino).toBe(statSync(join(lfsDir("bob", "echo"), source!)).ino);
    }
    const clone = join(temp, "echo-clone");
    await tools.git(temp, "clone", "--quiet", remoteUrl(host.base, "alice/echo-api", "alice", aliceToken), clone);
    expect(readFileSync(join(clone, "data.bin")).equals(bobBin)).toBe(true);
  }, 180_000);

  test("bad input answers with a message and changes nothing", async () => {
    const alert = async (res: Response) => (await res.text()).match(/<p class="error" role="alert">([^<]*)<\/p>/)?.[1];
    const before = {
      spaces: accounts.spaces().length,
      repos: readdirSync(join(dataDir, "repos")).map((o) => readdirSync(join(dataDir, "repos", o))),
    };
    let res = await post("/new", { owner: "alice", name: "../evil", visibility: "public", template: "blank" });
    expect(res.status).toBe(400);
    expect(await alert(res)).toContain("Invalid Space name");
    res = await post("/new", { owner: "alice", name: "bad.git", visibility: "public", template: "blank" });
    expect(res.status).toBe(400);
    nothingOf("alice", "bad.git");
    res = await post("/new", { owner: "alice", name: "clf", visibility: "public", template: "blank" });
    expect(res.status).toBe(409);
    expect(await alert(res)).toBe("The Space alice/clf already exists: choose another name.");
    res = await post("/new", { owner: "bob", name: "theirs", visibility: "public", template: "blank" });
    expect(res.status).toBe(403);
    nothingOf("bob", "theirs");
    res = await post("/new", { owner: "alice", name: "nothing", visibility: "public", template: "nope" });
    expect(res.status).toBe(400);
    expect(await alert(res)).toContain("Choose a starting point");
    nothingOf("alice", "nothing");
    // No CSRF token: refused before anything is read into a Space.
    res = await post("/new", { owner: "alice", name: "forged", visibility: "public", template: "blank" }, { csrf: false });
    expect(res.status).toBe(403);
    nothingOf("alice", "forged");
    // Anonymous: sent to sign in.
    expect((await fetch(`${host.base}/new`, { redirect: "manual" })).headers.get("location")).toBe("/login?next=/new");
    res = await post("/new", { owner: "alice", name: "anon", visibility: "public", template: "blank" }, { session: null });
    expect([res.status, res.headers.get("location")]).toEqual([303, "/login?next=%2Fnew"]);
    nothingOf("alice", "anon");

    // Duplicate: a stranger's private Space is not there; an existing name, a bad one, no token.
    res = await post("/spaces/bob/hidden/duplicate", { name: "peek", visibility: "public" });
    expect(res.status).toBe(404);
    nothingOf("alice", "peek");
    res = await post("/spaces/bob/echo/duplicate", { name: "echo-copy", visibility: "public" });
    expect(res.status).toBe(409);
    expect(await alert(res)).toBe("The Space alice/echo-copy already exists: choose another name.");
    res = await post("/spaces/bob/echo/duplicate", { name: "a/b", visibility: "public" });
    expect(res.status).toBe(400);
    res = await post("/spaces/bob/echo/duplicate", { name: "forged", visibility: "public" }, { csrf: false });
    expect(res.status).toBe(403);
    nothingOf("alice", "forged");
    const hub = (space: string, body: unknown, token: string | null = aliceToken) =>
      fetch(`${host.base}/api/spaces/${space}/duplicate`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    res = await hub("bob/hidden", { repository: "alice/peek" });
    expect([res.status, res.headers.get("x-error-code")]).toEqual([404, "RepoNotFound"]);
    res = await hub("bob/echo", { repository: "alice/anon" }, null);
    expect(res.status).toBe(401);
    res = await hub("bob/echo", { repository: "bob/mine" });
    expect(res.status).toBe(403);
    res = await hub("bob/echo", { repository: "alice/bad-env", variables: [{ key: "1x", value: "v" }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("Invalid variable name");
    for (const name of ["peek", "anon", "bad-env"]) nothingOf("alice", name);
    nothingOf("bob", "mine");
    expect({
      spaces: accounts.spaces().length,
      repos: readdirSync(join(dataDir, "repos")).map((o) => readdirSync(join(dataDir, "repos", o))),
    }).toEqual(before);
  }, 120_000);

  test("the Duplicate page is axe-clean, and the front page points signed-in users at /new", async () => {
    const home = await (await fetch(`${host.base}/`, { headers: { cookie: alice.cookie } })).text();
    expect(home).toContain('href="/new"');
    expect(await (await fetch(`${host.base}/`)).text()).not.toContain('href="/new"');
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const [name, value] = [alice.cookie.slice(0, alice.cookie.indexOf("=")), alice.cookie.slice(alice.cookie.indexOf("=") + 1)];
      await context.addCookies([{ name, value, url: host.base }]);
      const page = await context.newPage();
      await page.goto(`${host.base}/spaces/bob/echo/duplicate`);
      expect(await page.getByLabel("New Space name").inputValue()).toBe("echo");
      expect(await axeViolations(page)).toEqual([]);
      // A refused post comes back as the form with its message.
      await page.getByLabel("New Space name").fill("echo-copy");
      await page.getByRole("button", { name: "Duplicate Space" }).click();
      expect(await page.getByRole("alert").textContent()).toContain("already exists");
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

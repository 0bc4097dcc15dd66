/** The Space host's git side with the real `git` and `git-lfs` clients, each test run with its own HOME. */
import { serve } from "@hono/node-server";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { createHostApp, type HostApp } from "../../../host/app.ts";
import { installedModules, installKey } from "../../../host/build/install.ts";
import { objectPath } from "../../../host/repo/lfs-store.ts";
import type { SpaceRuntime } from "../../../host/spaces/runtime.ts";
import { hasChromium, launchBrowser } from "../../browser.ts";
import { onlyTheHostReaches, resolveLocalhostSubdomains, root } from "../../helpers.ts";
import { copySpace, gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

describe.skipIf(!gitLfsPresent("Space host git tests"))("git push and clone through the Space host", () => {
  let temp: string;
  let base: string;
  let accounts: Accounts;
  let token: string;
  let server: ReturnType<typeof serve>;
  const receivePacks: (string | null)[] = []; // transfer-encoding of each push body
  let runtimes: Map<string, SpaceRuntime>;
  let host: HostApp;
  let quick: Awaited<ReturnType<typeof inProcessHost>> & { remote: (space: string) => string };
  let spaceDir: string; // the working copy of alice/fashion, reused by the later pushes
  let gitTools: Awaited<ReturnType<typeof gitUser>>;
  // git with this test's own HOME and config only: never the machine's (Debian's git-lfs turns LFS on in /etc/gitconfig).
  const git = (cwd: string, ...args: string[]) => gitTools.git(cwd, ...args);
  const gitFails = (cwd: string, ...args: string[]) => gitTools.fails(cwd, ...args);

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-git-"));
    const dataDir = join(temp, "data");
    accounts = new Accounts(dataDir);
    token = accounts.createToken("alice");
    accounts.createToken("bob");
    // Short drain and backoff so the tests do not sleep; the timings themselves are the lifecycle's.
    const app = createHostApp({
      dataDir,
      accounts,
      selfUrl: () => base,
      readyTimeoutMs: 15_000,
      drainMs: 1000,
      crashBackoffMs: 300,
      stopGraceMs: 3000,
    });
    host = app;
    runtimes = app.runtimes;
    // This repository's own dependencies stand in for the Space's `npm ci --omit=dev` (same
    // package-lock.json), so no test waits on a cold install; the tiny Spaces still run npm ci.
    const modules = installedModules(join(dataDir, "cache"), "alice", installKey(readFileSync(join(root, "package-lock.json"))));
    mkdirSync(join(modules, ".."), { recursive: true });
    symlinkSync(join(root, "node_modules"), modules, "dir");
    // The host proxies to apps on Node's sockets: the request's bindings go along.
    const fetch = (req: Request, env: unknown) => {
      if (req.method === "POST" && req.url.endsWith("/git-receive-pack")) receivePacks.push(req.headers.get("transfer-encoding"));
      return app.fetch(req, env);
    };
    server = serve({ fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A second host, quick to give up and to sleep: Spaces sleep after 1.5 s without requests,
    // and an app has 3 s to answer /config.
    const quickData = join(temp, "quick-data");
    const quickToken = new Accounts(quickData).createToken("alice");
    const quickHost = await inProcessHost({ dataDir: quickData, sleepAfterMs: 1500, readyTimeoutMs: 3000, stopGraceMs: 3000 });
    quick = { ...quickHost, remote: (space) => remoteUrl(quickHost.base, space, "alice", quickToken) };
    gitTools = await gitUser(temp);
  });
  afterAll(async () => {
    await host.spaces.shutdown();
    await quick?.close();
    server.close();
    if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
  });

  const remote = (space: string, user?: string, secret?: string) => remoteUrl(base, space, user, secret);

  /** A working copy of this repository's Space: app.ts, model.onnx (through LFS), examples, the framework. */
  async function spaceRepo(): Promise<string> {
    const dir = copySpace(temp);
    await git(dir, "init", "--quiet");
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "A Space");
    return dir;
  }

  test("push creates the Space, model.onnx travels through LFS, and a clone gets the same bytes", async () => {
    const dir = await spaceRepo();
    spaceDir = dir;
    // The Space's own .gitattributes makes model.onnx an LFS pointer in the commit.
    const size = statSync(join(root, "model.onnx")).size;
    expect((await git(dir, "show", "HEAD:model.onnx")).stdout).toMatch(
      new RegExp(`^version https://git-lfs\\.github\\.com/spec/v1\noid sha256:[0-9a-f]{64}\nsize ${size}\n$`),
    );
    const started = performance.now();
    const pushed = await git(dir, "push", remote("alice/fashion", "alice", token), "main");
    console.log(`push → serving (seeded install): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(pushed.stderr).toMatch(/main -> main/);
    // The build log streams back to the pusher as remote: lines, ending with the share URL.
    expect(pushed.stderr).toMatch(/remote: Building revision [0-9a-f]{12}/);
    expect(pushed.stderr).toMatch(/remote: Space card: Fashion-MNIST Classifier 👟 sdk=docker app_port=7860/);
    expect(pushed.stderr).toContain(`remote: Your Space is live: ${base}/spaces/alice/fashion`);
    // Bundled once at build (in its sandbox), the app starts with node: no TypeScript compiled at start.
    expect(pushed.stderr).toMatch(/remote: Bundled app\.ts and src\/classifier\/worker\.ts with esbuild in \d+ ms/);
    expect(pushed.stderr).toMatch(/remote: Starting: node \.space\/app\/app\.mjs/);
    const origin = `http://alice-fashion.spaces.localhost:${new URL(base).port}`;
    expect(pushed.stderr).toContain(`remote: Its app, on its own origin: ${origin}/`);
    // The official client, on the app's own origin and on the host's path form.
    const { Client } = await import("@gradio/client");
    resolveLocalhostSubdomains();
    for (const url of [`${origin}/`, `${base}/spaces/alice/fashion/app/`]) {
      const client = await Client.connect(url);
      const result = await client.predict("/predict", [readFileSync(join(root, "examples", "bag.png"))]);
      expect((result.data as [{ label: string }])[0].label, url).toBe("Bag");
      client.close();
    }
    expect(runtimes.get("alice/fashion")!.toJSON()).toMatchObject({ stage: "RUNNING" });
    // Started by the host, the app is reached only through it: a socket into its sandbox (or, in dev mode, the loopback only).
    expect(onlyTheHostReaches(runtimes.get("alice/fashion")!.address!)).toBe(true);
    const oid = (await git(dir, "lfs", "ls-files", "--long")).stdout.match(/^([0-9a-f]{64}) \* model\.onnx$/m)?.[1];
    expect(oid).toBeDefined();
    expect(readFileSync(objectPath(join(temp, "data", "lfs", "alice", "fashion"), oid!))).toEqual(readFileSync(join(root, "model.onnx")));

    const clone = join(temp, "clone-public");
    await git(temp, "clone", "--quiet", remote("alice/fashion"), clone); // anonymous: the Space is public
    expect(readFileSync(join(clone, "model.onnx")).equals(readFileSync(join(root, "model.onnx")))).toBe(true);
    expect(readFileSync(join(clone, "app.ts"), "utf8")).toBe(readFileSync(join(root, "app.ts"), "utf8"));
  });

  test.skipIf(!hasChromium)("the Space page: card header, live status, the app in an iframe, logs that follow, files", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/spaces/alice/fashion`);
      await expect.poll(() => page.locator("h1").textContent()).toBe("Fashion-MNIST Classifier");
      expect(await page.locator("header").textContent()).toContain("👟");
      await expect.poll(() => page.locator("#stage").textContent(), { timeout: 5000 }).toBe("Running");
      const app = page.frameLocator("iframe");
      await expect.poll(() => app.locator("h1").textContent(), { timeout: 10000 }).toBe("Fashion-MNIST classifier");
      await page.getByRole("button", { name: "Logs" }).click();
      await expect.poll(() => page.locator("#log").textContent(), { timeout: 5000 }).toMatch(/Building revision[\s\S]*Running revision/);
      await page.getByRole("button", { name: "Container" }).click();
      await expect.poll(() => page.locator("#log").textContent(), { timeout: 5000 }).toContain("Running on local URL");
      await page.getByRole("button", { name: "Files" }).click();
      await expect.poll(() => page.locator("#tree").textContent(), { timeout: 5000 }).toContain("model.onnx");
      expect(await page.locator("#tree").textContent()).toContain("app.ts");
      const origin = `http://alice-fashion.spaces.localhost:${new URL(base).port}`;
      expect(await page.locator("iframe").getAttribute("src")).toBe(`${origin}/`); // anonymous: no pass
      expect(await page.getByRole("link", { name: "Use via API" }).getAttribute("href")).toBe(`${origin}/?view=api`);
      expect(await page.locator("#drift").isHidden()).toBe(true); // the monitor is the owner's
      // The owner sees the drift state, linking to the monitor.
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${token}` });
      await page.reload();
      await expect.poll(() => page.locator("#drift").textContent(), { timeout: 5000 }).toBe("No drift");
      expect(await page.locator("#drift").getAttribute("href")).toBe("/spaces/alice/fashion/app/monitor");
    } finally {
      await browser.close();
    }
  });

  test.skipIf(!hasChromium)("a JS page on another origin calls the Space on its app's origin and on the path form", async () => {
    // The README's fetch("…/api/predict") page, served from an origin of its own.
    const other = serve({
      fetch: () => new Response("<!doctype html><title>elsewhere</title>", { headers: { "content-type": "text/html" } }),
      port: 0,
      hostname: "127.0.0.1",
    });
    await new Promise((r) => other.once("listening", r));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const dataUrl = `data:image/png;base64,${readFileSync(join(root, "examples", "bag.png")).toString("base64")}`;
      for (const app of [`http://alice-fashion.spaces.localhost:${new URL(base).port}`, `${base}/spaces/alice/fashion/app`]) {
        const label = await page.evaluate(
          async ([url, image]) => {
            const res = await fetch(`${url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [image] }) });
            return (await res.json()).data[0].label as string;
          },
          [app, dataUrl] as const,
        );
        expect(label, app).toBe("Bag");
      }
    } finally {
      await browser.close();
      other.close();
    }
  });

  test("the Space's monitor is its owner's: counted per revision, 404 to everyone else", async () => {
    const app = `${base}/spaces/alice/fashion/app`;
    await fetch(`${app}/api/predict`, {
      method: "POST",
      body: JSON.stringify({ data: [`data:image/png;base64,${readFileSync(join(root, "examples", "bag.png")).toString("base64")}`] }),
    });
    const sha = runtimes.get("alice/fashion")!.sha!.slice(0, 12);
    const owner = await fetch(`${app}/gradio_api/monitor`, { headers: { authorization: `Bearer ${token}` } });
    expect(owner.status).toBe(200);
    const report = await owner.json();
    expect(report.revisions.find((r: { revision: string }) => r.revision === sha).requests).toBeGreaterThanOrEqual(1);
    for (const headers of [{}, { authorization: `Bearer ${accounts.createToken("bob")}` }, { "x-space-user": "alice" }] as Record<
      string,
      string
    >[]) {
      for (const path of ["/gradio_api/monitor", "/monitor", "/monitor/", "/gradio_api/monitor?minutes=5"])
        expect((await fetch(`${app}${path}`, { headers })).status, path).toBe(404);
    }
  });

  test("a one-line change serves within seconds, and a client calling throughout sees no failure", async () => {
    const { Client } = await import("@gradio/client");
    const app = `${base}/spaces/alice/fashion/app`;
    const client = await Client.connect(`${app}/`);
    const image = readFileSync(join(root, "examples", "sneaker.png"));
    let calls = 0;
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await client.predict("/predict", [image]).then(
          (r: { data: unknown }) => {
            if ((r.data as [{ label: string }])[0].label !== "Sneaker") failures.push(JSON.stringify(r.data));
          },
          (e: Error) => failures.push(e.message),
        );
        await fetch(`${app}/api/predict`, {
          method: "POST",
          body: JSON.stringify({ data: [`data:image/png;base64,${image.toString("base64")}`] }),
        }).then(
          (r) => (r.ok ? undefined : failures.push(`HTTP ${r.status}`)),
          (e: Error) => failures.push(e.message),
        );
        calls++;
      }
    })();
    const appTs = join(spaceDir, "app.ts");
    writeFileSync(appTs, readFileSync(appTs, "utf8").replace('title: "Fashion-MNIST classifier"', 'title: "Fashion classifier, take 2"'));
    await git(spaceDir, "commit", "--quiet", "-am", "New title");
    const started = performance.now();
    const pushed = await git(spaceDir, "push", remote("alice/fashion", "alice", token), "main");
    const seconds = (performance.now() - started) / 1000;
    console.log(`push → serving (warm cache, one-line change): ${seconds.toFixed(1)} s`);
    expect(pushed.stderr).toMatch(/remote: Reusing dependencies installed for this package-lock\.json/);
    expect(pushed.stderr).toContain("remote: Your Space is live");
    expect((await (await fetch(`${app}/config`)).json()).title).toBe("Fashion classifier, take 2");
    await new Promise((r) => setTimeout(r, 1500)); // past the old revision's drain period
    polling = false;
    await poller;
    client.close();
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(10);
  });

  test("a broken app leaves the previous revision serving, and the stage and logs say why", async () => {
    const appTs = join(spaceDir, "app.ts");
    const good = readFileSync(appTs, "utf8");
    writeFileSync(appTs, `throw new Error("broken on purpose");\n${good}`);
    await git(spaceDir, "commit", "--quiet", "-am", "Break it");
    const pushed = await git(spaceDir, "push", remote("alice/fashion", "alice", token), "main");
    expect(pushed.stderr).toMatch(/remote: .*broken on purpose/);
    expect(pushed.stderr).toMatch(
      /remote: Deploy failed: the app exited \(code 1\) before answering \/config \(still serving [0-9a-f]{12}\)/,
    );
    const runtime = await (await fetch(`${base}/api/spaces/alice/fashion/runtime`)).json();
    expect(runtime).toMatchObject({ stage: "RUNNING", errorMessage: "the app exited (code 1) before answering /config" });
    expect((await (await fetch(`${base}/spaces/alice/fashion/app/config`)).json()).title).toBe("Fashion classifier, take 2");
    // The build log, as Hugging Face serves it (SSE of {data, timestamp}), says why.
    const controller = new AbortController();
    const res = await fetch(`${base}/api/spaces/alice/fashion/logs/build`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("Start failed")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const first = JSON.parse(text.split("\n\n")[0]!.replace(/^data: /, ""));
    expect(first).toEqual({ data: expect.stringMatching(/^Building revision/), timestamp: expect.any(String) });
    expect(text).toContain("broken on purpose");
    writeFileSync(appTs, good);
    await git(spaceDir, "commit", "--quiet", "-am", "Mend it");
  });

  /** The two files the host wants at the top of a Space (no lockfile: these never run). */
  const spaceFiles = (dir: string) => {
    writeFileSync(join(dir, "README.md"), "---\ntitle: files\n---\n");
    writeFileSync(join(dir, "package.json"), "{}");
  };

  /** A tiny Space (no dependencies; it answers with what it was given), pushed to `url`. */
  async function tinySpace(name: string, url = remote(`alice/${name}`, "alice", token)): Promise<string> {
    const dir = await tinySpaceRepo(git, temp, name);
    await git(dir, "push", "--quiet", url, "main");
    return dir;
  }

  test("variables and secrets reach the app (and nothing of the host's), restart it, and secrets are never shown", async () => {
    process.env.HOST_ONLY_SECRET = "the host's own"; // must not leak into apps
    await tinySpace("envy");
    const config = async () => (await fetch(`${base}/spaces/alice/envy/app/config`)).json();
    expect(await config()).toMatchObject({ greeting: null, hasKey: false, hostSecret: null });
    const set = (kind: string, key: string, value: string, who = token) =>
      fetch(`${base}/api/spaces/alice/envy/${kind}`, {
        method: "POST",
        headers: { authorization: `Bearer ${who}` },
        body: JSON.stringify({ key, value }),
      });
    // The Hub's shapes (huggingface_hub's add_space_variable / add_space_secret); each change restarts the app.
    expect(await (await set("variables", "GREETING", "hello")).json()).toEqual({
      GREETING: { value: "hello", updatedAt: expect.any(String) },
    });
    expect(await config()).toMatchObject({ greeting: "hello", hasKey: false, hostSecret: null });
    expect((await set("secrets", "API_KEY", "s3cret")).status).toBe(200);
    expect(await config()).toMatchObject({ greeting: "hello", hasKey: true, hostSecret: null });
    const list = async (kind: string) =>
      (await fetch(`${base}/api/spaces/alice/envy/${kind}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(await list("variables")).toEqual({ GREETING: { value: "hello", updatedAt: expect.any(String) } });
    const secrets = await list("secrets");
    expect(secrets).toEqual({ API_KEY: { updatedAt: expect.any(String) } }); // names only
    expect(JSON.stringify(secrets)).not.toContain("s3cret");
    expect((await set("secrets", "API_KEY", "x", accounts.createToken("bob"))).status).toBe(403);
    expect((await fetch(`${base}/api/spaces/alice/envy/variables`)).status).toBe(401);
    delete process.env.HOST_ONLY_SECRET;
  });

  test("a crashed app restarts with backoff; crashing again and again is a RUNTIME_ERROR with its last logs", async () => {
    await tinySpace("crashy");
    const app = `${base}/spaces/alice/crashy/app`;
    const runtime = async () => (await fetch(`${base}/api/spaces/alice/crashy/runtime`)).json();
    const waitFor = async (check: (r: { stage: string }) => boolean) => {
      for (let i = 0; i < 100 && !check(await runtime()); i++) await new Promise((r) => setTimeout(r, 100));
      return runtime();
    };
    await fetch(`${app}/crash`);
    expect((await waitFor((r) => r.stage === "APP_STARTING")).stage).toBe("APP_STARTING");
    const down = await fetch(`${app}/config`);
    expect(down.status).toBe(503); // an API client gets JSON and a Retry-After, never an HTML splash
    expect(down.headers.get("retry-after")).toBe("5");
    expect(await down.json()).toMatchObject({ stage: "APP_STARTING" });
    expect((await waitFor((r) => r.stage === "RUNNING")).stage).toBe("RUNNING"); // back after 1 s
    await fetch(`${app}/crash`);
    expect((await waitFor((r) => r.stage === "APP_STARTING")).stage).toBe("APP_STARTING");
    expect((await waitFor((r) => r.stage === "RUNNING")).stage).toBe("RUNNING"); // back after 2 s
    await fetch(`${app}/crash`);
    const failed = await waitFor((r) => r.stage === "RUNTIME_ERROR");
    expect(failed).toMatchObject({
      stage: "RUNTIME_ERROR",
      errorMessage: expect.stringMatching(/^the app exited \(code 3\); it crashed 3 times within a minute\. Last log lines:/),
    });
  });

  test("a Space that never answers, or cannot be installed, is a RUNTIME_ERROR or BUILD_ERROR that says why", async () => {
    // One whose app never listens, and one without a lockfile.
    const silent = mkdtempSync(join(temp, "silent2-"));
    writeFileSync(join(silent, "README.md"), "---\ntitle: silent\n---\n");
    writeFileSync(
      join(silent, "package.json"),
      JSON.stringify({ name: "silent2", version: "1.0.0", scripts: { start: 'node -e "setInterval(() => {}, 1000)"' } }),
    );
    writeFileSync(
      join(silent, "package-lock.json"),
      JSON.stringify({
        name: "silent2",
        version: "1.0.0",
        lockfileVersion: 3,
        requires: true,
        packages: { "": { name: "silent2", version: "1.0.0" } },
      }),
    );
    await git(silent, "init", "--quiet");
    await git(silent, "add", ".");
    await git(silent, "commit", "--quiet", "-m", "silent");
    const pushed = await git(silent, "push", quick.remote("alice/silent2"), "main");
    expect(pushed.stderr).toContain("remote: Deploy failed: the app did not answer /config within 3 s");
    expect(await (await fetch(`${quick.base}/api/spaces/alice/silent2/runtime`)).json()).toMatchObject({ stage: "RUNTIME_ERROR" });
    const nolock = mkdtempSync(join(temp, "nolock-"));
    writeFileSync(join(nolock, "package.json"), JSON.stringify({ name: "nolock", version: "1.0.0", scripts: { start: "node x.js" } }));
    writeFileSync(join(nolock, "README.md"), "---\ntitle: nolock\n---\n");
    await git(nolock, "init", "--quiet");
    await git(nolock, "add", ".");
    await git(nolock, "commit", "--quiet", "-m", "nolock");
    const failed = await git(nolock, "push", remote("alice/nolock", "alice", token), "main");
    expect(failed.stderr).toContain("remote: Build failed: The Space has no package-lock.json: run npm install and commit it.");
    expect(await (await fetch(`${base}/api/spaces/alice/nolock/runtime`)).json()).toMatchObject({
      stage: "BUILD_ERROR",
      errorMessage: "The Space has no package-lock.json: run npm install and commit it.",
    });
  });

  test("an idle Space sleeps; a browser is told it is waking, an API client is held until it answers", async () => {
    const { base: sleepyBase, app: sleepyApp, remote: quickRemote } = quick;
    {
      await tinySpace("sleepy", quickRemote("alice/sleepy"));
      const app = `${sleepyBase}/spaces/alice/sleepy/app`;
      expect((await fetch(`${app}/config`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2500));
      expect(sleepyApp.runtimes.get("alice/sleepy")!.stage).toBe("SLEEPING");
      const page = await fetch(`${app}/`, { headers: { accept: "text/html,application/xhtml+xml" } });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("alice/sleepy is waking up");
      const started = performance.now();
      const held = await fetch(`${app}/config`); // held while it wakes, then answered
      console.log(`wake from sleep: ${(performance.now() - started).toFixed(0)} ms`);
      expect(held.status).toBe(200);
      expect(await held.json()).toMatchObject({ greeting: null });
      expect(sleepyApp.runtimes.get("alice/sleepy")!.stage).toBe("RUNNING");
    }
  });

  test("a push over 1 MiB arrives chunked, and a 12 MB plain binary file is accepted", async () => {
    const dir = mkdtempSync(join(temp, "big-"));
    await git(dir, "init", "--quiet");
    writeFileSync(join(dir, "weights.dat"), randomBytes(12 * 1024 * 1024)); // not an LFS pattern: a plain blob
    spaceFiles(dir);
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "big");
    receivePacks.length = 0;
    await git(dir, "push", "--quiet", remote("alice/big", "alice", token), "main");
    expect(receivePacks).toContain("chunked"); // streamed to http-backend, never buffered
    const clone = join(temp, "clone-big");
    await git(temp, "clone", "--quiet", remote("alice/big"), clone);
    expect(readFileSync(join(clone, "weights.dat")).equals(readFileSync(join(dir, "weights.dat")))).toBe(true);
  });

  test("pushing without a token, with a wrong one, or to someone else's Space is refused", async () => {
    const dir = mkdtempSync(join(temp, "refused-"));
    await git(dir, "init", "--quiet");
    spaceFiles(dir);
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "a");
    expect(await gitFails(dir, "push", remote("alice/refused"), "main")).toMatch(/401|Authentication failed|could not read Username/);
    expect(await gitFails(dir, "push", remote("alice/refused", "alice", "hf_wrong"), "main")).toMatch(/401|Authentication failed/);
    const bobToken = accounts.createToken("bob");
    expect(await gitFails(dir, "push", remote("alice/fashion", "bob", bobToken), "main")).toMatch(/403/);
    const res = await fetch(`${base}/spaces/alice/refused/info/refs?service=git-receive-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="Spaces"');
  });

  test("bad names are refused before they reach the disk", async () => {
    for (const bad of ["..", ".hidden", "a..b", "evil%2F..%2Fx", "name%5Cx", "x.git.git", "a%20b"]) {
      const res = await fetch(`${base}/spaces/alice/${bad}/info/refs?service=git-upload-pack`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status, bad).toBeGreaterThanOrEqual(400);
      expect(res.status, bad).toBeLessThan(500);
    }
    expect(existsSync(join(temp, "data", "repos", "alice", "...git"))).toBe(false);
  });

  test("a private Space cannot be cloned without its owner's token", async () => {
    accounts.createSpace("alice", "secret-space", { private: true });
    const dir = mkdtempSync(join(temp, "private-"));
    await git(dir, "init", "--quiet");
    spaceFiles(dir);
    writeFileSync(join(dir, "README.md"), "private");
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "p");
    await git(dir, "push", "--quiet", remote("alice/secret-space", "alice", token), "main");
    expect(await gitFails(temp, "clone", remote("alice/secret-space"), join(temp, "nope"))).toMatch(
      /401|Authentication failed|could not read Username/,
    );
    await git(temp, "clone", "--quiet", remote("alice/secret-space", "alice", token), join(temp, "yes"));
    expect(readFileSync(join(temp, "yes", "README.md"), "utf8")).toBe("private");
    // Its page, runtime and app are as closed as its repository.
    for (const path of ["/spaces/alice/secret-space", "/api/spaces/alice/secret-space/runtime", "/spaces/alice/secret-space/app/config"]) {
      expect((await fetch(`${base}${path}`)).status, path).toBeGreaterThanOrEqual(401);
      expect((await fetch(`${base}${path}`)).status, path).toBeLessThanOrEqual(404);
    }
    expect((await fetch(`${base}/spaces/alice/secret-space`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

/**
 * The Space host's Hub API with the official, unmodified `@huggingface/hub` client (pinned in
 * package.json): a new user creates this repository's Space, uploads it (model.onnx through
 * LFS), waits for it, calls it, lists and downloads its files, commits a change, configures and
 * pauses a Space, deletes one — and every refusal comes back as the client's own error.
 */
import { serve } from "@hono/node-server";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as hub from "@huggingface/hub";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { appStatus } from "../../../host/apps/address.ts";
import { createHostApp, type HostApp } from "../../../host/app.ts";
import { installedModules, installKey } from "../../../host/build/install.ts";
import { lfsPointer } from "../../../host/repo/rules.ts";
import { spacePaths } from "../../../host/paths.ts";
import { root, waitFor } from "../../helpers.ts";
import { filesForUpload, gitLfsPresent, gitUser, inProcessHost, SPACE_FILES, tinySpaceRepo } from "../harness.ts";

describe.skipIf(!gitLfsPresent("Space host Hub API tests"))("the Hub API, with the official @huggingface/hub client", () => {
  let temp: string;
  let dataDir: string;
  let base: string;
  let host: HostApp;
  let server: ReturnType<typeof serve>;
  let accounts: Accounts;
  let carol: string; // a new user's token
  let bob: string;
  const requests: string[] = []; // "METHOD /path" of every request the host got
  let gitTools: Awaited<ReturnType<typeof gitUser>>;
  const space = { type: "space" as const, name: "carol/fashion" };
  // The client's types want a token for writes; without one it simply sends none, which is what the 401 cases need.
  const as = (accessToken: string | undefined) =>
    ({ hubUrl: base, ...(accessToken ? { accessToken } : {}) }) as { hubUrl: string; accessToken: string };
  const head = (id: string) =>
    execFileSync(
      "git",
      ["--git-dir", spacePaths(dataDir, ...(id.split("/") as [string, string])).repo, "rev-parse", "--verify", "-q", "main"],
      { encoding: "utf8" },
    ).trim();
  const headOrNone = (id: string) => {
    try {
      return head(id);
    } catch {
      return "none";
    }
  };
  /** Polls spaceInfo until the runtime is RUNNING at `sha` (any revision when undefined). */
  const running = async (name: string, token: string, sha?: string, ms = 120_000) => {
    let last: unknown;
    await waitFor(
      async () => {
        const info = await hub.spaceInfo({ name, additionalFields: ["runtime", "sha"], ...as(token) });
        last = info.runtime;
        return info.runtime?.stage === "RUNNING" && (!sha || (info.runtime as { sha?: string }).sha === sha);
      },
      { timeout: ms, what: `${name} running${sha ? ` ${sha}` : ""}` },
    ).catch(() => {
      throw new Error(`${name} did not run${sha ? ` ${sha}` : ""}: ${JSON.stringify(last)}`);
    });
  };

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-hub-"));
    dataDir = join(temp, "data");
    accounts = new Accounts(dataDir);
    carol = accounts.createToken("carol");
    bob = accounts.createToken("bob");
    host = createHostApp({ dataDir, accounts, selfUrl: () => base, readyTimeoutMs: 30_000, drainMs: 500, stopGraceMs: 3000 });
    // This repository's dependencies stand in for the Space's install (same package-lock.json), as in git.test.ts.
    const modules = installedModules(join(dataDir, "cache"), "carol", installKey(readFileSync(join(root, "package-lock.json"))));
    mkdirSync(join(modules, ".."), { recursive: true });
    symlinkSync(join(root, "node_modules"), modules, "dir");
    server = serve({
      // The host proxies to apps on Node's sockets: the request's bindings go along.
      fetch: (req: Request, env: unknown) => {
        requests.push(`${req.method} ${new URL(req.url).pathname}`);
        return host.fetch(req, env);
      },
      port: 0,
      hostname: "127.0.0.1",
    });
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gitTools = await gitUser(temp);
  });
  afterAll(async () => {
    await host?.spaces.shutdown();
    server?.close();
    if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
  });

  test("a new user creates the Space, uploads it with uploadFilesWithProgress (model.onnx through LFS), and it serves", {
    timeout: 180_000,
  }, async () => {
    expect(await hub.whoAmI(as(carol))).toMatchObject({ type: "user", name: "carol" });
    const created = await hub.createRepo({ repo: space, sdk: "docker", ...as(carol) });
    expect(created.repoUrl).toBe(`${base}/spaces/carol/fashion`);
    expect(await hub.repoExists({ repo: space, ...as(carol) })).toBe(true);

    const files = filesForUpload(root, SPACE_FILES);
    const started = performance.now();
    const phases: string[] = [];
    const uploads = hub.uploadFilesWithProgress({ repo: space, files, commitTitle: "The Space, from a script", ...as(carol) });
    let result = await uploads.next();
    for (; !result.done; result = await uploads.next()) if (result.value.event === "phase") phases.push(result.value.phase);
    expect(phases).toEqual(["preuploading", "uploadingLargeFiles", "committing"]);
    const sha = result.value!.commit.oid;
    expect(sha).toBe(head("carol/fashion"));
    await running("carol/fashion", carol, sha);
    console.log(
      `uploadFilesWithProgress → RUNNING (seeded install, ${files.length} files): ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // model.onnx went through LFS (one PUT of its object, no Xet), and git holds its pointer.
    const model = readFileSync(join(root, "model.onnx"));
    const oid = (await import("node:crypto")).createHash("sha256").update(model).digest("hex");
    expect(requests).toContain(`PUT /spaces/carol/fashion.git/info/lfs/objects/${oid}`);
    expect(requests.some((r) => /xet/i.test(r))).toBe(false);
    const repo = spacePaths(dataDir, "carol", "fashion").repo;
    expect(execFileSync("git", ["--git-dir", repo, "cat-file", "blob", "main:model.onnx"], { encoding: "utf8" })).toBe(
      lfsPointer(oid, model.length),
    );
    // Small text files are plain blobs.
    expect(execFileSync("git", ["--git-dir", repo, "cat-file", "blob", "main:app.ts"], { encoding: "utf8" })).toBe(
      readFileSync(join(root, "app.ts"), "utf8"),
    );

    const info = await hub.spaceInfo({ name: "carol/fashion", additionalFields: ["author", "runtime", "cardData"], ...as(carol) });
    expect(info).toMatchObject({ name: "carol/fashion", author: "carol", private: false, sdk: "docker", runtime: { stage: "RUNNING" } });
    expect(info.updatedAt.getTime()).toBeGreaterThan(Date.now() - 300_000);

    const { Client } = await import("@gradio/client");
    const client = await Client.connect(`${base}/spaces/carol/fashion/app/`);
    const predicted = await client.predict("/predict", [readFileSync(join(root, "examples", "bag.png"))]);
    expect((predicted.data as [{ label: string }])[0].label).toBe("Bag");
    client.close();
  });

  test("listFiles, fileExists, downloadFile (the model byte for byte), listCommits, listSpaces", async () => {
    const listed = new Map<string, hub.ListFileEntry>();
    for await (const entry of hub.listFiles({ repo: space, recursive: true, ...as(carol) })) listed.set(entry.path, entry);
    const model = readFileSync(join(root, "model.onnx"));
    expect(listed.get("model.onnx")).toMatchObject({ type: "file", size: model.length, lfs: { size: model.length } });
    expect(listed.get("examples")).toMatchObject({ type: "directory" });
    expect(listed.get("app.ts")).toMatchObject({ type: "file", size: statSync(join(root, "app.ts")).size });
    expect([...listed.values()].filter((e) => e.type === "file").length).toBe(filesForUpload(root, SPACE_FILES).length);
    const top: string[] = [];
    for await (const entry of hub.listFiles({ repo: space, ...as(undefined) })) top.push(entry.path);
    expect(top).toContain("src");
    expect(top).not.toContain("src/app.ts");

    expect(await hub.fileExists({ repo: space, path: "app.ts", ...as(undefined) })).toBe(true);
    expect(await hub.fileExists({ repo: space, path: "nope.ts", ...as(undefined) })).toBe(false);
    const blob = await hub.downloadFile({ repo: space, path: "model.onnx", ...as(undefined) });
    expect(Buffer.from(await blob!.arrayBuffer()).equals(model)).toBe(true);
    const pointer = await hub.downloadFile({ repo: space, path: "model.onnx", raw: true, ...as(undefined) });
    expect(await pointer!.text()).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize \d+\n$/);
    expect(await (await hub.downloadFile({ repo: space, path: "README.md", ...as(undefined) }))!.text()).toBe(
      readFileSync(join(root, "README.md"), "utf8"),
    );
    expect(await hub.downloadFile({ repo: space, path: "missing.txt", ...as(undefined) })).toBeNull();

    const commits = [];
    for await (const commit of hub.listCommits({ repo: space, ...as(undefined) })) commits.push(commit);
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({ oid: head("carol/fashion"), title: "The Space, from a script", authors: [{ username: "carol" }] });

    const spacesOf = async (search: Parameters<typeof hub.listSpaces>[0]) => {
      const found = [];
      for await (const s of hub.listSpaces({ ...search, additionalFields: ["runtime"], hubUrl: base })) found.push(s);
      return found;
    };
    expect(await spacesOf({ search: { owner: "carol" } })).toEqual([
      expect.objectContaining({ name: "carol/fashion", sdk: "docker", runtime: expect.objectContaining({ stage: "RUNNING" }) }),
    ]);
    expect((await spacesOf({ search: { query: "fash" } })).map((s) => s.name)).toEqual(["carol/fashion"]);
    expect(await spacesOf({ search: { owner: "nobody" } })).toEqual([]);
  });

  test("a one-line commit deploys like a push: new revision served, in the git history, in a clone", { timeout: 120_000 }, async () => {
    const before = head("carol/fashion");
    const appTs = readFileSync(join(root, "app.ts"), "utf8").replace(
      'title: "Fashion-MNIST classifier"',
      'title: "Fashion classifier, by API"',
    );
    const started = performance.now();
    const done = await hub.commit({
      repo: space,
      title: "New title",
      operations: [{ operation: "addOrUpdate", path: "app.ts", content: new Blob([appTs]) }],
      ...as(carol),
    });
    await running("carol/fashion", carol, done!.commit.oid);
    console.log(`commit (one line) → RUNNING (warm cache): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect((await (await fetch(`${base}/spaces/carol/fashion/app/config`)).json()).title).toBe("Fashion classifier, by API");
    // The same build log as a push: dependencies reused for the same package-lock.json.
    const log = host.runtimes.get("carol/fashion")!.buildLog.tail(100).join("\n");
    expect(log).toMatch(
      /Building revision [0-9a-f]{12}[\s\S]*Reusing dependencies installed for this package-lock\.json[\s\S]*Running revision/,
    );

    const clone = join(temp, "clone-fashion");
    await gitTools.git(temp, "clone", "--quiet", `${base}/spaces/carol/fashion`, clone);
    expect(readFileSync(join(clone, "app.ts"), "utf8")).toBe(appTs);
    expect(readFileSync(join(clone, "model.onnx")).equals(readFileSync(join(root, "model.onnx")))).toBe(true); // git-lfs smudged it from the host
    const log2 = (await gitTools.git(clone, "log", "--format=%H %an %s")).stdout.trim().split("\n");
    expect(log2).toEqual([`${done!.commit.oid} carol New title`, `${before} carol The Space, from a script`]);
  });

  test("variables and secrets through the Hub's Space endpoints reach the app; deletions in a commit", { timeout: 90_000 }, async () => {
    const envy = { type: "space" as const, name: "carol/envy" };
    await hub.createRepo({ repo: envy, sdk: "docker", ...as(carol) });
    const dir = await tinySpaceRepo(gitTools.git, temp, "envy");
    const files = filesForUpload(dir, ["package.json", "package-lock.json", "README.md", "server.mjs"]).concat({
      path: "notes/todo.txt",
      content: new Blob(["later\n"]),
    });
    const { commit } = (await hub.uploadFiles({ repo: envy, files, ...as(carol) }))!;
    await running("carol/envy", carol, commit.oid, 60_000);
    const config = async () => (await fetch(`${base}/spaces/carol/envy/app/config`)).json();
    const api = (kind: string, method: string, body?: unknown, token = carol) =>
      fetch(`${base}/api/spaces/carol/envy/${kind}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    // huggingface_hub's add_space_secret / add_space_variable / delete_space_secret bodies.
    expect((await api("secrets", "POST", { key: "API_KEY", value: "s3cret", description: "for the test" })).status).toBe(200);
    expect(await (await api("variables", "POST", { key: "GREETING", value: "hello" })).json()).toEqual({
      GREETING: { value: "hello", updatedAt: expect.any(String) },
    });
    expect(await config()).toMatchObject({ greeting: "hello", hasKey: true });
    const secrets = await (await api("secrets", "GET")).json();
    expect(secrets).toEqual({ API_KEY: { description: "for the test", updatedAt: expect.any(String) } });
    expect(await (await api("secrets", "DELETE", { key: "API_KEY" })).json()).toEqual({});
    expect(await config()).toMatchObject({ greeting: "hello", hasKey: false });
    expect((await api("secrets", "POST", { key: "X", value: "y" }, bob)).status).toBe(403);
    expect((await fetch(`${base}/api/spaces/carol/envy/secrets`, { method: "POST", body: "{}" })).status).toBe(401);

    // A deletion in a commit: the file is gone from the tree and the app keeps running.
    const deleted = await hub.commit({
      repo: envy,
      title: "No notes",
      operations: [{ operation: "delete", path: "notes/todo.txt" }],
      ...as(carol),
    });
    await running("carol/envy", carol, deleted!.commit.oid, 60_000);
    expect(await hub.fileExists({ repo: envy, path: "notes/todo.txt", ...as(carol) })).toBe(false);
    expect(await hub.fileExists({ repo: envy, path: "server.mjs", ...as(carol) })).toBe(true);
  });

  test("refusals are the Hub's, and the client raises HubApiError with the host's message", async () => {
    const fails = async (work: Promise<unknown>) => {
      const err = await work.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(hub.HubApiError);
      return err as hub.HubApiError;
    };
    expect((await fails(hub.whoAmI(as("hf_not_a_token")))).statusCode).toBe(401);
    // A stranger's token: 403; no token: 401.
    const stranger = await fails(hub.uploadFiles({ repo: space, files: [{ path: "x.txt", content: new Blob(["x"]) }], ...as(bob) }));
    expect(stranger.statusCode).toBe(403);
    expect(stranger.message).toContain("Only carol can change carol/fashion");
    expect(
      (await fails(hub.uploadFiles({ repo: space, files: [{ path: "x.txt", content: new Blob(["x"]) }], ...as(undefined) }))).statusCode,
    ).toBe(401);
    expect((await fails(hub.deleteRepo({ repo: space, ...as(bob) }))).statusCode).toBe(403);
    expect((await fails(hub.createRepo({ repo: { type: "space", name: "bob/mine" }, ...as(carol) }))).statusCode).toBe(403);
    const again = await fails(hub.createRepo({ repo: space, sdk: "docker", ...as(carol) }));
    expect(again.statusCode).toBe(409);
    expect((await fails(hub.createRepo({ repo: "carol/a-model", ...as(carol) }))).message).toContain("This host only hosts Spaces");
    // A private Space is not there for others.
    await hub.createRepo({ repo: { type: "space", name: "carol/hidden" }, private: true, sdk: "docker", ...as(carol) });
    expect((await hub.spaceInfo({ name: "carol/hidden", ...as(carol) })).private).toBe(true);
    expect((await fails(hub.spaceInfo({ name: "carol/hidden", ...as(bob) }))).statusCode).toBe(404);
    expect((await fails(hub.spaceInfo({ name: "carol/hidden", ...as(undefined) }))).statusCode).toBe(404);
    expect(await hub.repoExists({ repo: { type: "space", name: "carol/hidden" }, ...as(bob) })).toBe(false);
    const visible: string[] = [];
    for await (const s of hub.listSpaces({ search: { owner: "carol" }, ...as(bob) })) visible.push(s.name);
    expect(visible).not.toContain("carol/hidden");
    // A Space needs README.md and package.json on main, as the pre-receive hook says for pushes.
    const rule = await fails(
      hub.uploadFiles({
        repo: { type: "space", name: "carol/hidden" },
        files: [{ path: "app.ts", content: new Blob(["x"]) }],
        ...as(carol),
      }),
    );
    expect(rule.statusCode).toBe(422);
    expect(rule.message).toContain("a Space needs README.md and package.json");
    expect(headOrNone("carol/hidden")).toBe("none");
    // A path that leaves the repository is refused at preupload already.
    expect(
      (await fails(hub.uploadFiles({ repo: space, files: [{ path: "../evil.txt", content: new Blob(["x"]) }], ...as(carol) }))).statusCode,
    ).toBe(400);
    // A stale parent commit.
    const stale = await fails(
      hub.commit({
        repo: space,
        title: "late",
        parentCommit: "0".repeat(40),
        operations: [{ operation: "addOrUpdate", path: "x.txt", content: new Blob(["x"]) }],
        ...as(carol),
      }),
    );
    expect(stale.statusCode).toBe(412);
  });

  test("bad commits get a clear 4xx and move nothing: malformed NDJSON, an LFS object never uploaded, broken base64, escaping paths", async () => {
    const before = head("carol/fashion");
    const post = (body: string) =>
      fetch(`${base}/api/spaces/carol/fashion/commit/main`, {
        method: "POST",
        headers: { authorization: `Bearer ${carol}`, "content-type": "application/x-ndjson" },
        body,
      });
    const header = JSON.stringify({ key: "header", value: { summary: "bad" } });
    const file = (path: string, content = Buffer.from("x").toString("base64")) =>
      JSON.stringify({ key: "file", value: { path, content, encoding: "base64" } });
    const cases: [string, string, number, RegExp][] = [
      ["malformed NDJSON", `${header}\n{"key": "file", "value": {`, 400, /Line 2 of the commit is not a JSON object/],
      ["no header", file("x.txt"), 400, /must start with a \{"key": "header"/],
      [
        "an LFS object never uploaded",
        `${header}\n${JSON.stringify({ key: "lfsFile", value: { path: "big.bin", algo: "sha256", oid: "a".repeat(64), size: 10 } })}`,
        422,
        /was never uploaded/,
      ],
      ["broken base64", `${header}\n${file("x.txt", "@@not*base64")}`, 400, /not valid base64/],
      ["../", `${header}\n${file("../x.txt")}`, 400, /"\." and "\.\." would leave the repository/],
      ["nested ../", `${header}\n${file("src/../../x.txt")}`, 400, /would leave the repository/],
      ["absolute", `${header}\n${file("/etc/passwd")}`, 400, /not absolute/],
      [".git/", `${header}\n${file(".git/config")}`, 400, /inside \.git/],
      [".GIT in a folder", `${header}\n${file("a/.GIT/hooks/x")}`, 400, /inside \.git/],
      ["backslashes", `${header}\n${file("a\\..\\x.txt")}`, 400, /backslashes/],
      ["a good file, then a bad one", `${header}\n${file("fine.txt")}\n${file("../x.txt")}`, 400, /would leave the repository/],
      ["deleting nothing", `${header}\n${JSON.stringify({ key: "deletedFile", value: { path: "nope.txt" } })}`, 404, /no such file/],
    ];
    for (const [what, body, status, message] of cases) {
      const res = await post(body);
      expect(res.status, what).toBe(status);
      expect((await res.json()).error, what).toMatch(message);
      expect(head("carol/fashion"), what).toBe(before);
    }
    expect(await hub.fileExists({ repo: space, path: "fine.txt", ...as(carol) })).toBe(false);
  });

  test("pause stops the app, a request does not wake it, it stays paused across a host restart; restart brings it back", {
    timeout: 90_000,
  }, async () => {
    const pauseData = join(temp, "pause-data");
    const token = new Accounts(pauseData).createToken("carol");
    let quick = await inProcessHost({ dataDir: pauseData, readyTimeoutMs: 15_000, stopGraceMs: 3000 });
    try {
      const q = { hubUrl: quick.base, accessToken: token };
      const dir = await tinySpaceRepo(gitTools.git, temp, "pausy");
      await hub.createRepo({ repo: { type: "space", name: "carol/pausy" }, sdk: "docker", ...q });
      await hub.uploadFiles({
        repo: { type: "space", name: "carol/pausy" },
        files: filesForUpload(dir, ["package.json", "package-lock.json", "README.md", "server.mjs"]),
        ...q,
      });
      const stage = async () => (await hub.spaceInfo({ name: "carol/pausy", additionalFields: ["runtime"], ...q })).runtime?.stage;
      await waitFor(async () => (await stage()) === "RUNNING", { timeout: 60_000, what: "RUNNING" });
      const control = (what: string) =>
        fetch(`${quick.base}/api/spaces/carol/pausy/${what}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect((await control("pause")).status).toBe(200);
      expect(await stage()).toBe("PAUSED");
      const down = await fetch(`${quick.base}/spaces/carol/pausy/app/config`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ stage: "PAUSED" });
      expect(await stage()).toBe("PAUSED");
      // A new host on the same data: still paused.
      await quick.close();
      quick = await inProcessHost({ dataDir: pauseData, readyTimeoutMs: 15_000, stopGraceMs: 3000 });
      await quick.app.spaces.restore(() => {});
      const again = { hubUrl: quick.base, accessToken: token };
      expect((await hub.spaceInfo({ name: "carol/pausy", additionalFields: ["runtime"], ...again })).runtime?.stage).toBe("PAUSED");
      const restarted = await fetch(`${quick.base}/api/spaces/carol/pausy/restart`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await restarted.json()).toMatchObject({ stage: "RUNNING", hardware: { current: "cpu-basic" } });
      expect((await fetch(`${quick.base}/spaces/carol/pausy/app/config`)).status).toBe(200);
    } finally {
      await quick.close();
    }
  });

  test("deleteRepo stops the app and removes everything of the Space; its URLs answer 404", async () => {
    const rt = host.runtimes.get("carol/fashion")!;
    const address = rt.address!;
    expect(await appStatus(address, "/config")).toBe(200);
    await hub.deleteRepo({ repo: space, ...as(carol) });
    expect(await appStatus(address, "/config")).toBeUndefined();
    const paths = spacePaths(dataDir, "carol", "fashion");
    for (const path of Object.values(paths)) expect(existsSync(path), path).toBe(false);
    for (const path of [
      "/spaces/carol/fashion",
      "/spaces/carol/fashion/app/config",
      "/api/spaces/carol/fashion/runtime",
      "/api/spaces/carol/fashion",
      "/spaces/carol/fashion/resolve/main/app.ts",
      "/api/spaces/carol/fashion/tree/main",
    ]) {
      expect((await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${carol}` } })).status, path).toBe(404);
    }
    expect(await hub.repoExists({ repo: space, ...as(carol) })).toBe(false);
    expect(host.runtimes.has("carol/fashion")).toBe(false);
  });
});

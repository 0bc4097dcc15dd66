/**
 * Bad input to the host: each is refused with a 4xx that says why, nothing half-written stays
 * on disk, and the host keeps serving.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

const LFS = { accept: "application/vnd.git-lfs+json", "content-type": "application/vnd.git-lfs+json" };
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** This process's own children named `comm` (the in-process host spawns git http-backend). */
const children = (comm: string) =>
  readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(safeStat)
    .filter((stat) => stat.includes(`(${comm})`) && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid);
function safeStat(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "";
  }
}

describe.skipIf(!gitLfsPresent("Space host bad-input tests"))("bad input to the host", () => {
  let temp: string;
  let dataDir: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let auth: Record<string, string>;
  let gitTools: Awaited<ReturnType<typeof gitUser>>;
  let token: string;
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-bad-"));
    dataDir = join(temp, "data");
    const accounts = new Accounts(dataDir);
    token = accounts.createToken("alice");
    accounts.createSpace("alice", "demo");
    auth = { authorization: `Basic ${Buffer.from(`alice:${token}`).toString("base64")}` };
    host = await inProcessHost({ dataDir, accounts, maxFileBytes: 1000, stopGraceMs: 2000 });
    gitTools = await gitUser(temp);
  });
  afterAll(async () => {
    await host.close();
    rmSync(temp, { recursive: true, force: true });
  });
  const lfs = (path: string, init: RequestInit = {}) =>
    fetch(`${host.base}/spaces/alice/demo.git/info/lfs/${path}`, { ...init, headers: { ...LFS, ...auth, ...init.headers } });
  const batch = (objects: unknown) =>
    lfs("objects/batch", { method: "POST", body: JSON.stringify({ operation: "upload", transfers: ["basic"], objects }) });
  const objectsOnDisk = () =>
    existsSync(join(dataDir, "lfs"))
      ? readdirSync(join(dataDir, "lfs"), { recursive: true })
          .map(String)
          .filter((p) => /[0-9a-f]{64}/.test(p))
      : [];
  const stillServing = async () => expect((await fetch(`${host.base}/`)).status).toBe(200);

  test("LFS: malformed batch JSON, bad oids, oversized and mismatched objects", async () => {
    const malformed = await lfs("objects/batch", { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ message: "The request body is not valid JSON." });
    expect((await lfs("objects/batch", { method: "POST", body: JSON.stringify({ operation: "delete", objects: [] }) })).status).toBe(422);

    const perObject = (await (
      await batch([
        { oid: "abc", size: 3 },
        { oid: "f".repeat(64), size: 5000 },
        { oid: "A".repeat(64), size: 1 },
      ])
    ).json()) as { objects: { error?: { code: number; message: string } }[] };
    expect(perObject.objects.map((o) => o.error?.code)).toEqual([422, 422, 422]);
    expect(perObject.objects[1]!.error!.message).toBe("5000 bytes is over this host's limit of 1000 bytes per file");

    const bytes = randomBytes(500);
    const wrongOid = sha256(randomBytes(500));
    const mismatch = await lfs(`objects/${wrongOid}`, {
      method: "PUT",
      body: bytes,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(mismatch.status).toBe(422);
    expect((await mismatch.json()).message).toBe(`The uploaded bytes hash to ${sha256(bytes)}, not ${wrongOid}.`);
    const big = randomBytes(4000);
    const tooBig = await lfs(`objects/${sha256(big)}`, {
      method: "PUT",
      body: big,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(tooBig.status).toBe(413);
    const badOid = await lfs("objects/..%2F..%2Faccounts.json", {
      method: "PUT",
      body: bytes,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(badOid.status).toBe(422);
    // A verify for something never stored, and an upload cut off mid-way.
    expect((await lfs("verify", { method: "POST", body: JSON.stringify({ oid: sha256(bytes), size: 500 }) })).status).toBe(404);
    const controller = new AbortController();
    const cut = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, 200));
        setTimeout(() => controller.abort(), 100);
      },
    });
    await lfs(`objects/${sha256(bytes)}`, {
      method: "PUT",
      body: cut,
      headers: { "content-type": "application/octet-stream" },
      signal: controller.signal,
      duplex: "half",
    } as RequestInit).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(objectsOnDisk()).toEqual([]); // neither the wrong bytes, nor the oversized, nor half an upload
    // The right bytes still go in.
    expect(
      (await lfs(`objects/${sha256(bytes)}`, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } }))
        .status,
    ).toBe(200);
    expect(objectsOnDisk()).toHaveLength(1);
    await stillServing();
  });

  test("names with .., encoded dots, slashes or over 96 characters are a 400 or 404 before any lookup", async () => {
    for (const bad of ["..", "%2e%2e", ".%2e", "a%2Fb", "a%5Cb", "x".repeat(97), "%00", "a..b", "-x"]) {
      for (const path of [
        `/spaces/alice/${bad}/info/refs?service=git-upload-pack`,
        `/spaces/${bad}/demo/info/refs?service=git-upload-pack`,
        `/api/spaces/alice/${bad}/runtime`,
        `/spaces/alice/${bad}`,
        `/spaces/alice/${bad}/app/config`,
      ]) {
        const res = await fetch(`${host.base}${path}`, { headers: auth });
        expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
      }
    }
    const named = await fetch(`${host.base}/api/spaces/alice/a..b/runtime`);
    expect(await named.json()).toEqual({
      error: 'Invalid Space name alice/a..b: use letters, digits, "-", "_" and "." (not first, no ".."), at most 96 characters.',
    });
    expect(readdirSync(dataDir).includes("repos") ? readdirSync(join(dataDir, "repos")) : []).not.toContain("..");
    await stillServing();
  });

  test("a push without README.md or package.json is refused before any ref moves", async () => {
    const { git, fails } = gitTools;
    const dir = await tinySpaceRepo(git, temp, "incomplete");
    await git(dir, "rm", "--quiet", "package.json");
    await git(dir, "commit", "--quiet", "-m", "no package.json");
    const refused = await fails(dir, "push", remoteUrl(host.base, "alice/incomplete", "alice", token), "main");
    expect(refused).toContain("remote: Space host: refused: a Space needs package.json at the top of main");
    expect(refused).toMatch(/\[remote rejected\] main -> main \(pre-receive hook declined\)/);
    expect((await git(temp, "ls-remote", remoteUrl(host.base, "alice/incomplete", "alice", token))).stdout).toBe("");
    await stillServing();
  });

  test("a push cut off mid-way moves no ref, leaves no process waiting, and the next push works", async () => {
    const { git } = gitTools;
    const dir = await tinySpaceRepo(git, temp, "cut");
    const url = remoteUrl(host.base, "alice/cut", "alice", token);
    // Half a receive-pack request: the ref update line and a pack that never finishes.
    const controller = new AbortController();
    const sha = (await git(dir, "rev-parse", "HEAD")).stdout.trim();
    const line = `${"0".repeat(40)} ${sha} refs/heads/main\0 report-status\n`;
    const pkt = `${(line.length + 4).toString(16).padStart(4, "0")}${line}0000PACK\0\0\0\x02\0\0\0\x09`;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(pkt));
        setTimeout(() => controller.abort(), 200);
      },
    });
    await fetch(`${host.base}/spaces/alice/cut/git-receive-pack`, {
      method: "POST",
      body,
      signal: controller.signal,
      headers: { ...auth, "content-type": "application/x-git-receive-pack-request" },
      duplex: "half",
    } as RequestInit).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(children("git")).toEqual([]); // http-backend was not left waiting for the rest
    expect((await git(temp, "ls-remote", url)).stdout).toBe("");
    const pushed = await git(dir, "push", url, "main");
    expect(pushed.stderr).toContain("remote: Your Space is live");
    await stillServing();
  });

  test("a deploy keeps only the builds in use, and `spaces gc` frees what no Space uses", async () => {
    const { git } = gitTools;
    const dir = await tinySpaceRepo(git, temp, "tidy");
    const url = remoteUrl(host.base, "alice/tidy", "alice", token);
    await git(dir, "push", "--quiet", url, "main");
    for (const n of [2, 3]) {
      writeFileSync(join(dir, "note.txt"), String(n));
      await git(dir, "add", ".");
      await git(dir, "commit", "--quiet", "-m", `revision ${n}`);
      await git(dir, "push", "--quiet", url, "main");
    }
    const builds = join(dataDir, "builds", "alice", "tidy");
    const rt = host.app.runtimes.get("alice/tidy")!;
    await new Promise((r) => setTimeout(r, 300)); // the clean-up after a deploy runs in the background
    expect(readdirSync(builds).sort()).toEqual([rt.sha, rt.previousSha].sort());
    // An install no lockfile uses any more.
    const stale = join(dataDir, "cache", "installs", "alice", "0123456789abcdef", "node_modules", "left-pad");
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "index.js"), "x".repeat(10_000));
    const anHourAgo = new Date(Date.now() - 3600_000); // (one just put in place stays: its build may be about to link it)
    utimesSync(join(stale, "..", ".."), anHourAgo, anHourAgo);
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "host/cli.ts", "gc"], {
      env: { ...process.env, SPACES_DATA: dataDir },
    });
    expect(stdout).toContain("removed cache/installs/alice/0123456789abcdef");
    expect(stdout).toMatch(/Freed 0\.0 MB \(1 folder\)\./);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(builds).sort()).toEqual([rt.sha, rt.previousSha].sort());
    expect((await fetch(`${host.base}/spaces/alice/tidy/app/config`)).status).toBe(200);
  });
});

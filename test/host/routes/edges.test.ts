/**
 * The host's edges: sign-in returns only to a path on the host, pushes move only main and stay
 * under SPACE_MAX_PUSH_BYTES, and every route that reads a body checks the caller first and
 * caps what it reads — a 1 GB body is answered 4xx at once and never reaches memory.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { safeNext } from "../../../host/pages/sign-in.ts";
import { spacePaths } from "../../../host/paths.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

/** The push cap this host is given: a 1 MiB blob is over it. */
const MAX_PUSH = 200_000;

/** `next` values and where sign-in may send the browser after them. */
const NEXT: [string | undefined, string][] = [
  ["/spaces/alice", "/spaces/alice"],
  ["/spaces/alice/demo?tab=files#top", "/spaces/alice/demo?tab=files#top"],
  ["/spaces/./alice/../alice", "/spaces/alice"],
  [undefined, "/"],
  ["", "/"],
  ["spaces/alice", "/"],
  ["//evil.example", "/"],
  ["///evil.example", "/"],
  ["/\\evil.example", "/"],
  ["\\\\evil.example", "/"],
  ["/\t/evil.example", "/"],
  ["/\n/evil.example", "/"],
  ["/\r\n/evil.example", "/"],
  ["\t//evil.example", "/"],
  [" //evil.example", "/"],
  ["/%09/evil.example", "/"],
  ["/%2F%2Fevil.example", "/"],
  ["/%2f/evil.example", "/"],
  ["/%5Cevil.example", "/"],
  ["/%5C%5Cevil.example", "/"],
  ["/.//evil.example", "/"],
  ["/./\\evil.example", "/"],
  ["/..//evil.example", "/"],
  ["/a/..//evil.example", "/"],
  ["/%", "/"],
  ["https://evil.example", "/"],
  ["http:evil.example", "/"],
  ["javascript:alert(1)", "/"],
  ["JaVaScRiPt:alert(1)", "/"],
  ["data:text/html,<script>alert(1)</script>", "/"],
  ["/\u0000/evil.example", "/"],
  ["/\u007f/evil.example", "/"],
];

describe("sign-in's next", () => {
  test("only ever a path on the host", () => {
    for (const [next, expected] of NEXT) expect([next, safeNext(next)]).toEqual([next, expected]);
    // Whatever it answers is a same-origin path to a browser's URL parser.
    for (const [next] of NEXT) expect(new URL(safeNext(next), "http://host.example/x/y").origin).toBe("http://host.example");
  });
});

/** One request with a body of `bytes` bytes that is never allocated: 64 KiB chunks written until the host answers. */
function bigPost(
  url: string,
  { bytes = 1e9, chunked = false, headers = {} }: { bytes?: number; chunked?: boolean; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; ms: number; sent: number }> {
  const started = performance.now();
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, {
      method: "POST",
      headers: { ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(bytes) }), ...headers },
    });
    req.on("response", (res) => {
      answered = true;
      const ms = performance.now() - started;
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode!, body, ms, sent });
      });
      res.on("error", () => resolve({ status: res.statusCode!, body, ms, sent }));
    });
    req.on("error", (err) => {
      if (!answered) reject(new Error(`no answer after ${sent} bytes: ${err.message}`));
    });
    const write = () => {
      while (!answered && sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

describe.skipIf(!gitLfsPresent("host edges tests"))("the host's edges", () => {
  let temp: string;
  let dataDir: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let token: string;
  let tools: Awaited<ReturnType<typeof gitUser>>;
  let dir: string;
  let remote: string;
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-edges-"));
    dataDir = join(temp, "data");
    const accounts = new Accounts(dataDir);
    token = accounts.createToken("alice");
    accounts.createSpace("alice", "secret", { private: true });
    host = await inProcessHost({ dataDir, accounts, maxPushBytes: MAX_PUSH, stopGraceMs: 2000 });
    tools = await gitUser(temp);
    dir = await tinySpaceRepo(tools.git, temp, "edge");
    remote = remoteUrl(host.base, "alice/edge", "alice", token);
    await tools.git(dir, "push", "--quiet", remote, "main");
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    rmSync(temp, { recursive: true, force: true });
  });
  const refs = async () => (await tools.git(dir, "ls-remote", remote)).stdout.trim();
  const bare = () => spacePaths(dataDir, "alice", "edge").repo;
  const hostHas = (object: string) =>
    tools.git(bare(), "cat-file", "-e", object).then(
      () => true,
      () => false,
    );

  test("the sign-in form's 303 leads to a path on the host, whatever next was", async () => {
    // As a browser signs in: the sign-in page's nonce (its cookie and its form field) with the form.
    const login = async (next: string) => {
      const page = await fetch(`${host.base}/login`);
      const nonce = (await page.text()).match(/name="csrf" value="([^"]+)"/)![1]!;
      return fetch(`${host.base}/login`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: host.base,
          referer: `${host.base}/login`,
          cookie: page.headers.getSetCookie()[0]!.split(";")[0]!,
        },
        body: new URLSearchParams({ user: "alice", token, next, csrf: nonce }),
      });
    };
    for (const [next, expected] of NEXT) {
      const res = await login(next ?? "");
      expect([next, res.status, res.headers.get("location")]).toEqual([next, 303, expected]);
      expect(new URL(res.headers.get("location")!, host.base).origin).toBe(host.base);
    }
    // The next the sign-in page carries in its form, from the query string.
    const page = await (await fetch(`${host.base}/login?next=${encodeURIComponent("/\t/evil.example")}`)).text();
    expect(page).toContain('name="next" value="/"');
  });

  test("pushes to anything but main are refused and keep nothing: other branches, other refs, tags, deleting main", async () => {
    const before = await refs();
    writeFileSync(join(dir, "junk.txt"), `junk ${Date.now()}\n`);
    await tools.git(dir, "add", "junk.txt");
    await tools.git(dir, "commit", "--quiet", "-m", "junk");
    const junk = (await tools.git(dir, "rev-parse", "HEAD")).stdout.trim();
    await tools.git(dir, "tag", "v1");
    for (const refspec of ["HEAD:refs/heads/junk", "HEAD:refs/weird/x", "refs/tags/v1", ":refs/heads/main"]) {
      const stderr = await tools.fails(dir, "push", remote, refspec);
      if (refspec === ":refs/heads/main") expect(stderr).toMatch(/main cannot be deleted|deletion of the current branch prohibited/);
      else expect(stderr).toMatch(/only main is deployed here: push to main \(refs\/(heads\/junk|weird\/x|tags\/v1) is refused/);
      expect(stderr).toMatch(/pre-receive hook declined|rejected/);
    }
    expect(await refs()).toBe(before);
    expect(await hostHas(junk)).toBe(false);
    // A push of main alongside a junk ref is refused whole.
    expect(await tools.fails(dir, "push", remote, "HEAD:refs/heads/main", "HEAD:refs/heads/junk")).toMatch(/only main is deployed/);
    expect(await refs()).toBe(before);
    await tools.git(dir, "reset", "--quiet", "--hard", "HEAD~");
    await tools.git(dir, "tag", "-d", "v1");
  });

  test("the Hub's commit API commits to main only", async () => {
    const commit = (rev: string) =>
      fetch(`${host.base}/api/spaces/alice/edge/commit/${rev}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
        body: `${JSON.stringify({ key: "header", value: { summary: "x" } })}\n${JSON.stringify({ key: "file", value: { path: "x.txt", content: "x" } })}\n`,
      });
    for (const rev of ["dev", "refs%2Fheads%2Fjunk", "v1"]) {
      const res = await commit(rev);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^Only main is deployed here: commit to main/);
    }
    expect(await refs()).not.toMatch(/junk|dev|v1/);
  });

  test("a push over SPACE_MAX_PUSH_BYTES is refused with a message naming the limit, and nothing of it is stored", async () => {
    const before = await refs();
    const objects = async () => (await tools.git(bare(), "count-objects", "-v")).stdout;
    const countBefore = await objects();
    // Chunked (over git's 1 MiB post buffer): git's own receive.maxInputSize refuses the pack.
    // With a Content-Length (under the buffer, over the cap): the host answers 413 before reading.
    for (const size of [1024 * 1024, 600 * 1024]) {
      writeFileSync(join(dir, "big.bin"), randomBytes(size));
      await tools.git(dir, "add", "big.bin");
      await tools.git(dir, "commit", "--quiet", "-m", `big ${size}`);
      const blob = (await tools.git(dir, "rev-parse", "HEAD:big.bin")).stdout.trim();
      const started = performance.now();
      const stderr = await tools.fails(dir, "push", remote, "main");
      console.log(
        `push of a ${size}-byte random blob, cap ${MAX_PUSH}: refused in ${(performance.now() - started).toFixed(0)} ms:\n${stderr}`,
      );
      // git's own words when it refuses the pack as it streams; the host's when the length says so at once.
      expect(stderr).toMatch(
        size > 1024 * 1024 - 1
          ? /remote: fatal: pack exceeds maximum allowed size/
          : /remote: Space host: this push is larger than .*SPACE_MAX_PUSH_BYTES/,
      );
      expect(await refs()).toBe(before);
      expect(await hostHas(blob)).toBe(false);
      await tools.git(dir, "reset", "--quiet", "--hard", "HEAD~");
    }
    expect(await objects()).toBe(countBefore);
    // A small push still goes through.
    writeFileSync(join(dir, "small.txt"), "small\n");
    await tools.git(dir, "add", "small.txt");
    await tools.git(dir, "commit", "--quiet", "-m", "small");
    await tools.git(dir, "push", "--quiet", remote, "main");
  }, 60_000);

  test("an LFS batch upload whose objects add up to more than SPACE_MAX_PUSH_BYTES is refused", async () => {
    const res = await fetch(`${host.base}/spaces/alice/edge.git/info/lfs/objects/batch`, {
      method: "POST",
      headers: { "content-type": "application/vnd.git-lfs+json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        operation: "upload",
        transfers: ["basic"],
        objects: [
          { oid: "a".repeat(64), size: 150_000 },
          { oid: "b".repeat(64), size: 150_000 },
        ],
      }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(/add up to 300000 bytes.*SPACE_MAX_PUSH_BYTES/);
  });

  test("1 GB bodies are answered 4xx at once and never reach memory", { timeout: 120_000 }, async () => {
    const owner = { authorization: `Bearer ${token}` };
    const form = { "content-type": "application/x-www-form-urlencoded", origin: host.base, referer: `${host.base}/login` };
    const json = { "content-type": "application/json" };
    const lfs = { "content-type": "application/vnd.git-lfs+json" };
    const pack = { "content-type": "application/x-git-receive-pack-request" };
    const cases: [string, string, Record<string, string>, number[]][] = [
      ["sign-in form", "/login", form, [413]],
      ["secrets (anonymous)", "/api/spaces/alice/edge/secrets", json, [401]],
      ["variables (anonymous)", "/api/spaces/alice/edge/variables", json, [401]],
      ["variables (owner)", "/api/spaces/alice/edge/variables", { ...json, ...owner }, [413]],
      ["hardware (anonymous)", "/api/spaces/alice/edge/hardware", json, [401]],
      ["repo create (anonymous)", "/api/repos/create", json, [401]],
      ["preupload (anonymous)", "/api/spaces/alice/edge/preupload/main", json, [401]],
      ["hub commit (anonymous)", "/api/spaces/alice/edge/commit/main", json, [401]],
      ["hub commit (owner)", "/api/spaces/alice/edge/commit/main", { ...json, ...owner }, [413]],
      ["LFS batch (anonymous, private Space)", "/spaces/alice/secret.git/info/lfs/objects/batch", lfs, [401]],
      ["LFS batch (owner)", "/spaces/alice/edge.git/info/lfs/objects/batch", { ...lfs, ...owner }, [413]],
      ["LFS verify (anonymous)", "/spaces/alice/edge.git/info/lfs/verify", lfs, [401]],
      ["git-receive-pack (anonymous)", "/spaces/alice/edge/git-receive-pack", pack, [401]],
      ["git-receive-pack (owner)", "/spaces/alice/edge/git-receive-pack", { ...pack, ...owner }, [413]],
      ["private app's queue join (anonymous)", "/spaces/alice/secret/app/gradio_api/queue/join", json, [404]],
    ];
    const rows: string[] = [];
    for (const chunked of [false, true]) {
      for (const [name, path, headers, statuses] of cases) {
        // The owner's chunked "push" reaches git itself, which answers the garbage in its protocol.
        const expected = chunked && name === "git-receive-pack (owner)" ? [200, 413, 500] : statuses;
        globalThis.gc?.();
        const rss = process.memoryUsage().rss;
        const res = await bigPost(`${host.base}${path}`, { chunked, headers });
        const grew = (process.memoryUsage().rss - rss) / 1024 / 1024;
        rows.push(
          `${chunked ? "chunked" : "length 1e9"} ${name}: ${res.status} in ${res.ms.toFixed(0)} ms, ${(res.sent / 1024 / 1024).toFixed(1)} MiB written, RSS ${grew >= 0 ? "+" : ""}${grew.toFixed(1)} MiB`,
        );
        expect([name, chunked, res.status, expected.includes(res.status)]).toEqual([name, chunked, res.status, true]);
        expect(res.ms).toBeLessThan(2000);
        expect(grew).toBeLessThan(50);
      }
    }
    console.log(`1 GB POST bodies:\n${rows.join("\n")}`);
    // The host still serves.
    expect((await fetch(`${host.base}/api/spaces/alice/edge`)).status).toBe(200);
  });
});

/**
 * A build's `npm ci` is the Space's own code: its install scripts run in its sandbox (its uid,
 * its limits, nothing of the host's files, the registry reachable, never the host's loopback),
 * and what they install is its owner's alone and sealed. Real pushes to one in-process host;
 * tiny Spaces whose package.json has install scripts and no dependency, so nothing is
 * downloaded, but for one that fetches a tiny package from the registry.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { collectGarbage } from "../../../host/build/gc.ts";
import { installedModules, installKey } from "../../../host/build/install.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

/** A listener that counts who reached it. */
async function listener(host: string): Promise<{ server: Server; port: number; reached: () => number }> {
  let reached = 0;
  const server = createServer((socket) => {
    reached++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as { port: number }).port, reached: () => reached };
}

/**
 * CommonJS that defines `probe()`: the sandbox's tap0 address (slirp4netns's, when it has
 * egress) and, for each target, "connected" or why not; then runs `then`. No single quote in
 * it: it goes into `node -e '…'` too.
 */
const probeJs = (targets: [string, number][], then: string) => `
const fs = require("fs"), net = require("net"), os = require("os");
const reach = (h, p) => new Promise((r) => { const s = net.connect(p, h); s.setTimeout(3000, () => { s.destroy(); r("timeout"); });
  s.on("connect", () => { s.destroy(); r("connected"); }); s.on("error", (e) => r(e.code)); });
const probe = async () => {
  const out = { tap0: (os.networkInterfaces().tap0 ?? []).filter((a) => a.family === "IPv4").map((a) => a.address), reach: {} };
  for (const [h, p] of ${JSON.stringify(targets)}) out.reach[h + ":" + p] = await reach(h, p);
  return out;
};
${then}`;

/** The slirp4netns processes in a cgroup whose name has `part`. */
const slirpsOf = (part: string) =>
  readdirSync("/proc").filter((pid) => {
    try {
      return (
        readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "slirp4netns" && readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(part)
      );
    } catch {
      return false; // not a process, or gone meanwhile
    }
  });

/** The registry, which a sandbox with egress reaches (DNS through slirp4netns included). */
const REGISTRY = "registry.npmjs.org:443";

/**
 * What a sandbox may not reach even with egress, as targets for {@link probeJs}: the host's
 * loopback (slirp4netns calls it 10.0.2.2) with a listener on it, the host's own port, the
 * host's other address with a listener on it, a cloud's metadata address; then the registry.
 */
async function fence(hostPort: number) {
  const loopback = await listener("127.0.0.1");
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
  const onLan = lan ? await listener(lan) : undefined;
  /** Refused by a route of the sandbox's own (`prohibit`): EACCES. */
  const prohibited = [...(lan && onLan ? [`${lan}:${onLan.port}`] : []), "169.254.169.254:80"];
  const refused = [
    `10.0.2.2:${loopback.port}`,
    `127.0.0.1:${loopback.port}`,
    `10.0.2.2:${hostPort}`,
    `127.0.0.1:${hostPort}`,
    ...prohibited,
  ];
  return {
    targets: [...refused, REGISTRY].map((t) => t.split(":")).map(([h, p]) => [h!, Number(p)] as [string, number]),
    /** Checks what a sandbox with egress reached: none of the host, the registry. */
    check(reach: Record<string, string>) {
      for (const target of refused) expect(reach[target], target).not.toBe("connected");
      for (const target of prohibited) expect(reach[target], target).toBe("EACCES");
      expect(loopback.reached() + (onLan?.reached() ?? 0)).toBe(0);
      expect(reach[REGISTRY]).toBe("connected");
    },
    close() {
      loopback.server.close();
      onLan?.server.close();
    },
  };
}

/** The package-lock.json of package `name` with no dependency: the same bytes for every owner (an owner's builds with the same lockfile install once). */
const emptyLock = (name: string) => ({
  name,
  version: "1.0.0",
  lockfileVersion: 3,
  requires: true,
  packages: { "": { name, version: "1.0.0" } },
});

describe.skipIf(!gitLfsPresent("Space host build sandbox tests"))("npm ci runs in the Space's sandbox", () => {
  let temp: string;
  let dataDir: string;
  let accounts: Accounts;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let tools: Awaited<ReturnType<typeof gitUser>>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-install-"));
    dataDir = join(temp, "data");
    accounts = new Accounts(dataDir);
    for (const user of ["alice", "bob"]) tokens[user] = accounts.createToken(user);
    host = await inProcessHost({ dataDir, accounts, readyTimeoutMs: 15_000, stopGraceMs: 2000 });
    // CI runs as root with bubblewrap: these tests are about the sandbox, with a disk per Space.
    expect(host.app.spaces.sandboxing.kind).toBe("sandbox");
    expect(host.app.spaces.sandboxing.disks).toBeDefined();
    tools = await gitUser(temp);
  });
  afterAll(async () => {
    await host?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  /** Commits a tiny Space whose package.json has `pkg` (scripts, dependencies) and whose lockfile is `lock`, pushes it as its owner. */
  async function push(
    id: string,
    pkg: { scripts?: Record<string, string>; dependencies?: Record<string, string> },
    lock: { name: string } = emptyLock(id.replace("/", "-")),
    files: Record<string, string> = {},
  ): Promise<{ stderr: string; sha: string }> {
    const [owner, name] = id.split("/") as [string, string];
    const { git } = tools;
    const dir = await tinySpaceRepo(git, temp, name);
    const manifest = { name: lock.name, version: "1.0.0", private: true, ...pkg, scripts: { start: "node server.mjs", ...pkg.scripts } };
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
    writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock));
    for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "--allow-empty", "-m", "install scripts");
    const { stderr } = await git(dir, "push", remoteUrl(host.base, id, owner, tokens[owner]), "main");
    return { stderr, sha: (await git(dir, "rev-parse", "HEAD")).stdout.trim() };
  }

  test("an install script runs as the Space's uid, sees none of the host's files, reaches the registry but nothing of the host; its output reaches the pusher", async () => {
    const victim = await push("bob/victim", {});
    const victimFile = join(dataDir, "builds", "bob", "victim", victim.sha, "server.mjs");
    const outside = join(temp, "host-secret.txt");
    writeFileSync(outside, "the host's own");
    const fenced = await fence(Number(new URL(host.base).port));
    const probe = probeJs(
      fenced.targets,
      `const read = (p) => { try { fs.readFileSync(p); return "read"; } catch (e) { return e.code; } };
probe().then((out) => console.log("PROBE " + JSON.stringify({ ...out, uid: process.getuid(), greeting: process.env.npm_config_greeting ?? null,
  files: Object.fromEntries(${JSON.stringify([join(dataDir, "accounts.json"), victimFile, outside, "package.json"])}.map((p) => [p, read(p)])) })));`,
    );
    // The committed .npmrc is read by npm inside the sandbox: a file path in it names the sandbox's files, not the host's.
    const npmrc = `greeting=from the Space's .npmrc\ncafile=${join(dataDir, "accounts.json")}\n`;
    const { stderr } = await push("alice/probe", { scripts: { preinstall: `node -e '${probe}'` } }, undefined, { ".npmrc": npmrc });
    fenced.close();
    const line = stderr.split("\n").find((l) => l.startsWith("remote: PROBE "));
    expect(line, stderr).toBeDefined(); // the build log streams to the pusher, install scripts' output too
    expect(stderr).toContain("remote: Your Space is live");
    const out = JSON.parse(line!.slice("remote: PROBE ".length)) as {
      uid: number;
      greeting: string | null;
      files: Record<string, string>;
      tap0: string[];
      reach: Record<string, string>;
    };
    expect(out.uid).toBe(1000);
    expect(out.greeting).toBe("from the Space's .npmrc");
    expect(out.files).toEqual({
      [join(dataDir, "accounts.json")]: "ENOENT",
      [victimFile]: "ENOENT",
      [outside]: "ENOENT",
      "package.json": "read",
    });
    expect(existsSync(victimFile)).toBe(true); // there on the host, all the same
    expect(out.tap0).toEqual(["10.0.2.100"]); // the build has a network: slirp4netns's
    fenced.check(out.reach);
    // npm ran as the Space's own uid on the host: what it left in its npm cache, on the Space's disk, is that uid's.
    expect(statSync(join(dataDir, "disks", "alice", "probe", ".npm", "_logs")).uid).toBe(accounts.uidOf("alice", "probe"));
    // No token hash of any user reached the (public) build log.
    const hashes = readFileSync(join(dataDir, "accounts.json"), "utf8").match(/[0-9a-f]{64}/g) ?? [];
    expect(hashes.length).toBeGreaterThan(0);
    for (const hash of hashes) expect(stderr).not.toContain(hash);
  });

  test("two owners with the same package-lock.json: one's postinstall never reaches the other's install, and its own is sealed", async () => {
    const poison = `node -e 'require("fs").mkdirSync("node_modules", { recursive: true }); require("fs").writeFileSync("node_modules/poison.js", "owned")'`;
    const lock = emptyLock("same-lock");
    const a = await push("alice/poisoner", { scripts: { postinstall: poison } }, lock);
    const b = await push("bob/same-lock", {}, lock);
    for (const { stderr } of [a, b]) expect(stderr).toContain("remote: Your Space is live");
    const key = installKey(Buffer.from(JSON.stringify(lock)));
    const alices = installedModules(join(dataDir, "cache"), "alice", key);
    expect(readFileSync(join(alices, "poison.js"), "utf8")).toBe("owned");
    expect(existsSync(join(dataDir, "builds", "bob", "same-lock", b.sha, "node_modules", "poison.js"))).toBe(false);
    expect(existsSync(installedModules(join(dataDir, "cache"), "bob", key))).toBe(true);
    // Sealed: root's, writable by no Space (its app binds it read-only besides).
    for (const path of [alices, join(alices, "poison.js")]) {
      const info = statSync(path);
      expect(info.uid).toBe(0);
      expect(info.mode & 0o7022).toBe(0);
    }
    // The next build of the same owner and lockfile reuses the sealed install.
    const again = await push("alice/second", {}, lock);
    expect(again.stderr).toContain(`remote: Reusing dependencies installed for this package-lock.json (${key}).`);
  });

  test("npm ci over the Space's memory limit fails the build, saying so", async () => {
    accounts.createSpace("alice", "hog");
    accounts.setLimits("alice", "hog", { memoryMb: 160 });
    const hog = `node -e 'const kept = []; for (;;) kept.push(Buffer.alloc(16 << 20, 1))'`;
    const { stderr } = await push("alice/hog", { scripts: { preinstall: hog } });
    expect(stderr).toContain("remote: Build failed: npm ci went over this Space's memory limit (160 MB) and was killed");
    expect(await (await fetch(`${host.base}/api/spaces/alice/hog/runtime`)).json()).toMatchObject({ stage: "BUILD_ERROR" });
  });

  test("npm ci that fills the Space's disk fails the build, saying so; the host's disk takes none of it", async () => {
    accounts.createSpace("bob", "filler");
    accounts.setLimits("bob", "filler", { diskMb: 64 });
    const fill = `node -e 'const fs = require("fs"); fs.mkdirSync("node_modules", { recursive: true }); const mb = Buffer.alloc(1 << 20, 1);
for (let i = 0; i < 256; i++) fs.appendFileSync("node_modules/fill.bin", mb)'`;
    const { stderr } = await push("bob/filler", { scripts: { postinstall: fill } });
    expect(stderr).toContain("remote: Build failed: npm ci filled this Space's disk (64 MB)");
    expect(readdirSync(join(dataDir, "cache")).filter((entry) => entry.startsWith("install-"))).toEqual([]);
  });

  test("a dependency comes from the registry through the build sandbox's network", async () => {
    const version = "2.1.0";
    const lock = {
      ...emptyLock("with-dependency"),
      packages: {
        "": { name: "with-dependency", version: "1.0.0", dependencies: { "standard-as-callback": version } },
        "node_modules/standard-as-callback": {
          version,
          integrity: "sha512-qoRRSyROncaz1z0mvYqIE4lCd9p2R90i6GxW3uZv5ucSu8tU7B5HXUP1gG8pVZsYNVaXjk8ClXHPttLyxAL48A==",
          license: "MIT",
        },
      },
    };
    const { stderr, sha } = await push("bob/with-dependency", { dependencies: { "standard-as-callback": version } }, lock);
    expect(stderr).toContain("remote: Your Space is live");
    const installed = join(dataDir, "builds", "bob", "with-dependency", sha, "node_modules", "standard-as-callback", "package.json");
    expect(JSON.parse(readFileSync(installed, "utf8")).version).toBe(version);
  });
  test("an app has no network by default; with SPACE_EGRESS=on it has the builds' egress, still nothing of the host", async () => {
    const fenced = await fence(Number(new URL(host.base).port));
    const app = probeJs(
      fenced.targets,
      `require("http").createServer(async (req, res) => res.end(req.url.endsWith("/config") ? "{}" : JSON.stringify(await probe())))
  .listen(Number(process.env.PORT), "127.0.0.1");`,
    );
    const pkg = { scripts: { start: "node probe.cjs" } };
    const reached = async (base: string, id: string) =>
      (await (await fetch(`${base}/spaces/${id}/app/probe`)).json()) as { tap0: string[]; reach: Record<string, string> };
    expect((await push("alice/offline", pkg, undefined, { "probe.cjs": app })).stderr).toContain("remote: Your Space is live");
    const offline = await reached(host.base, "alice/offline");
    expect(offline.tap0).toEqual([]);
    for (const target of Object.keys(offline.reach)) expect(offline.reach[target], target).not.toBe("connected");
    // A second host, on data of its own, whose apps have egress.
    process.env.SPACE_EGRESS = "on";
    const egressData = join(temp, "data-egress");
    const egressAccounts = new Accounts(egressData);
    const online = await inProcessHost({
      dataDir: egressData,
      accounts: egressAccounts,
      readyTimeoutMs: 15_000,
      stopGraceMs: 2000,
    }).finally(() => delete process.env.SPACE_EGRESS);
    try {
      expect(online.app.spaces.sandboxing.egress).toBe(true);
      const dir = await tinySpaceRepo(tools.git, temp, "online");
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "online", version: "1.0.0", private: true, ...pkg }));
      writeFileSync(join(dir, "probe.cjs"), app);
      await tools.git(dir, "add", ".");
      await tools.git(dir, "commit", "--quiet", "-m", "a probe");
      const token = egressAccounts.createToken("alice");
      const { stderr } = await tools.git(dir, "push", remoteUrl(online.base, "alice/online", "alice", token), "main");
      expect(stderr).toContain("remote: Your Space is live");
      const out = await reached(online.base, "alice/online");
      expect(out.tap0).toEqual(["10.0.2.100"]);
      fenced.check(out.reach);
      // Its slirp4netns is in its cgroup (the traffic's cost is the Space's), and ends with it.
      expect(slirpsOf("alice.online.")).toHaveLength(1);
    } finally {
      await online.close();
      fenced.close();
    }
    expect(slirpsOf("alice.online.")).toEqual([]);
  });
});

describe("collecting garbage in the per-owner install cache", () => {
  test("an install no kept build links to goes (unless just put in place); one a kept build links to or into stays, in either layout", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-gc-"));
    try {
      const cache = join(dataDir, "cache");
      const build = (owner: string, name: string, sha: string, modules?: string) => {
        const dir = join(dataDir, "builds", owner, name, sha);
        mkdirSync(dir, { recursive: true });
        if (modules) symlinkSync(modules, join(dir, "node_modules"), "dir");
      };
      const used = installedModules(cache, "alice", "1111111111111111");
      const unused = installedModules(cache, "alice", "2222222222222222");
      const legacy = join(cache, "installs", "3333333333333333", "node_modules"); // before installs were per owner
      const placed = installedModules(cache, "alice", "4444444444444444"); // just put in place: its build links it next
      for (const dir of [used, unused, legacy, placed]) mkdirSync(dir, { recursive: true });
      const anHourAgo = new Date(Date.now() - 3600_000);
      for (const dir of [used, unused, legacy]) utimesSync(join(dir, ".."), anHourAgo, anHourAgo);
      build("alice", "demo", "a".repeat(40), used);
      build("bob", "old", "b".repeat(40), legacy);
      build("alice", "demo", "c".repeat(40), unused); // not kept
      const keep = new Map([
        ["alice/demo", new Set(["a".repeat(40)])],
        ["bob/old", new Set(["b".repeat(40)])],
      ]);
      const { removed } = await collectGarbage(dataDir, keep);
      expect(removed.sort()).toEqual([`builds/alice/demo/${"c".repeat(40)}`, "cache/installs/alice/2222222222222222"]);
      expect([used, unused, legacy, placed].map((dir) => existsSync(dir))).toEqual([true, false, true, true]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

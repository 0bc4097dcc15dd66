/**
 * A hostile tenant, from inside its app: mallory/hostile, a tiny Space whose routes each try one
 * of issue 20's attacks on alice/victim (a private Space with a secret) and on the host, and
 * answer what happened. Every attack must be refused or contained — with the precise error the
 * kernel gives — while the victim keeps serving and the host keeps answering. Build-time attacks
 * (committed symlinks, install scripts, the shared install) are test/host/build's.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { pinSocket } from "../../../host/apps/sandbox.ts";
import { spacePaths } from "../../../host/paths.ts";
import { sandboxPresent, waitFor } from "../../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

/** The victim: answers who it is, and counts requests that came from the attacker (they carry x-attack). */
const VICTIM = `import http from "node:http";
let attacks = 0;
http.createServer((req, res) => {
  if (req.headers["x-attack"]) attacks++;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ victim: true, attacks, user: req.headers["x-space-user"] ?? null }));
}).listen(Number(process.env.PORT), process.env.GRADIO_SERVER_NAME);
`;

/** The attacker: one route per attack, each answering JSON with what the kernel said. */
const HOSTILE = `import http from "node:http";
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import { spawn, spawnSync } from "node:child_process";

const attempt = (fn) => { try { return { ok: true, value: fn() ?? null }; } catch (e) { return { ok: false, code: e.code ?? String(e) }; } };
const text = (path) => fs.readFileSync(path, "utf8");

// An HTTP request straight to a TCP address or a Unix socket, with a forged caller.
const connect = (target) => new Promise((resolve) => {
  const socket = net.connect(target);
  let data = "";
  socket.setTimeout(3000, () => { socket.destroy(); resolve({ ok: false, code: "ETIMEDOUT" }); });
  socket.on("connect", () => socket.write("GET / HTTP/1.1\\r\\nhost: x\\r\\nx-space-user: alice\\r\\nx-attack: 1\\r\\nconnection: close\\r\\n\\r\\n"));
  socket.on("data", (d) => (data += d));
  socket.on("end", () => resolve({ ok: true, body: data.split("\\r\\n\\r\\n").slice(1).join("") }));
  socket.on("error", (e) => resolve({ ok: false, code: e.code }));
});

// Writes 1 MB at a time until \`mb\` are written or the disk says no; then frees it.
const fill = (path, mb) => {
  let written = 0, code = null;
  const chunk = Buffer.alloc(1024 * 1024, 1);
  const fd = fs.openSync(path, "w");
  try { for (; written < mb; written++) fs.writeSync(fd, chunk); } catch (e) { code = e.code; }
  fs.closeSync(fd);
  fs.rmSync(path, { force: true });
  return { written, code };
};

const held = [];
const routes = {
  "/whoami": () => ({ hostile: true, uid: process.getuid(), gid: process.getgid(), pid: process.pid }),
  "/read": (q) => attempt(() => text(q.get("path")).slice(0, 100)),
  "/list": (q) => attempt(() => fs.readdirSync(q.get("path")).sort()),
  "/write": (q) => attempt(() => fs.writeFileSync(q.get("path"), "pwned")),
  "/proc": () => fs.readdirSync("/proc").filter((p) => /^\\d+$/.test(p)).map((pid) => ({
    pid: Number(pid),
    cmdline: attempt(() => text("/proc/" + pid + "/cmdline").split("\\0").filter(Boolean).join(" ")),
    environ: attempt(() => text("/proc/" + pid + "/environ")),
  })),
  "/addresses": () => Object.values(os.networkInterfaces()).flat().map((i) => i.address),
  "/connect": (q) => connect(q.has("path") ? { path: q.get("path") } : { host: q.get("host"), port: Number(q.get("port")) }),
  "/kill": (q) => attempt(() => process.kill(Number(q.get("pid")), "SIGKILL")),
  // A child that leaves the app's process group and session, and one that detaches through setsid(1).
  "/detach": (q) => {
    const marker = q.get("marker");
    const node = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e9)", marker], { detached: true, stdio: "ignore" });
    const setsid = spawn("setsid", ["sleep", marker], { detached: true, stdio: "ignore" });
    node.unref(); setsid.unref();
    return { pids: [node.pid ?? null, setsid.pid ?? null] };
  },
  // Starts processes until the kernel refuses, holds them a while, then ends them.
  "/fork": async (q) => {
    const codes = {};
    let started = 0;
    for (let i = 0; i < Number(q.get("n")); i++) {
      const child = spawn("sleep", ["60"], { stdio: "ignore" });
      if (child.pid) { started++; held.push(child); continue; }
      const code = await new Promise((r) => child.once("error", (e) => r(e.code)));
      codes[code] = (codes[code] ?? 0) + 1;
    }
    setTimeout(() => { for (const c of held.splice(0)) c.kill("SIGKILL"); }, Number(q.get("holdMs")));
    return { started, codes };
  },
  // Points the socket the host reaches it by somewhere else.
  "/relink": (q) => attempt(() => { fs.rmSync("/run/space/app.sock"); fs.symlinkSync(q.get("target"), "/run/space/app.sock"); }),
  // A user namespace of its own, where it would be root (and reach more of the kernel).
  "/userns": () => { const r = spawnSync("unshare", ["--user", "--map-root-user", "id", "-u"], { encoding: "utf8" }); return { status: r.status, out: (r.stdout + r.stderr).trim() }; },
  "/fill": (q) => attempt(() => fill(q.get("path"), Number(q.get("mb")))),
  // Answers first, then allocates (and touches) memory until the kernel stops it.
  "/oom": () => {
    setTimeout(() => { const hog = []; for (;;) hog.push(Buffer.alloc(16 * 1024 * 1024, 1)); }, 50);
    return { allocating: true };
  },
};

http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://app");
  const route = routes[url.pathname] ?? routes["/whoami"];
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(await route(url.searchParams)));
}).listen(Number(process.env.PORT), process.env.GRADIO_SERVER_NAME);
`;

/** What a refused attempt answers. */
interface Attempt<T = unknown> {
  ok: boolean;
  code?: string;
  value?: T;
}

/** The host pids of every process whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The host pids of a Space's app processes (their environment names the Space). */
function appProcesses(space: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`SPACE_ID=${space}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The real, effective, saved and file-system uids of a process on the host. */
const uidsOf = (pid: number) =>
  readFileSync(`/proc/${pid}/status`, "utf8")
    .match(/^Uid:\s+(.*)$/m)![1]!
    .split(/\s+/)
    .map(Number);

describe.skipIf(!gitLfsPresent("hostile Space tests") || !sandboxPresent("hostile Space tests"))(
  "a hostile Space can't touch another Space or the host",
  () => {
    let temp: string;
    let dataDir: string;
    let accounts: Accounts;
    let host: Awaited<ReturnType<typeof inProcessHost>>;
    let alice: string;
    let victimSha: string;
    const secret = `victim-secret-${randomBytes(6).toString("hex")}`;
    const hostSecret = `host-secret-${randomBytes(6).toString("hex")}`;
    const limitEnv = { SPACE_MEMORY_MB: "256", SPACE_PIDS: "64", SPACE_DISK_MB: "64" };

    beforeAll(async () => {
      temp = mkdtempSync(join(tmpdir(), "host-hostile-"));
      dataDir = join(temp, "data");
      accounts = new Accounts(dataDir);
      alice = accounts.createToken("alice");
      const mallory = accounts.createToken("mallory");
      Object.assign(process.env, limitEnv, { HOSTILE_TEST_HOST_SECRET: hostSecret });
      host = await inProcessHost({ dataDir, accounts, stopGraceMs: 1000, crashBackoffMs: 500 });
      const { git } = await gitUser(temp);
      accounts.createSpace("alice", "victim", { private: true });
      accounts.setEnv("alice", "victim", "secrets", "VICTIM_SECRET", secret);
      const push = async (owner: string, name: string, token: string, server: string) => {
        const dir = await tinySpaceRepo(git, temp, name);
        writeFileSync(join(dir, "server.mjs"), server);
        // A file in LFS too, so the Space has objects there for the attacker to look for.
        writeFileSync(join(dir, ".gitattributes"), "*.bin filter=lfs diff=lfs merge=lfs -text\n");
        writeFileSync(join(dir, "weights.bin"), randomBytes(1024));
        await git(dir, "add", ".");
        await git(dir, "commit", "--quiet", "-am", `${name}'s server`);
        await git(dir, "push", "--quiet", remoteUrl(host.base, `${owner}/${name}`, owner, token), "main");
        return (await git(dir, "rev-parse", "HEAD")).stdout.trim();
      };
      [victimSha] = await Promise.all([push("alice", "victim", alice, VICTIM), push("mallory", "hostile", mallory, HOSTILE)]);
    }, 60_000);

    afterAll(async () => {
      for (const key of [...Object.keys(limitEnv), "HOSTILE_TEST_HOST_SECRET"]) delete process.env[key];
      await host?.close();
      if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
    });

    /** Calls one of the hostile app's routes through the host, as any visitor may. */
    const attack = async <T = Attempt>(route: string, query: Record<string, string | number> = {}): Promise<T> => {
      const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
      const res = await fetch(`${host.base}/spaces/mallory/hostile/app${route}?${qs}`);
      expect(res.status, `${route} ${await res.clone().text()}`).toBe(200);
      return (await res.json()) as T;
    };
    /** The victim, through the host, as its owner. */
    const victim = async () => {
      const res = await fetch(`${host.base}/spaces/alice/victim/app/`, { headers: { authorization: `Bearer ${alice}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as { victim: true; attacks: number; user: string };
    };
    /** The victim serves and the host answers. */
    const bothFine = async () => {
      expect(await victim()).toMatchObject({ victim: true, user: "alice" });
      expect((await fetch(`${host.base}/api/spaces/alice/victim/runtime`, { headers: { authorization: `Bearer ${alice}` } })).status).toBe(
        200,
      );
    };

    test("the sandbox is on, with the limits the host was given", () => {
      expect(host.app.spaces.sandboxing.kind, host.app.spaces.sandboxing.notes.join("\n")).toBe("sandbox");
      expect(host.app.spaces.sandboxing.limits.defaults).toMatchObject({ memoryMb: 256, pids: 64, diskMb: 64 });
    });

    test("it is uid 1000 inside, and on the host a uid of its own, never root, not the victim's", async () => {
      expect(await attack("/whoami")).toMatchObject({ hostile: true, uid: 1000, gid: 1000 });
      const hostile = appProcesses("mallory/hostile");
      const victimPids = appProcesses("alice/victim");
      expect(hostile.length).toBeGreaterThan(0);
      expect(victimPids.length).toBeGreaterThan(0);
      const malloryUid = accounts.uidOf("mallory", "hostile");
      const aliceUid = accounts.uidOf("alice", "victim");
      expect(malloryUid).toBeGreaterThanOrEqual(3_000_000);
      expect(aliceUid).toBeGreaterThanOrEqual(3_000_000);
      expect(malloryUid).not.toBe(aliceUid);
      // Every process of each app, bwrap itself included: all four uids (real, effective, saved, fs).
      for (const pid of hostile) expect(uidsOf(pid), `pid ${pid}`).toEqual([malloryUid, malloryUid, malloryUid, malloryUid]);
      for (const pid of victimPids) expect(uidsOf(pid), `pid ${pid}`).toEqual([aliceUid, aliceUid, aliceUid, aliceUid]);
    });

    test("SPACES_DATA is not there: no accounts, no session key, nothing of another Space", async () => {
      const victimPaths = spacePaths(dataDir, "alice", "victim");
      const targets = [
        join(dataDir, "accounts.json"),
        join(dataDir, "session.key"),
        join(victimPaths.repo, "HEAD"),
        join(victimPaths.builds, victimSha, "server.mjs"),
        victimPaths.lfs,
        victimPaths.data,
        dataDir,
      ];
      for (const path of targets) {
        expect(existsSync(path), `${path} exists on the host`).toBe(true);
        expect(await attack("/read", { path }), path).toEqual({ ok: false, code: "ENOENT" });
      }
      // What it sees of the machine: the system, its own app, data, home and /tmp; nothing else.
      expect(await attack("/list", { path: "/" })).toEqual({
        ok: true,
        value: ["bin", "data", "dev", "etc", "home", "lib", "lib64", "proc", "run", "sbin", "tmp", "usr"],
      });
      expect(await attack("/list", { path: "/tmp" })).toEqual({ ok: true, value: ["gradio"] });
      expect(await attack("/list", { path: "/home" })).toEqual({ ok: true, value: ["user"] });
      expect(((await attack("/list", { path: "/etc" })) as Attempt<string[]>).value).not.toContain("shadow");
      expect(await attack("/read", { path: "/root/.bashrc" })).toEqual({ ok: false, code: "ENOENT" });
    });

    test("/proc shows only its own sandbox's processes, and no one's secrets", async () => {
      const procs = await attack<{ pid: number; cmdline: Attempt<string>; environ: Attempt<string> }[]>("/proc");
      // bwrap's init, the shell's socat, npm, the shell npm runs, node: a handful, numbered from 1.
      expect(procs.length).toBeLessThanOrEqual(8);
      expect(Math.max(...procs.map((p) => p.pid))).toBeLessThan(100);
      expect(procs.find((p) => p.pid === 1)?.cmdline).toEqual({ ok: true, value: expect.stringMatching(/^bwrap /) });
      const commands = procs.map((p) => p.cmdline.value ?? "").join("\n");
      expect(commands).toContain("node server.mjs");
      expect(procs.find((p) => p.pid === 1)?.environ.value).toContain("SPACE_ID=mallory/hostile\0"); // its own init's
      expect(commands).not.toMatch(/vitest|tsx|host\/main|SPACE_ID=alice/);
      const environs = procs.map((p) => p.environ.value ?? "").join("\n");
      expect(environs).toContain("SPACE_ID=mallory/hostile"); // it reads its own, …
      for (const leak of [secret, hostSecret, "SPACE_ID=alice/victim", alice]) expect(environs).not.toContain(leak); // … nobody else's
      // The host's and the victim's environments by their host pids: no such process in here.
      const victimNode = appProcesses("alice/victim").at(-1)!;
      for (const pid of [process.pid, victimNode])
        expect(await attack("/read", { path: `/proc/${pid}/environ` }), `pid ${pid}`).toEqual({ ok: false, code: "ENOENT" });
    });

    test("it can't signal the host or the victim: they are not in its pid namespace", async () => {
      const victimPids = appProcesses("alice/victim");
      for (const pid of [process.pid, ...victimPids])
        expect(await attack("/kill", { pid }), `pid ${pid}`).toEqual({ ok: false, code: "ESRCH" });
      for (const pid of victimPids) expect(existsSync(`/proc/${pid}`), `victim pid ${pid}`).toBe(true);
      await bothFine();
    });

    test("no address reaches the victim, the host, or anything on the host's loopback; a forged X-Space-User never arrives", async () => {
      const hostPort = Number(new URL(host.base).port);
      // Its own network namespace: a loopback of its own, nothing else.
      expect(await attack("/addresses")).toEqual(["127.0.0.1", "::1"]);
      // 127.0.0.1:7860 is the victim's port in the victim's sandbox; in this one, it is the attacker itself.
      for (const target of ["127.0.0.1", "localhost", "::1"]) {
        const self = await attack<Attempt & { body?: string }>("/connect", { host: target, port: 7860 });
        if (target === "::1")
          expect(self).toEqual({ ok: false, code: "ECONNREFUSED" }); // it listens on 127.0.0.1 only
        else expect(JSON.parse(self.body!), target).toMatchObject({ hostile: true });
      }
      // The host's own port, on its loopback and on every address the machine has: refused or unreachable.
      expect(await attack("/connect", { host: "127.0.0.1", port: hostPort })).toEqual({ ok: false, code: "ECONNREFUSED" });
      const machine = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i && !i.internal && i.family === "IPv4")
        .map((i) => i!.address);
      for (const address of machine)
        expect(await attack("/connect", { host: address, port: hostPort }), address).toEqual({ ok: false, code: "ENETUNREACH" });
      // The victim's socket, by its paths on the host (the host's link, the one the host pinned, the one its sandbox made): not in this sandbox.
      const link = host.app.runtimes.get("alice/victim")!.address!;
      const pinned = readlinkSync(link);
      for (const path of [link, pinned, join(pinned.replace(/\.sock$/, ""), "app.sock")]) {
        expect(existsSync(path), path).toBe(true);
        expect(await attack("/connect", { path }), path).toEqual({ ok: false, code: "ENOENT" });
      }
      // An abstract socket on the host (no file: its network namespace is its only fence) is not in its namespace.
      const abstract = createServer((c) => c.end("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
      const name = `\0hostile-test-${randomBytes(4).toString("hex")}`;
      await new Promise<void>((r) => abstract.listen(name, r));
      try {
        expect(await attack("/connect", { path: name })).toEqual({ ok: false, code: "ECONNREFUSED" });
      } finally {
        abstract.close();
      }
      expect(await attack("/connect", { path: "/run/space/app.sock" })).toMatchObject({ ok: true }); // its own, which leads to itself
      // Not one of those requests, with their forged `x-space-user: alice`, arrived at the victim.
      expect(await victim()).toEqual({ victim: true, attacks: 0, user: "alice" });
    });

    test("it can't make a user namespace of its own, where it would be root", async () => {
      expect(await attack("/userns")).toEqual({ status: 1, out: "unshare: unshare failed: No space left on device" });
    });

    test("it can't write the victim's build or git hooks, nor its own app", async () => {
      const victimPaths = spacePaths(dataDir, "alice", "victim");
      const build = join(victimPaths.builds, victimSha, "server.mjs");
      const hook = join(victimPaths.repo, "hooks", "pre-receive");
      const before = [readFileSync(build, "utf8"), existsSync(hook) ? readFileSync(hook, "utf8") : null];
      for (const path of [build, hook, join(victimPaths.data, "x")])
        expect(await attack("/write", { path }), path).toEqual({ ok: false, code: "ENOENT" });
      for (const path of ["/home/user/app/server.mjs", "/home/user/app/new.mjs", "/usr/bin/node", "/etc/passwd"])
        expect(await attack("/write", { path }), path).toEqual({ ok: false, code: "EROFS" });
      expect([readFileSync(build, "utf8"), existsSync(hook) ? readFileSync(hook, "utf8") : null]).toEqual(before);
      // Where it may write: its own data and /tmp.
      expect(await attack("/write", { path: "/data/mine" })).toEqual({ ok: true, value: null });
      expect(await attack("/write", { path: "/tmp/mine" })).toEqual({ ok: true, value: null });
    });

    test("the socket the host reaches it by can't be pointed elsewhere: the host connects to the one it pinned", async () => {
      const decoy = createServer((c) => c.end("HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\ndecoy"));
      const decoyPath = join(temp, "decoy.sock");
      await new Promise<void>((r) => decoy.listen(decoyPath, r));
      let reached = 0;
      decoy.on("connection", () => reached++);
      try {
        // The victim's socket (the host's path to it), or any socket on the machine: the host is root.
        for (const target of [host.app.runtimes.get("alice/victim")!.address!, decoyPath]) {
          expect(await attack("/relink", { target })).toEqual({ ok: true, value: null });
          // At once, so the host opens new connections rather than reuse a kept-alive one.
          const answers = await Promise.all(
            Array.from({ length: 8 }, () =>
              fetch(`${host.base}/spaces/mallory/hostile/app/whoami`, { headers: { "x-attack": "1" } }).then((r) => r.json()),
            ),
          );
          for (const answer of answers) expect(answer, target).toMatchObject({ hostile: true });
        }
        expect(reached).toBe(0);
        expect(await victim()).toEqual({ victim: true, attacks: 0, user: "alice" });
      } finally {
        decoy.close();
      }
      // What the host does with what a sandbox made: a socket is pinned, a link to one is refused.
      const link = join(temp, "link.sock");
      symlinkSync(decoyPath, link);
      expect(await pinSocket(link, join(temp, "pinned-link.sock"))).toBe(false);
      expect(existsSync(join(temp, "pinned-link.sock"))).toBe(false);
    });

    test("a disk flood stops at SPACE_DISK_MB with ENOSPC, wherever it may write: its disk, /tmp, its home, /dev/shm", async () => {
      // /data, its uploads and its socket's folder are on its disk; the rest are in memory, each capped.
      for (const path of ["/data/flood", "/tmp/gradio/flood", "/run/space/flood", "/tmp/flood", "/home/user/flood", "/dev/shm/flood"]) {
        const { ok, value } = await attack<Attempt<{ written: number; code: string | null }>>("/fill", { path, mb: 100 });
        expect(ok, path).toBe(true);
        expect(value!.code, path).toBe("ENOSPC");
        expect(value!.written, path).toBeGreaterThan(32);
        expect(value!.written, path).toBeLessThanOrEqual(64);
      }
      await bothFine();
    });

    test("a fork flood stops at SPACE_PIDS with EAGAIN, and the victim serves meanwhile", async () => {
      const flood = await attack<{ started: number; codes: Record<string, number> }>("/fork", { n: 100, holdMs: 1500 });
      expect(flood.started).toBeGreaterThan(0);
      expect(flood.started).toBeLessThan(64);
      expect(flood.codes).toEqual({ EAGAIN: 100 - flood.started });
      await bothFine(); // while the attacker's processes are held
      await new Promise((r) => setTimeout(r, 1600));
      expect(await attack("/whoami")).toMatchObject({ hostile: true }); // and it recovers once they end
    });

    test("a memory flood is the attacker's alone: OOM-killed, said so, restarted; the victim serves throughout", async () => {
      const rt = host.app.runtimes.get("mallory/hostile")!;
      const before = rt.child;
      expect(await attack("/oom")).toEqual({ allocating: true });
      // While it restarts, its runtime says why; its run log keeps it.
      const runtime = (await waitFor(
        async () => {
          const json = (await (await fetch(`${host.base}/api/spaces/mallory/hostile/runtime`)).json()) as { errorMessage: string | null };
          return json.errorMessage?.includes("memory limit") ? json : undefined;
        },
        { timeout: 20_000, every: 20, what: "the memory limit in the runtime" },
      ))!;
      expect(runtime.errorMessage).toMatch(/^the app exited \(code \d+\): memory limit \(256 MB\) exceeded$/);
      expect(rt.runLog.tail(50)).toContain(`Space host: ${runtime.errorMessage}.`);
      await bothFine();
      await waitFor(() => rt.stage === "RUNNING" && rt.child && rt.child !== before, { timeout: 20_000, what: "the restart" });
      expect(await attack("/whoami")).toMatchObject({ hostile: true });
      await bothFine();
    });

    test("a detached child ends with its app: at pause, and at delete", async () => {
      const space = accounts.space("mallory", "hostile")!;
      for (const [what, stop] of [
        ["pause", () => host.app.spaces.pause(space)],
        ["delete", () => host.app.spaces.remove(space)],
      ] as const) {
        if (what === "delete") await host.app.spaces.restart(space);
        const marker = String(900_000 + Math.floor(Math.random() * 99_999)); // `sleep` takes it as seconds
        const { pids } = await attack<{ pids: (number | null)[] }>("/detach", { marker });
        expect(
          pids.every((p) => typeof p === "number"),
          what,
        ).toBe(true);
        // Both run, on the host too, as the attacker's uid: one from node, one from setsid(1).
        const running = (await waitFor(() => (processesWith(marker).length >= 2 ? processesWith(marker) : undefined), { what }))!;
        for (const pid of running) expect(uidsOf(pid)[0]).toBe(accounts.uidOf("mallory", "hostile"));
        await stop();
        expect(processesWith(marker), `after ${what}`).toEqual([]);
        await bothFine();
      }
      expect(appProcesses("mallory/hostile")).toEqual([]);
    });
  },
);

/**
 * What the sandbox costs (issue 20), in one run: two in-process hosts, one running apps in their
 * sandboxes and one as plain processes (SPACE_RUNTIME=process), the same Space (this
 * repository's, pushed with the real git and git-lfs, its install cache seeded) pushed to both.
 * Push → serving, then `/api/predict` through the share URL under Debian's `wrk` at
 * concurrency 1 (p50, p99) and 32 (req/s), the two hosts measured in turn (ABBA, so load from
 * other jobs on the machine falls on both alike); and the memory a sandbox adds: its processes
 * that are not the app's (bwrap twice, socat and socat's child per connection), idle and under load.
 *
 * Part of `npm run bench`; alone: `npx tsx bench/sandbox-bench.ts`.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Accounts } from "../host/accounts/accounts.ts";
import type { RuntimeKind } from "../host/apps/sandbox.ts";
import { gitUser, inProcessHost, remoteUrl } from "../test/host/harness.ts";
import { seedInstall, spaceWorkingCopy } from "./host-bench.ts";
import { memoryMb, processTree } from "./proc-tree.ts";

type Row = [string, string, string];
const run = promisify(execFile);
const SPACE = "bench/fashion";
/** The processes a sandbox adds around the app. */
const SANDBOX_COMMANDS = new Set(["bwrap", "socat"]);

/** wrk's POST of `body`, and a `done` that prints what the bench reads as one JSON line (latencies in ms). */
const wrkScript = (body: string) => `wrk.method = "POST"
wrk.body = [==[${body}]==]
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"seconds":%f,"bad":%d,"p50":%f,"p99":%f}\\n', summary.requests,
    summary.duration / 1e6, e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
`;

/** One wrk run (one thread, so the load generator takes little of the cores), without blocking this process: the hosts are in it. */
async function wrk(url: string, script: string, connections: number, seconds: number) {
  const { stdout } = await run("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "-s", script, url], { maxBuffer: 1 << 20 });
  const line = stdout.split("\n").find((l) => l.startsWith("{"));
  const r = line ? (JSON.parse(line) as { requests: number; seconds: number; bad: number; p50: number; p99: number }) : undefined;
  if (!r?.requests || r.bad) throw new Error(`wrk failed against ${url}:\n${stdout}`);
  return { perSecond: r.requests / r.seconds, p50: r.p50, p99: r.p99 };
}

/** An app's processes, split into the sandbox's own (bwrap, socat) and the app's, with their memory. */
function appMemory(pid: number) {
  const tree = processTree(pid);
  const added = tree.filter((p) => SANDBOX_COMMANDS.has(p.comm));
  const app = tree.filter((p) => !SANDBOX_COMMANDS.has(p.comm));
  const counts: Record<string, number> = {};
  for (const p of added) counts[p.comm] = (counts[p.comm] ?? 0) + 1;
  return { added: memoryMb(added.map((p) => p.pid)), app: memoryMb(app.map((p) => p.pid)), counts };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const check = (ok: boolean) => (ok ? "✓" : "✗");

/** Rows of [figure, value, target]; a skip row when what it needs is missing. */
export async function sandboxFigures(log: (s: string) => void): Promise<Row[]> {
  const missing = ["/usr/bin/git-lfs", "/usr/bin/wrk", "/usr/bin/bwrap", "/usr/bin/socat"].filter((f) => !existsSync(f));
  if (missing.length) return [["Sandbox vs process figures", "skipped", `missing ${missing.join(", ")}`]];
  if (process.getuid?.() !== 0) return [["Sandbox vs process figures", "skipped", "the sandbox needs the host to run as root"]];
  const temp = mkdtempSync(join(tmpdir(), "sandbox-bench-"));
  const kinds: RuntimeKind[] = ["sandbox", "process"];
  const hosts: Partial<Record<RuntimeKind, { base: string; token: string; close: () => Promise<void>; pid: () => number }>> = {};
  try {
    for (const kind of kinds) {
      const dataDir = join(temp, kind);
      const token = new Accounts(dataDir).createToken("bench");
      seedInstall(dataDir);
      const host = await inProcessHost({ dataDir, runtime: kind, drainMs: 500 });
      if (host.app.spaces.sandboxing.kind !== kind) throw new Error(`the ${kind} host runs apps as ${host.app.spaces.sandboxing.kind}`);
      hosts[kind] = { ...host, token, pid: () => host.app.runtimes.get(SPACE)!.child!.pid! };
    }
    const { git } = await gitUser(temp);
    const dir = await spaceWorkingCopy(git, temp);
    const push = async (kind: RuntimeKind) => {
      const started = performance.now();
      const { stderr } = await git(dir, "push", "--quiet", remoteUrl(hosts[kind]!.base, SPACE, "bench", hosts[kind]!.token), "main");
      if (!stderr.includes("Your Space is live")) throw new Error(`push to the ${kind} host did not deploy:\n${stderr}`);
      return (performance.now() - started) / 1000;
    };

    // Push → serving: the first push (the disk image is made then), then two one-line changes, in turn.
    log("== sandbox vs process: git push → serving…");
    const first = { sandbox: await push("sandbox"), process: await push("process") };
    const change: Record<RuntimeKind, number[]> = { sandbox: [], process: [] };
    for (const [i, order] of [kinds, [...kinds].reverse()].entries()) {
      const appTs = readFileSync(join(dir, "app.ts"), "utf8").replace(/title: "([^"(]*)[^"]*"/, `title: "$1(${i + 2})"`);
      writeFileSync(join(dir, "app.ts"), appTs);
      await git(dir, "commit", "--quiet", "-am", `One line (${i + 2})`);
      for (const kind of order) change[kind].push(await push(kind));
    }
    await new Promise((r) => setTimeout(r, 2000)); // the replaced revisions drain and stop
    const idle = { sandbox: appMemory(hosts.sandbox!.pid()), process: appMemory(hosts.process!.pid()) };

    // /api/predict through the share URL, the hosts in turn: A B B A.
    const script = join(temp, "predict.lua");
    const image = readFileSync("examples/bag.png").toString("base64");
    writeFileSync(script, wrkScript(JSON.stringify({ data: [`data:image/png;base64,${image}`] })));
    const url = (kind: RuntimeKind) => `${hosts[kind]!.base}/spaces/${SPACE}/app/api/predict`;
    for (const kind of kinds) await wrk(url(kind), script, 32, 2); // warm
    const abba = [...kinds, ...[...kinds].reverse()];
    log("== sandbox vs process: /api/predict through the share URL, concurrency 1…");
    const c1: Record<RuntimeKind, { p50: number; p99: number }[]> = { sandbox: [], process: [] };
    for (const kind of abba) c1[kind].push(await wrk(url(kind), script, 1, 5));
    log("== sandbox vs process: /api/predict through the share URL, concurrency 32…");
    const c32: Record<RuntimeKind, number[]> = { sandbox: [], process: [] };
    let loaded = { mb: { rss: 0, pss: 0 }, socat: 0 };
    for (const kind of abba) {
      // One look at the sandbox's processes halfway through its run: reading /proc costs the host's CPU too.
      const sample =
        kind === "sandbox"
          ? setTimeout(() => {
              const m = appMemory(hosts.sandbox!.pid());
              if (m.added.rss > loaded.mb.rss) loaded = { mb: m.added, socat: m.counts.socat ?? 0 };
            }, 2500)
          : undefined;
      c32[kind].push((await wrk(url(kind), script, 32, 5)).perSecond);
      clearTimeout(sample);
    }

    const at = (kind: RuntimeKind) => ({
      p50: mean(c1[kind].map((r) => r.p50)),
      p99: mean(c1[kind].map((r) => r.p99)),
      perSecond: mean(c32[kind]),
      change: mean(change[kind]),
    });
    const s = at("sandbox");
    const p = at("process");
    const f1 = (x: number) => x.toFixed(1);
    const f2 = (x: number) => x.toFixed(2);
    const vs = (a: string, b: string) => `${a} vs ${b}`;
    const mb = (m: { rss: number; pss: number }) => `${f1(m.rss)} MB RSS (${f1(m.pss)} MB PSS)`;
    const counts = Object.entries(idle.sandbox.counts)
      .map(([c, n]) => `${c} ×${n}`)
      .join(", ");
    return [
      [
        "Sandbox vs process: git push → serving, first push (warm install)",
        vs(`${f1(first.sandbox)} s`, `${f1(first.process)} s`),
        `${check(first.sandbox - first.process <= 1)} ≤ +1 s: ${first.sandbox >= first.process ? "+" : "−"}${f2(Math.abs(first.sandbox - first.process))} s (the disk image is made then)`,
      ],
      [
        "Sandbox vs process: git push → serving, one-line change (mean of 2)",
        vs(`${f1(s.change)} s`, `${f1(p.change)} s`),
        `${check(s.change - p.change <= 1)} ≤ +1 s: ${s.change >= p.change ? "+" : "−"}${f2(Math.abs(s.change - p.change))} s`,
      ],
      [
        "Sandbox vs process: /api/predict via the share URL, c=1 p50 (wrk, ABBA)",
        vs(`${f2(s.p50)} ms`, `${f2(p.p50)} ms`),
        `${check(s.p50 <= 1.1 * p.p50)} ≤ 1.10×: ${ratio(s.p50, p.p50)}`,
      ],
      ["Sandbox vs process: /api/predict via the share URL, c=1 p99", vs(`${f2(s.p99)} ms`, `${f2(p.p99)} ms`), ratio(s.p99, p.p99)],
      [
        "Sandbox vs process: /api/predict via the share URL, c=32",
        vs(`${s.perSecond.toFixed(0)} req/s`, `${p.perSecond.toFixed(0)} req/s`),
        `${check(s.perSecond >= p.perSecond / 1.1)} ≥ process / 1.10 (latency ≤ +10 %): ${ratio(s.perSecond, p.perSecond)}`,
      ],
      ["Sandbox: memory it adds, idle (its processes but the app's)", mb(idle.sandbox.added), counts],
      [
        "Sandbox: memory it adds, at c=32 (peak)",
        mb(loaded.mb),
        `socat ×${loaded.socat}: one per connection from the host, each a fork sharing its pages`,
      ],
      [
        "Sandbox vs process: the app's own processes, idle",
        vs(mb(idle.sandbox.app), mb(idle.process.app)),
        "npm, sh, tsx, node: the same in both",
      ],
    ];
  } finally {
    for (const host of Object.values(hosts)) await host.close().catch(() => {});
    rmSync(temp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const before = loadavg()[0]!;
  const rows = await sandboxFigures((s) => process.stderr.write(`${s}\n`));
  console.log(
    `\nnpx tsx bench/sandbox-bench.ts — ${availableParallelism()} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${before.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}\n`,
  );
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
  console.log(`${"figure".padEnd(w[0]!)}  ${"sandbox vs process".padStart(w[1]!)}  target`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`);
}

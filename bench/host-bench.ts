/**
 * Space host figures for `npm run bench`, with the real git and git-lfs pushing this
 * repository's Space: push-to-serving time (first push with a cold install, then a one-line
 * change with a warm cache), the same Space uploaded through the Hub API with `@huggingface/hub`
 * (uploadFiles → spaceInfo RUNNING, then a one-line commit), wake from sleep, and a host restart
 * → first Space serving again with 1 and with 10 Spaces (the host as its own process, as
 * `npm run host` runs it); and a shadow rollout's cost to the visitor (`shadowFigures`, also
 * `npx tsx bench/host-bench.ts shadow` alone).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Accounts } from "../host/accounts/accounts.ts";
import { installedModules, installKey } from "../host/build/install.ts";
import { cpuMs, processTree } from "./proc-tree.ts";
import { filesForUpload, gitUser, hostProcess, inProcessHost, remoteUrl, SPACE_FILES } from "../test/host/harness.ts";

/** A committed working copy of this repository's Space under `temp`/space. */
export async function spaceWorkingCopy(git: (cwd: string, ...args: string[]) => Promise<unknown>, temp: string): Promise<string> {
  const dir = join(temp, "space");
  mkdirSync(dir);
  for (const path of SPACE_FILES) cpSync(path, join(dir, path), { recursive: true });
  await git(dir, "init", "--quiet");
  await git(dir, "add", ".");
  await git(dir, "commit", "--quiet", "-m", "Space");
  return dir;
}

/**
 * Seeds a new host's install cache for `owner` with this repository's node_modules (same lock
 * file), as the host tests do, so a push of this repository's Space never waits on a cold `npm ci`.
 */
export function seedInstall(dataDir: string, owner = "bench"): void {
  const modules = installedModules(join(dataDir, "cache"), owner, installKey(readFileSync("package-lock.json")));
  mkdirSync(join(modules, ".."), { recursive: true });
  symlinkSync(join(process.cwd(), "node_modules"), modules, "dir");
}

/** Seconds until some and until all of `urls` answer 200. */
async function serving(urls: string[], started: number): Promise<{ first: number; all: number }> {
  const done = new Map<string, number>();
  while (done.size < urls.length) {
    if (performance.now() - started > 120_000) throw new Error(`only ${done.size} of ${urls.length} Spaces came back within 120 s`);
    await Promise.all(
      urls
        .filter((u) => !done.has(u))
        .map(
          async (u) =>
            (await fetch(u).then(
              (r) => r.ok,
              () => false,
            )) && done.set(u, performance.now()),
        ),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  const times = [...done.values()].map((t) => (t - started) / 1000);
  return { first: Math.min(...times), all: Math.max(...times) };
}

/**
 * Seconds from `@huggingface/hub`'s uploadFiles of the Space in `dir` to spaceInfo's runtime
 * RUNNING at that commit, then the same for a one-line commit.
 */
export async function hubUploadSeconds(
  base: string,
  accessToken: string,
  dir: string,
  name: string,
): Promise<{ upload: number; commit: number }> {
  const hub = await import("@huggingface/hub");
  const repo = { type: "space" as const, name };
  const q = { hubUrl: base, accessToken };
  await hub.createRepo({ repo, sdk: "docker", ...q });
  const runningAt = async (sha: string, started: number) => {
    for (;;) {
      const runtime = (await hub.spaceInfo({ name, additionalFields: ["runtime"], ...q })).runtime as
        | { stage: string; sha?: string }
        | undefined;
      if (runtime?.stage === "RUNNING" && runtime.sha === sha) return (performance.now() - started) / 1000;
      if (performance.now() - started > 300_000) throw new Error(`${name} did not run ${sha} within 300 s: ${JSON.stringify(runtime)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let started = performance.now();
  const uploaded = await hub.uploadFiles({ repo, files: filesForUpload(dir, SPACE_FILES), ...q });
  const upload = await runningAt(uploaded!.commit.oid, started);
  const appTs = readFileSync(join(dir, "app.ts"), "utf8").replace(/title: "([^"]*)"/, 'title: "$1 (API)"');
  started = performance.now();
  const committed = await hub.commit({
    repo,
    title: "One line",
    operations: [{ operation: "addOrUpdate", path: "app.ts", content: new Blob([appTs]) }],
    ...q,
  });
  return { upload, commit: await runningAt(committed!.commit.oid, started) };
}

/** Rows of [figure, value, target]; a skip row when git-lfs is missing. */
export async function hostFigures(log: (s: string) => void): Promise<[string, string, string][]> {
  if (!existsSync("/usr/bin/git-lfs")) return [["Space host figures", "skipped", "/usr/bin/git-lfs is missing (apt-get install git-lfs)"]];
  const temp = mkdtempSync(join(tmpdir(), "host-bench-"));
  const dataDir = join(temp, "data");
  const token = new Accounts(dataDir).createToken("bench");
  const host = await inProcessHost({ dataDir, sleepAfterMs: 3000 });
  try {
    const { git } = await gitUser(temp);
    const dir = await spaceWorkingCopy(git, temp);
    const push = async (base: string, name = "fashion") => {
      const started = performance.now();
      const { stderr } = await git(dir, "push", "--quiet", remoteUrl(base, `bench/${name}`, "bench", token), "main");
      if (!stderr.includes("Your Space is live")) throw new Error(`push did not deploy:\n${stderr}`);
      return (performance.now() - started) / 1000;
    };
    log("== Space host: first push (cold install)…");
    const cold = await push(host.base);
    log("== Space host: one-line change (warm cache)…");
    writeFileSync(
      join(dir, "app.ts"),
      readFileSync(join(dir, "app.ts"), "utf8").replace('title: "Fashion-MNIST classifier"', 'title: "Fashion-MNIST classifier (2)"'),
    );
    await git(dir, "commit", "--quiet", "-am", "One line");
    const warm = await push(host.base);
    log("== Space host: the same Space through the Hub API (@huggingface/hub)…");
    const api = await hubUploadSeconds(host.base, token, dir, "bench/fashion-api");
    log("== Space host: sleep and wake…");
    const rt = host.app.runtimes.get("bench/fashion")!;
    for (let i = 0; i < 100 && rt.stage !== "SLEEPING"; i++) await new Promise((r) => setTimeout(r, 100));
    let started = performance.now();
    const res = await fetch(`${host.base}/spaces/bench/fashion/app/config`);
    const wake = (performance.now() - started) / 1000;
    if (!res.ok) throw new Error(`wake failed: HTTP ${res.status}`);
    await host.close();

    // Restarts: the host as its own process. Push `added`, SIGTERM it, start a new one over the
    // same data, and time each of `all` until it answers again.
    const restart = async (added: string[], all: string[]) => {
      let child = await hostProcess(dataDir);
      for (const name of added) await push(child.base, name);
      child.child.kill("SIGTERM");
      await child.exited;
      started = performance.now();
      child = await hostProcess(dataDir);
      try {
        return await serving(
          all.map((n) => `${child.base}/spaces/bench/${n}/app/config`),
          started,
        );
      } finally {
        child.child.kill("SIGTERM");
        await child.exited;
      }
    };
    rmSync(join(dataDir, "state"), { recursive: true, force: true }); // only the Spaces pushed below come back
    log("== Space host: restart with 1 Space…");
    const one = await restart(["r1"], ["r1"]);
    log("== Space host: restart with 10 Spaces…");
    const ten = Array.from({ length: 10 }, (_, i) => `r${i + 1}`);
    const tenTimes = await restart(ten.slice(1), ten);
    return [
      ["Space host: git push → serving, first push (cold npm ci)", `${cold.toFixed(1)} s`, ""],
      [
        "Space host: git push → serving, one-line change (warm cache)",
        `${warm.toFixed(1)} s`,
        `${warm <= 10 ? "✓" : "✗"} ≤ 10 s (Hugging Face: minutes)`,
      ],
      [
        "Space host: @huggingface/hub uploadFiles → RUNNING, whole Space (warm cache)",
        `${api.upload.toFixed(1)} s`,
        "same build as a push; model.onnx through LFS",
      ],
      [
        "Space host: @huggingface/hub commit → RUNNING, one-line change",
        `${api.commit.toFixed(1)} s`,
        `${api.commit <= 10 ? "✓" : "✗"} ≤ 10 s`,
      ],
      ["Space host: wake from sleep → /config answered (held request)", `${wake.toFixed(1)} s`, "model load included"],
      ["Space host: host restart → first Space serving again, 1 Space", `${one.first.toFixed(1)} s`, "host start + app start + model load"],
      [
        "Space host: host restart → first / all serving again, 10 Spaces",
        `${tenTimes.first.toFixed(1)} s / ${tenTimes.all.toFixed(1)} s`,
        "2 apps start at once (cores)",
      ],
      ...(await shadowFigures(log)),
    ];
  } finally {
    await host.close().catch(() => {});
    rmSync(temp, { recursive: true, force: true });
  }
}

/** CPU time (ms) of an app so far: its process and everything below it, in a sandbox or not. */
const appCpuMs = (pid: number) => cpuMs(processTree(pid).map((p) => p.pid));

/** `n` sequential calls: the median and p99 latency in ms. */
async function sequential(call: () => Promise<unknown>, n: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n / 2)]!, p99: times[Math.ceil(0.99 * n) - 1]! };
}

/** Calls per second with `concurrency` callers for `ms`. */
async function throughput(call: () => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await call().then(() => done++);
    }),
  );
  return done / (ms / 1000);
}

/**
 * A shadow rollout's cost to the visitor, in one run: this repository's Space served alone, then
 * with a shadow of the same model taking a copy of every /api/predict — the visitor's latency at
 * concurrency 1 and the throughput at concurrency 4 — and a tiny Space (no model) for the
 * host's own share of the added latency.
 */
export async function shadowFigures(log: (s: string) => void): Promise<[string, string, string][]> {
  if (!existsSync("/usr/bin/git-lfs")) return [["Space host shadow figures", "skipped", "/usr/bin/git-lfs is missing"]];
  const temp = mkdtempSync(join(tmpdir(), "host-bench-shadow-"));
  const dataDir = join(temp, "data");
  const token = new Accounts(dataDir).createToken("bench");
  seedInstall(dataDir);
  const host = await inProcessHost({ dataDir, drainMs: 500 });
  try {
    const { git } = await gitUser(temp);
    const dir = await spaceWorkingCopy(git, temp);
    const remote = remoteUrl(host.base, "bench/shadow", "bench", token);
    await git(dir, "push", "--quiet", remote, "main");
    const body = JSON.stringify({ data: [`data:image/png;base64,${readFileSync("examples/bag.png").toString("base64")}`] });
    const predict = (space = "shadow") =>
      fetch(`${host.base}/spaces/bench/${space}/app/api/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).then((r) => r.text());
    // Where the CPU goes at concurrency 4: this process (the host and the load client), the app, the shadow.
    const cpu = () => {
      const rt = host.app.runtimes.get("bench/shadow")!;
      const { user, system } = process.cpuUsage();
      return [(user + system) / 1000, appCpuMs(rt.child!.pid!), rt.candidate ? appCpuMs(rt.candidate.child.pid!) : 0];
    };
    const measure = async (space?: string) => {
      await sequential(() => predict(space), 20); // warm
      const c1 = await sequential(() => predict(space), 200);
      const before = cpu();
      const started = performance.now();
      const tput = await throughput(() => predict(space), 4, 5000);
      const calls = (tput * (performance.now() - started)) / 1000;
      return { c1, tput, cpuPerCall: cpu().map((ms, i) => (ms - before[i]!) / calls) };
    };
    log("== Space host: shadow rollout cost, no rollout…");
    const alone = await measure();
    // The same model as the shadow: it never disagrees, and manual promotion keeps it running.
    const readme = readFileSync(join(dir, "README.md"), "utf8").replace(
      /\n---\n/,
      "\nrollout: {mode: shadow, promote: manual, judge_after: 1000000000, shadow_concurrency: 2, shadow_queue: 16}\n---\n",
    );
    writeFileSync(join(dir, "README.md"), readme);
    await git(dir, "commit", "--quiet", "-am", "Shadow");
    await git(dir, "push", "--quiet", remote, "main");
    log("== Space host: shadow rollout cost, with a shadow…");
    const shadowed = await measure();
    const rollout = host.app.runtimes.get("bench/shadow")!.rollout!.toJSON();

    // The host's share alone: a tiny Space that answers at once, alone and with a shadow.
    const tiny = join(temp, "tiny");
    mkdirSync(tiny);
    writeFileSync(
      join(tiny, "package.json"),
      JSON.stringify({ name: "tiny", version: "1.0.0", private: true, scripts: { start: "node server.mjs" } }),
    );
    writeFileSync(
      join(tiny, "package-lock.json"),
      JSON.stringify({
        name: "tiny",
        version: "1.0.0",
        lockfileVersion: 3,
        requires: true,
        packages: { "": { name: "tiny", version: "1.0.0" } },
      }),
    );
    writeFileSync(
      join(tiny, "server.mjs"),
      `import http from "node:http";
http.createServer((req, res) => { req.resume(); req.on("end", () => { res.setHeader("content-type", "application/json"); res.end(JSON.stringify({ data: [{ label: "Bag", confidences: [{ label: "Bag", confidence: 0.9 }] }] })); }); }).listen(Number(process.env.PORT), "127.0.0.1");
`,
    );
    writeFileSync(join(tiny, "README.md"), "---\ntitle: tiny\nsdk: docker\n---\n");
    await git(tiny, "init", "--quiet");
    await git(tiny, "add", ".");
    await git(tiny, "commit", "--quiet", "-m", "tiny");
    const tinyRemote = remoteUrl(host.base, "bench/tiny", "bench", token);
    await git(tiny, "push", "--quiet", tinyRemote, "main");
    log("== Space host: shadow rollout cost, tiny Space…");
    await sequential(() => predict("tiny"), 100);
    const tinyAlone = await sequential(() => predict("tiny"), 1000);
    writeFileSync(
      join(tiny, "README.md"),
      "---\ntitle: tiny\nsdk: docker\nrollout: {mode: shadow, promote: manual, judge_after: 1000000000}\n---\n",
    );
    await git(tiny, "commit", "--quiet", "-am", "Shadow");
    await git(tiny, "push", "--quiet", tinyRemote, "main");
    await sequential(() => predict("tiny"), 100);
    const tinyShadow = await sequential(() => predict("tiny"), 1000);
    const added = shadowed.c1.p50 - alone.c1.p50;
    const tinyAdded = tinyShadow.p50 - tinyAlone.p50;
    const f = (x: number) => x.toFixed(2);
    return [
      [
        "Space host shadow: visitor /api/predict latency at c=1, p50 / p99 (no rollout → shadow)",
        `${f(alone.c1.p50)} / ${f(alone.c1.p99)} ms → ${f(shadowed.c1.p50)} / ${f(shadowed.c1.p99)} ms`,
        `added ${f(added)} ms p50 ${added <= 1 ? "✓" : "✗"} ≤ 1 ms`,
      ],
      [
        "Space host shadow: the host's own share (tiny Space, c=1, p50)",
        `${f(tinyAlone.p50)} → ${f(tinyShadow.p50)} ms`,
        `added ${f(tinyAdded)} ms ${tinyAdded <= 1 ? "✓" : "✗"} ≤ 1 ms`,
      ],
      [
        "Space host shadow: throughput at c=4 (no rollout → shadow)",
        `${alone.tput.toFixed(1)} → ${shadowed.tput.toFixed(1)} calls/s`,
        `${Math.round((1 - shadowed.tput / alone.tput) * 100)} % less; ${rollout.shadow!.dropped} copies dropped of ${rollout.shadow!.dropped + rollout.candidate.requests}, ${availableParallelism()} cores`,
      ],
      [
        "Space host shadow: CPU per visitor call at c=4, host + load client / app / shadow app",
        `${alone.cpuPerCall.slice(0, 2).map(f).join(" / ")} ms → ${shadowed.cpuPerCall.map(f).join(" / ")} ms`,
        "where the throughput goes",
      ],
    ];
  } finally {
    await host.close().catch(() => {});
    rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[2] === "shadow" && import.meta.url === `file://${process.argv[1]}`) {
  for (const [figure, value, target] of await shadowFigures(console.error)) console.log(`${figure}: ${value} (${target})`);
}

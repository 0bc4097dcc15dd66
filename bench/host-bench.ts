/**
 * Space host figures for `npm run bench`, with the real git and git-lfs pushing this
 * repository's Space: push-to-serving time (first push with a cold install, then a one-line
 * change with a warm cache), the same Space uploaded through the Hub API with `@huggingface/hub`
 * (uploadFiles → spaceInfo RUNNING, then a one-line commit), wake from sleep, and a host restart
 * → first Space serving again with 1 and with 10 Spaces (the host as its own process, as
 * `npm run host` runs it).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Accounts } from "../host/accounts.ts";
import { filesForUpload, gitUser, hostProcess, inProcessHost, remoteUrl } from "../test/host/harness.ts";

const SPACE_FILES = ["app.ts", "model.onnx", "README.md", ".gitattributes", ".npmrc", "package.json", "package-lock.json", "tsconfig.json", "examples", "src", "ui"];

/** Seconds until some and until all of `urls` answer 200. */
async function serving(urls: string[], started: number): Promise<{ first: number; all: number }> {
  const done = new Map<string, number>();
  while (done.size < urls.length) {
    if (performance.now() - started > 120_000) throw new Error(`only ${done.size} of ${urls.length} Spaces came back within 120 s`);
    await Promise.all(urls.filter((u) => !done.has(u)).map(async (u) => (await fetch(u).then((r) => r.ok, () => false)) && done.set(u, performance.now())));
    await new Promise((r) => setTimeout(r, 50));
  }
  const times = [...done.values()].map((t) => (t - started) / 1000);
  return { first: Math.min(...times), all: Math.max(...times) };
}

/**
 * Seconds from `@huggingface/hub`'s uploadFiles of the Space in `dir` to spaceInfo's runtime
 * RUNNING at that commit, then the same for a one-line commit.
 */
export async function hubUploadSeconds(base: string, accessToken: string, dir: string, name: string): Promise<{ upload: number; commit: number }> {
  const hub = await import("@huggingface/hub");
  const repo = { type: "space" as const, name };
  const q = { hubUrl: base, accessToken };
  await hub.createRepo({ repo, sdk: "docker", ...q });
  const runningAt = async (sha: string, started: number) => {
    for (;;) {
      const runtime = (await hub.spaceInfo({ name, additionalFields: ["runtime"], ...q })).runtime as { stage: string; sha?: string } | undefined;
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
  const committed = await hub.commit({ repo, title: "One line", operations: [{ operation: "addOrUpdate", path: "app.ts", content: new Blob([appTs]) }], ...q });
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
    const dir = join(temp, "space");
    mkdirSync(dir);
    for (const path of SPACE_FILES) cpSync(path, join(dir, path), { recursive: true });
    await git(dir, "init", "--quiet");
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "Space");
    const push = async (base: string, name = "fashion") => {
      const started = performance.now();
      const { stderr } = await git(dir, "push", "--quiet", remoteUrl(base, `bench/${name}`, "bench", token), "main");
      if (!stderr.includes("Your Space is live")) throw new Error(`push did not deploy:\n${stderr}`);
      return (performance.now() - started) / 1000;
    };
    log("== Space host: first push (cold install)…");
    const cold = await push(host.base);
    log("== Space host: one-line change (warm cache)…");
    writeFileSync(join(dir, "app.ts"), readFileSync(join(dir, "app.ts"), "utf8").replace('title: "Fashion-MNIST classifier"', 'title: "Fashion-MNIST classifier (2)"'));
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
        return await serving(all.map((n) => `${child.base}/spaces/bench/${n}/app/config`), started);
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
      ["Space host: git push → serving, one-line change (warm cache)", `${warm.toFixed(1)} s`, `${warm <= 10 ? "✓" : "✗"} ≤ 10 s (Hugging Face: minutes)`],
      ["Space host: @huggingface/hub uploadFiles → RUNNING, whole Space (warm cache)", `${api.upload.toFixed(1)} s`, "same build as a push; model.onnx through LFS"],
      ["Space host: @huggingface/hub commit → RUNNING, one-line change", `${api.commit.toFixed(1)} s`, `${api.commit <= 10 ? "✓" : "✗"} ≤ 10 s`],
      ["Space host: wake from sleep → /config answered (held request)", `${wake.toFixed(1)} s`, "model load included"],
      ["Space host: host restart → first Space serving again, 1 Space", `${one.first.toFixed(1)} s`, "host start + app start + model load"],
      ["Space host: host restart → first / all serving again, 10 Spaces", `${tenTimes.first.toFixed(1)} s / ${tenTimes.all.toFixed(1)} s`, "2 apps start at once (cores)"],
    ];
  } finally {
    await host.close().catch(() => {});
    rmSync(temp, { recursive: true, force: true });
  }
}

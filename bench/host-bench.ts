/**
 * Space host figures for `npm run bench`: push-to-serving time (first push with a cold install,
 * then a one-line change with a warm cache) and wake-from-sleep time, with the real git and
 * git-lfs against an in-process host, pushing this repository's Space.
 */
import { serve } from "@hono/node-server";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Accounts } from "../host/accounts.ts";
import { stopApp } from "../host/deploy.ts";
import { createHostApp } from "../host/server.ts";

const run = promisify(execFile);

/** Rows of [figure, value, target]; a skip row when git-lfs is missing. */
export async function hostFigures(log: (s: string) => void): Promise<[string, string, string][]> {
  if (!existsSync("/usr/bin/git-lfs")) return [["Space host figures", "skipped", "/usr/bin/git-lfs is missing (apt-get install git-lfs)"]];
  const temp = mkdtempSync(join(tmpdir(), "host-bench-"));
  const accounts = new Accounts(join(temp, "data"));
  const token = accounts.createToken("bench");
  let base = "";
  const app = createHostApp({ dataDir: join(temp, "data"), accounts, selfUrl: () => base, sleepAfterMs: 3000 });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const home = join(temp, "home");
  mkdirSync(home);
  const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (cwd: string, ...args: string[]) => run("git", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  try {
    await git(home, "config", "--global", "user.name", "Bench");
    await git(home, "config", "--global", "user.email", "bench@example.com");
    await git(home, "config", "--global", "init.defaultBranch", "main");
    await git(home, "lfs", "install", "--skip-repo");
    const dir = join(temp, "space");
    mkdirSync(dir);
    for (const path of ["app.ts", "model.onnx", "README.md", ".gitattributes", ".npmrc", "package.json", "package-lock.json", "tsconfig.json", "examples", "src", "ui"]) cpSync(path, join(dir, path), { recursive: true });
    await git(dir, "init", "--quiet");
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "Space");
    const remote = new URL(`${base}/spaces/bench/fashion`);
    remote.username = "bench";
    remote.password = token;
    const push = async () => {
      const started = performance.now();
      const { stderr } = await git(dir, "push", "--quiet", remote.href, "main");
      if (!stderr.includes("Your Space is live")) throw new Error(`push did not deploy:\n${stderr}`);
      return (performance.now() - started) / 1000;
    };
    log("== Space host: first push (cold install)…");
    const cold = await push();
    log("== Space host: one-line change (warm cache)…");
    writeFileSync(join(dir, "app.ts"), readFileSync(join(dir, "app.ts"), "utf8").replace('title: "Fashion-MNIST classifier"', 'title: "Fashion-MNIST classifier (2)"'));
    await git(dir, "commit", "--quiet", "-am", "One line");
    const warm = await push();
    log("== Space host: sleep and wake…");
    const rt = app.runtimes.get("bench/fashion")!;
    for (let i = 0; i < 100 && rt.stage !== "SLEEPING"; i++) await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const res = await fetch(`${base}/spaces/bench/fashion/app/config`);
    const wake = (performance.now() - started) / 1000;
    if (!res.ok) throw new Error(`wake failed: HTTP ${res.status}`);
    return [
      ["Space host: git push → serving, first push (cold npm ci)", `${cold.toFixed(1)} s`, ""],
      ["Space host: git push → serving, one-line change (warm cache)", `${warm.toFixed(1)} s`, `${warm <= 10 ? "✓" : "✗"} ≤ 10 s (Hugging Face: minutes)`],
      ["Space host: wake from sleep → /config answered (held request)", `${wake.toFixed(1)} s`, "model load included"],
    ];
  } finally {
    await Promise.all([...app.runtimes.values()].map((r) => stopApp(r.child)));
    server.close();
    rmSync(temp, { recursive: true, force: true });
  }
}

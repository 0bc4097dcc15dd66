/**
 * Real parts on one machine for the replica tests and bench: Debian's redis-server and haproxy,
 * and Space processes (the real app.ts, in child processes), each on a free loopback port, with
 * its own temp dir. Everything started here is stopped by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root, waitFor } from "./helpers.ts";

export const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ok = (url: string) => async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;

export interface Proc {
  child: ChildProcess;
  port: number;
  url: string;
  dir: string;
  log: () => string;
}

function track(child: ChildProcess): () => string {
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  return () => out;
}

/** A cluster under one temp dir. */
export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), "replicas-"));
  readonly procs: ChildProcess[] = [];
  redis?: Proc;

  async startRedis(port?: number): Promise<Proc> {
    port ??= await freePort();
    const dir = join(this.dir, "redis");
    mkdirSync(dir, { recursive: true });
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.procs.push(child);
    const log = track(child);
    const url = `redis://127.0.0.1:${port}`;
    await waitFor(
      () =>
        spawnSync("redis-cli", ["-p", String(port), "ping"])
          .stdout?.toString()
          .trim() === "PONG",
      {
        timeout: 10_000,
        every: 100,
        what: "redis",
      },
    );
    this.redis = { child, port, url, dir, log };
    return this.redis;
  }

  /** One Space: the real app.ts (model.onnx, examples/) in its own working dir. */
  async startReplica(name: string, env: Record<string, string> = {}, wait = true): Promise<Proc> {
    const port = await freePort();
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(root, "model.onnx"), join(dir, "model.onnx"));
    symlinkSync(join(root, "examples"), join(dir, "examples"));
    const child = spawn(process.execPath, ["--import", join(root, "node_modules/tsx/dist/esm/index.mjs"), join(root, "app.ts")], {
      cwd: dir,
      env: {
        ...process.env,
        PORT: String(port),
        GRADIO_SERVER_NAME: "127.0.0.1",
        GRADIO_TEMP_DIR: join(dir, "uploads"),
        SPACE_DATA_DIR: join(dir, "data"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.procs.push(child);
    const proc = { child, port, url: `http://127.0.0.1:${port}`, dir, log: track(child) };
    if (wait) await waitFor(ok(`${proc.url}/readyz`), { timeout: 30_000, every: 100, what: `replica ${name}` });
    return proc;
  }

  /** HAProxy: round robin, no stickiness, health checks on /readyz every 300 ms. */
  async startHaproxy(servers: Proc[]): Promise<Proc> {
    const port = await freePort();
    const dir = join(this.dir, "haproxy");
    mkdirSync(dir, { recursive: true });
    const config = join(dir, "haproxy.cfg");
    writeFileSync(
      config,
      haproxyConfig(
        port,
        servers.map((s) => s.port),
      ),
    );
    const child = spawn("haproxy", ["-db", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
    this.procs.push(child);
    const proc = { child, port, url: `http://127.0.0.1:${port}`, dir, log: track(child) };
    await waitFor(ok(`${proc.url}/readyz`), { timeout: 10_000, every: 100, what: "haproxy" });
    return proc;
  }

  async stop(): Promise<void> {
    for (const child of this.procs) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await sleep(100);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The balancer of deploy/README: what a plain round-robin proxy in front of the replicas needs. */
export const haproxyConfig = (port: number, servers: number[]) => `global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout tunnel 60s
  option redispatch
  retries 2
frontend space
  bind 127.0.0.1:${port}
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 300ms fall 2 rise 1
${servers.map((p, i) => `  server r${i + 1} 127.0.0.1:${p} check`).join("\n")}
`;

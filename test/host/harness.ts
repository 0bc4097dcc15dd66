/**
 * What the Space host tests share: git with a HOME of its own (never the machine's config:
 * Debian's git-lfs turns LFS on in /etc/gitconfig), tiny Spaces with no dependencies (one that
 * answers like a classifier), a host running in this process or as its own process (`npm run
 * host`'s entry), and the rollout tests' host with that classifier pushed (`ClassifierHost`).
 */
import { serve } from "@hono/node-server";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { Accounts } from "../../host/accounts/accounts.ts";
import { createHostApp, type HostApp, type HostOptions } from "../../host/app.ts";
import type { Page } from "playwright-core";
import type { Rollout } from "../../host/rollout/rollout.ts";
import { root } from "../helpers.ts";

const run = promisify(execFile);

/** Whether git-lfs is here; on CI its absence fails the run instead of skipping. */
export function gitLfsPresent(what: string): boolean {
  if (existsSync("/usr/bin/git-lfs")) return true;
  if (process.env.CI === "true") throw new Error(`${what} cannot run on CI: /usr/bin/git-lfs is missing (apt-get install git-lfs).`);
  console.warn(`Skipping ${what}: /usr/bin/git-lfs is missing (apt-get install git-lfs)`);
  return false;
}

/** git with its own HOME and config, as a new user on a clean machine has it. */
export async function gitUser(temp: string) {
  const home = join(temp, "home");
  mkdirSync(home, { recursive: true });
  const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" };
  const git = (cwd: string, ...args: string[]) => run("git", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  await git(home, "config", "--global", "user.name", "Alice");
  await git(home, "config", "--global", "user.email", "alice@example.com");
  await git(home, "config", "--global", "init.defaultBranch", "main");
  await git(home, "lfs", "install", "--skip-repo"); // into this HOME's .gitconfig only
  const fails = (cwd: string, ...args: string[]) =>
    git(cwd, ...args).then(
      () => "",
      (err: { stderr: string }) => err.stderr,
    );
  return { git, fails, env };
}

/** The files of this repository's Space, as a user pushes it (model.onnx goes through LFS). */
export const SPACE_FILES = [
  "app.ts",
  "model.onnx",
  "README.md",
  ".gitattributes",
  ".npmrc",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "examples",
  "src",
  "ui",
];

/** A copy of this repository's Space in a new folder under `temp` (not a git repo yet). */
export function copySpace(temp: string, name = "space"): string {
  const dir = mkdtempSync(join(temp, `${name}-`));
  for (const path of SPACE_FILES) cpSync(join(root, path), join(dir, path), { recursive: true });
  return dir;
}

/** A remote URL with credentials in it, as git takes them. */
export const remoteUrl = (base: string, space: string, user?: string, token?: string) => {
  const url = new URL(`${base}/spaces/${space}`);
  if (user) {
    url.username = user;
    url.password = token ?? "";
  }
  return url.href;
};

/**
 * A committed Space with no dependencies: a node:http server that answers every path with what
 * it was given (headers, some environment), and exits on /crash.
 */
export async function tinySpaceRepo(
  git: (cwd: string, ...args: string[]) => Promise<unknown>,
  temp: string,
  name: string,
): Promise<string> {
  const dir = mkdtempSync(join(temp, `${name}-`));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", private: true, scripts: { start: "node server.mjs" } }),
  );
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({ name, version: "1.0.0", lockfileVersion: 3, requires: true, packages: { "": { name, version: "1.0.0" } } }),
  );
  writeFileSync(
    join(dir, "README.md"),
    `---\ntitle: ${name}\nemoji: 🧪\nsdk: docker\napp_port: 7860\nshort_description: A tiny test Space # not part of it\n---\n`,
  );
  writeFileSync(
    join(dir, "server.mjs"),
    `import http from "node:http";
http.createServer((req, res) => {
  if (req.url === "/crash") { res.end("bye"); setTimeout(() => process.exit(3), 10); return; }
  res.setHeader("content-type", "application/json");
  const env = Object.fromEntries(["GREETING", "GRADIO_SERVER_NAME", "SPACE_ID", "SPACE_DATA_DIR", "HOST_ONLY_SECRET"].map((k) => [k, process.env[k] ?? null]));
  res.end(JSON.stringify({ greeting: process.env.GREETING ?? null, hasKey: Boolean(process.env.API_KEY), hostSecret: process.env.HOST_ONLY_SECRET ?? null, home: process.env.HOME, url: req.url, headers: req.headers, env, envKeys: Object.keys(process.env) }));
}).listen(Number(process.env.PORT), process.env.GRADIO_SERVER_NAME || "0.0.0.0");
`,
  );
  await git(dir, "init", "--quiet");
  await git(dir, "add", ".");
  await git(dir, "commit", "--quiet", "-m", name);
  return dir;
}

/**
 * A tiny Space that answers like a classifier: one-shot predictions, curl `/call`, queue joins
 * and streams, each answer saying which revision gave it. `behaviour`: how often it fails (every
 * n-th call; `streamFailEvery`: every n-th queue call, inside its result stream as Gradio does,
 * after a 200 join) and how often it says "B" instead of "A".
 */
export function classifierServer(behaviour: { failEvery?: number; disagreeEvery?: number; streamFailEvery?: number }): string {
  return `import http from "node:http";
const b = ${JSON.stringify(behaviour)};
let n = 0;
const rev = process.env.SPACE_REVISION;
const answer = () => { n++; const label = b.disagreeEvery && n % b.disagreeEvery !== 0 ? "B" : "A"; return [{ label, confidences: [{ label, confidence: 0.9 }, { label: label === "A" ? "B" : "A", confidence: 0.1 }] }]; };
const events = new Map();
const queues = new Map();
let q = 0;
http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    const path = req.url.split("?")[0];
    res.setHeader("x-rev", rev);
    if (req.method === "POST" && b.failEvery && (n + 1) % b.failEvery === 0 && !path.endsWith("/queue/join")) { n++; res.statusCode = 500; return res.end(JSON.stringify({ error: "boom", rev })); }
    res.setHeader("content-type", "application/json");
    if (req.method === "POST" && /^(\\/gradio_api)?\\/(api|run)\\/predict$/.test(path)) return res.end(JSON.stringify({ data: answer(), duration: 0.001, rev }));
    if (req.method === "POST" && /\\/call\\/predict$/.test(path)) { const id = Math.random().toString(36).slice(2); events.set(id, answer()); return res.end(JSON.stringify({ event_id: id })); }
    if (req.method === "POST" && path.endsWith("/queue/join")) {
      const id = Math.random().toString(36).slice(2), session = JSON.parse(body).session_hash, fail = b.streamFailEvery && ++q % b.streamFailEvery === 0;
      queues.set(session, [...(queues.get(session) ?? []), { msg: "process_completed", event_id: id, success: !fail, output: fail ? { error: "boom" } : { data: answer() } }]);
      return res.end(JSON.stringify({ event_id: id }));
    }
    if (path.endsWith("/queue/data")) {
      const session = new URL(req.url, "http://app").searchParams.get("session_hash"), done = queues.get(session) ?? [];
      queues.delete(session);
      res.setHeader("content-type", "text/event-stream");
      return res.end([...done, { msg: "close_stream", event_id: null }].map((m) => "data: " + JSON.stringify(m) + "\\n\\n").join(""));
    }
    const result = path.match(/\\/call\\/predict\\/(\\w+)$/);
    if (result) { res.setHeader("content-type", "text/event-stream"); const data = events.get(result[1]); events.delete(result[1]); return res.end(data ? "event: complete\\ndata: " + JSON.stringify(data) + "\\n\\n" : "event: error\\ndata: null\\n\\n"); }
    res.end(JSON.stringify({ rev, url: req.url, greeting: process.env.GREETING ?? null }));
  });
}).listen(Number(process.env.PORT), "127.0.0.1");
`;
}

/** Every file under `paths` (relative to `dir`, folders walked) as `@huggingface/hub`'s {path, content: Blob}. */
export function filesForUpload(dir: string, paths: string[]): { path: string; content: Blob }[] {
  const out: { path: string; content: Blob }[] = [];
  const walk = (full: string) => {
    if (statSync(full).isDirectory()) for (const entry of readdirSync(full)) walk(join(full, entry));
    else out.push({ path: relative(dir, full), content: new Blob([readFileSync(full)]) });
  };
  for (const path of paths) walk(join(dir, path));
  return out;
}

/** A host in this process, listening on a free loopback port. */
export async function inProcessHost(
  options: Omit<HostOptions, "selfUrl">,
): Promise<{ base: string; app: HostApp; close: () => Promise<void> }> {
  let base = "";
  const app = createHostApp({ ...options, selfUrl: () => base });
  // CI installs bubblewrap and runs as root: every host test runs sandboxed there, never quietly in dev mode.
  if (process.env.CI === "true" && !options.runtime && app.spaces.sandboxing.kind !== "sandbox")
    throw new Error(`CI runs the host's tests with the sandbox, which is not available here: ${app.spaces.sandboxing.notes.join(" ")}`);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await app.spaces.shutdown();
    server.close();
  };
  return { base, app, close };
}

/**
 * An in-process host serving alice/clf, a {@link classifierServer} Space pushed once: what the
 * rollout tests share — a revision pushed with a card `rollout:`, the runtime API, the CLI, and
 * a restart of the host on the same data.
 *
 * @example
 * const f = await ClassifierHost.start("host-rollout", { rolloutTickMs: 100 });
 * const { sha } = await f.push("v2", { failEvery: 2 }, "{mode: canary, percent: 50}");
 */
export class ClassifierHost {
  private constructor(
    readonly temp: string,
    readonly dataDir: string,
    readonly accounts: Accounts,
    readonly token: string,
    readonly tools: Awaited<ReturnType<typeof gitUser>>,
    /** alice/clf's working copy. */
    readonly dir: string,
    private readonly options: Omit<HostOptions, "selfUrl" | "dataDir" | "accounts">,
    public host: Awaited<ReturnType<typeof inProcessHost>>,
  ) {}

  static async start(prefix: string, options: Omit<HostOptions, "selfUrl" | "dataDir" | "accounts">): Promise<ClassifierHost> {
    const temp = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const dataDir = join(temp, "data");
    const accounts = new Accounts(dataDir);
    const token = accounts.createToken("alice");
    const host = await inProcessHost({ dataDir, accounts, ...options });
    const tools = await gitUser(temp);
    const dir = await tinySpaceRepo(tools.git, temp, "clf");
    writeFileSync(join(dir, "server.mjs"), classifierServer({}));
    await tools.git(dir, "commit", "--quiet", "-am", "v1: a classifier");
    await tools.git(dir, "push", "--quiet", remoteUrl(host.base, "alice/clf", "alice", token), "main");
    return new ClassifierHost(temp, dataDir, accounts, token, tools, dir, options, host);
  }

  rt() {
    return this.host.app.runtimes.get("alice/clf")!;
  }

  /** Commits a revision with `behaviour` and a card `rollout:` (YAML), pushes it, returns git's output and the sha. */
  async push(
    message: string,
    behaviour: Parameters<typeof classifierServer>[0],
    rollout?: string,
  ): Promise<{ stderr: string; sha: string }> {
    const { git } = this.tools;
    writeFileSync(join(this.dir, "server.mjs"), `${classifierServer(behaviour)}// ${message}\n`);
    writeFileSync(
      join(this.dir, "README.md"),
      `---\ntitle: clf\nemoji: 🧪\nsdk: docker\napp_port: 7860\n${rollout ? `rollout: ${rollout}\n` : ""}---\n`,
    );
    await git(this.dir, "commit", "--quiet", "-am", message);
    const { stderr } = await git(this.dir, "push", remoteUrl(this.host.base, "alice/clf", "alice", this.token), "main");
    return { stderr, sha: (await git(this.dir, "rev-parse", "HEAD")).stdout.trim() };
  }

  /** GET /api/spaces/alice/clf/runtime. */
  async runtime(): Promise<{ sha: string; rollout: ReturnType<Rollout["toJSON"]> }> {
    return (await fetch(`${this.host.base}/api/spaces/alice/clf/runtime`)).json() as Promise<{
      sha: string;
      rollout: ReturnType<Rollout["toJSON"]>;
    }>;
  }

  /** `npm run spaces -- …` as alice, against this host. */
  cli(...args: string[]) {
    return run(process.execPath, ["--import", "tsx", join(root, "host", "cli.ts"), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, SPACES_DATA: this.dataDir, SPACES_HOST: this.host.base, HF_TOKEN: this.token },
    });
  }

  /** Stops the host and starts another on the same data (it restores what was running). */
  async restart(): Promise<void> {
    await this.host.close();
    this.host = await inProcessHost({ dataDir: this.dataDir, accounts: this.accounts, ...this.options });
    await this.host.app.spaces.restore(() => {});
  }

  async close(): Promise<void> {
    await this.host.close();
    if (!process.env.KEEP) rmSync(this.temp, { recursive: true, force: true });
  }
}

/** `npm run host` as its own process (its entry file, with tsx), on a free port. */
export async function hostProcess(
  dataDir: string,
  env: Record<string, string> = {},
  /** A command the host runs under, e.g. `["setpriv", "--bounding-set", "-sys_nice"]`. */
  wrapper: string[] = [],
): Promise<{ base: string; child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const [command, ...args] = [...wrapper, process.execPath, "--import", "tsx", join(root, "host", "main.ts")];
  const child = spawn(command!, args, {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SPACES_DATA: dataDir, HOST_PORT: "0", HOST_BIND: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const deadline = Date.now() + 20_000;
  while (!/Space host on (http:\/\/\S+)/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the host did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base: output.match(/Space host on (http:\/\/\S+)/)![1]!, child, output: () => output, exited };
}

/** A browser's way of signing in, as `signInByForm` does it, and what it ends with. */
export interface SignedIn {
  /** The session cookie as a Cookie header's pair, e.g. `space_session=…`. */
  cookie: string;
  /** The session's CSRF token, as the host's pages carry it (`<meta name="csrf-token">`). */
  csrf: string;
  /** The sign-in's Set-Cookie lines. */
  setCookies: string[];
}

/**
 * Signs in as a browser does: GETs the sign-in page (its nonce cookie and hidden `csrf` field),
 * posts the form from it, and reads the session's CSRF token from a host page. `proto: "https"`
 * asks as if behind an https proxy (X-Forwarded-Proto), where the cookies are `__Host-`.
 *
 * @example
 * const { cookie, csrf } = await signInByForm(host.base, "alice", token);
 * await fetch(`${host.base}/logout`, { method: "POST", headers: { cookie, origin: host.base, referer: `${host.base}/`, "content-type": "application/x-www-form-urlencoded" }, body: `csrf=${csrf}` });
 */
export async function signInByForm(base: string, user: string, token: string, { proto = "http" } = {}): Promise<SignedIn> {
  const origin = proto === "https" ? base.replace(/^http:/, "https:") : base;
  const forwarded: Record<string, string> = proto === "https" ? { "x-forwarded-proto": "https" } : {};
  const page = await fetch(`${base}/login`, { headers: { ...forwarded, "sec-fetch-site": "none" } });
  const nonceCookie = page.headers.getSetCookie()[0]!.split(";")[0]!;
  const nonce = (await page.text()).match(/name="csrf" value="([^"]+)"/)![1]!;
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...forwarded,
      "content-type": "application/x-www-form-urlencoded",
      cookie: nonceCookie,
      origin,
      referer: `${origin}/login`,
      "sec-fetch-site": "same-origin",
    },
    body: new URLSearchParams({ user, token, next: "/", csrf: nonce }),
  });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
  const setCookies = res.headers.getSetCookie();
  const cookie = setCookies.find((line) => /^(__Host-)?space_session=[^;]/.test(line))!.split(";")[0]!;
  const home = await (await fetch(`${base}/`, { headers: { ...forwarded, cookie, "sec-fetch-site": "none" } })).text();
  const csrf = home.match(/<meta name="csrf-token" content="([^"]+)">/)![1]!;
  return { cookie, csrf, setCookies };
}

/**
 * A new token made the way a person makes one, on Settings → Tokens in the browser (signed in
 * on `page`): its name and role typed and picked, the token read off the page that shows it once.
 *
 * @example
 * const writer = await tokenFromSettings(page, host.base, "laptop", "write");
 */
export async function tokenFromSettings(page: Page, base: string, name: string, role: "read" | "write"): Promise<string> {
  await page.goto(`${base}/settings/tokens`);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("radio", { name: new RegExp(`^${role}`) }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const heading = await page.locator("h1").textContent();
  if (heading !== "Your new token") throw new Error(`Settings → Tokens did not show a new token: ${heading}`);
  return (await page.locator("#token").textContent())!;
}

/**
 * The Space host's route table: git smart HTTP and Git LFS under `/spaces/<owner>/<name>`, as on
 * Hugging Face, where the same URL is the git remote. Authorisation is decided here, once per
 * request: anyone may read a public Space; only its owner may push or read a private one.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Hono, type Context } from "hono";
import type { Accounts, SpaceRecord } from "./accounts.ts";
import { gitHttpBackend } from "./git.ts";
import { batch, LFS_TYPE, readObject, storeObject } from "./lfs.ts";
import { deploy, restart, stopApp, type DeployContext } from "./deploy.ts";
import { isValidName } from "./names.ts";
import { spacePage } from "./page.ts";
import { SpaceRuntime } from "./runtime.ts";

const run = promisify(execFile);

/** Options of {@link createHostApp}. */
export interface HostOptions {
  /** SPACES_DATA: repos, LFS objects and accounts live here. */
  dataDir: string;
  accounts: Accounts;
  /** The host's own address as its hooks reach it, e.g. http://127.0.0.1:7861 (known once listening). */
  selfUrl: () => string;
  /** How long a starting app may take to answer /config. */
  readyTimeoutMs?: number;
  /** A Space sleeps after this long without requests (default SPACE_SLEEP_AFTER seconds, or 48 h as on HF's free tier). */
  sleepAfterMs?: number;
  /** How long an API request to a sleeping Space is held while it wakes (default 30 s). */
  wakeHoldMs?: number;
}

// The post-receive shim: git runs it in the bare repo; it runs host/hook.ts with tsx.
const HOOK = `#!/bin/sh
exec "${process.execPath}" --import "${import.meta.resolve("tsx")}" "${fileURLToPath(new URL("./hook.ts", import.meta.url))}"
`;

/** The user named by an `Authorization` header: Basic `user:token` (git) or Bearer `token` (@gradio/client). */
function requestUser(c: Context, accounts: Accounts): string | undefined {
  const header = c.req.header("authorization") ?? "";
  const [scheme, value = ""] = header.split(" ", 2);
  let token: string | undefined;
  if (scheme?.toLowerCase() === "bearer") token = value;
  else if (scheme?.toLowerCase() === "basic") token = Buffer.from(value, "base64").toString().split(":").slice(1).join(":");
  accounts.reload(); // the CLI adds tokens and Spaces from another process
  return accounts.userForToken(token);
}

/**
 * @example
 * const app = createHostApp({ dataDir: ".spaces", accounts: new Accounts(".spaces") });
 * // git push http://alice:$TOKEN@localhost:7861/spaces/alice/demo main
 */
export function createHostApp({ dataDir, accounts, selfUrl, readyTimeoutMs, sleepAfterMs = Number(process.env.SPACE_SLEEP_AFTER ?? 48 * 3600) * 1000, wakeHoldMs = 30_000 }: HostOptions): Hono & { runtimes: Map<string, SpaceRuntime> } {
  const repos = join(dataDir, "repos");
  const app = new Hono() as Hono & { runtimes: Map<string, SpaceRuntime> };
  const runtimes = (app.runtimes = new Map<string, SpaceRuntime>());
  const runtime = (id: string) => runtimes.get(id) ?? runtimes.set(id, new SpaceRuntime(id)).get(id)!;
  const hookToken = randomBytes(24).toString("hex"); // only this process's hooks know it
  /** Postpones a Space's sleep: each request to its app, and each deploy, counts as activity. */
  const touch = (rt: SpaceRuntime) => {
    clearTimeout(rt.sleepTimer);
    rt.sleepTimer = setTimeout(() => void sleep(rt), sleepAfterMs);
    rt.sleepTimer.unref();
  };
  const deployContext = (space: SpaceRecord): DeployContext => ({
    repoDir: join(repos, space.owner, `${space.name}.git`),
    lfsDir: join(dataDir, "lfs", space.owner, space.name),
    buildsDir: join(dataDir, "builds", space.owner, space.name),
    cacheDir: join(dataDir, "cache"),
    publicPath: `/spaces/${space.owner}/${space.name}/app`,
    // Uploads outlive a revision: a call may upload to the old app and join on the new one.
    env: { GRADIO_TEMP_DIR: join(dataDir, "uploads", space.owner, space.name), ...space.variables, ...space.secrets },
    readyTimeoutMs,
  });

  const ensureRepo = async (space: SpaceRecord) => {
    const dir = join(repos, space.owner, `${space.name}.git`);
    if (existsSync(dir)) return dir;
    mkdirSync(dir, { recursive: true });
    await run("git", ["init", "--bare", "--quiet", "--initial-branch=main", dir]);
    await run("git", ["-C", dir, "config", "http.receivepack", "true"]);
    writeFileSync(join(dir, "hooks", "post-receive"), HOOK);
    chmodSync(join(dir, "hooks", "post-receive"), 0o755);
    return dir;
  };

  const denied = (c: Context, user: string | undefined, message: string, lfs: boolean) => {
    if (user) return lfs ? c.json({ message }, 403, { "content-type": LFS_TYPE }) : c.text(`${message}\n`, 403);
    // git and git-lfs retry with credentials when told Basic is wanted.
    c.header("www-authenticate", 'Basic realm="Spaces"');
    return lfs ? c.json({ message }, 401, { "content-type": LFS_TYPE }) : c.text(`${message}\n`, 401);
  };

  // The post-receive hook: deploy pushed revisions of main, streaming the build log back to the pusher.
  app.post("/_internal/deploy", async (c) => {
    if (c.req.header("authorization") !== `Bearer ${hookToken}`) return c.text("Not for you.\n", 403);
    const { space: id, updates } = (await c.req.json()) as { space: string; updates: string };
    const [owner = "", name = ""] = id.split("/");
    const space = accounts.space(owner, name);
    if (!space) return c.text(`No Space ${id}\n`, 404);
    const sha = updates.split("\n").map((l) => l.trim().split(" ")).find(([, rev, ref]) => ref === "refs/heads/main" && /^[0-9a-f]{40,64}$/.test(rev ?? "") && !/^0+$/.test(rev!))?.[1];
    if (!sha) return c.text("Nothing to deploy: only pushes to main are built.\n");
    const rt = runtime(id);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (text: string) => controller.enqueue(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
        const stop = rt.buildLog.follow((line) => send(line.data));
        const problem = await rt.serialize(() => deploy(rt, deployContext(space), sha));
        if (!problem) touch(rt);
        stop();
        send(problem ? `Deploy failed: ${problem}${rt.sha ? ` (still serving ${rt.sha.slice(0, 12)})` : ""}` : `Your Space is live: ${selfUrl()}/spaces/${id}`);
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
  });

  app.get("/api/spaces/:owner/:name/runtime", (c) => {
    const id = `${c.req.param("owner")}/${c.req.param("name")}`;
    const space = accounts.space(c.req.param("owner"), c.req.param("name"));
    if (!space || (space.private && requestUser(c, accounts) !== space.owner)) return c.json({ error: "Repository not found" }, 404);
    return c.json(runtime(id).toJSON());
  });

  // Variables and secrets (HF's /api/spaces/{id}/variables and /secrets): the owner sets them; the
  // app gets them as environment variables and restarts to see a change; secrets are never shown.
  app.get("/api/spaces/:owner/:name/variables", (c) => {
    const { owner, name } = c.req.param();
    const space = accounts.space(owner, name);
    if (!space || requestUser(c, accounts) !== owner) return c.json({ error: "Not found" }, 404);
    return c.json({ variables: space.variables, secrets: Object.keys(space.secrets) });
  });
  for (const kind of ["variables", "secrets"] as const) {
    app.post(`/api/spaces/:owner/:name/${kind}`, async (c) => {
      const { owner, name } = c.req.param();
      const user = requestUser(c, accounts);
      let space = accounts.space(owner, name);
      if (!space) return c.json({ error: "Not found" }, 404);
      if (user !== owner) return c.json({ error: `Only ${owner} can change ${owner}/${name}.` }, user ? 403 : 401);
      const { key, value } = (await c.req.json().catch(() => ({}))) as { key?: unknown; value?: unknown };
      if (typeof key !== "string" || typeof value !== "string") return c.json({ error: 'Send {"key": "NAME", "value": "…"}' }, 422);
      try {
        accounts.setEnv(owner, name, kind, key, value);
      } catch (err) {
        return c.json({ error: (err as Error).message }, 422);
      }
      space = accounts.space(owner, name)!;
      const rt = runtime(`${owner}/${name}`);
      const problem = rt.sha ? await rt.serialize(() => restart(rt, deployContext(space!))) : undefined;
      return c.json({ ok: !problem, restarted: Boolean(rt.sha) && !problem, ...(problem ? { error: problem } : {}) }, problem ? 500 : 200);
    });
  }

  // The Space page, and the files at HEAD that it lists.
  const readable = (c: Context) => {
    const { owner, name } = c.req.param() as { owner: string; name: string };
    const space = isValidName(owner) && isValidName(name) ? accounts.space(owner, name) : undefined;
    return space && (!space.private || requestUser(c, accounts) === owner) ? space : undefined;
  };
  app.get("/spaces/:owner/:name", (c) => {
    const space = readable(c);
    if (!space) return c.text("Space not found.\n", 404);
    return c.html(spacePage(`${space.owner}/${space.name}`, runtime(`${space.owner}/${space.name}`).card ?? {}));
  });
  app.get("/api/spaces/:owner/:name/tree", async (c) => {
    const space = readable(c);
    if (!space) return c.json({ error: "Not found" }, 404);
    const out = await run("git", ["--git-dir", join(repos, space.owner, `${space.name}.git`), "ls-tree", "-r", "-l", "HEAD"]).catch(() => ({ stdout: "" }));
    // "<mode> blob <oid> <size>\t<path>"; an LFS file shows its pointer's size here.
    return c.json(out.stdout.split("\n").filter(Boolean).map((line) => ({ path: line.split("\t")[1], size: Number(line.split("\t")[0]!.trim().split(/\s+/)[3]) })));
  });

  // Build and run logs as Hugging Face serves them: SSE of {"data": line, "timestamp": …}, following live.
  app.get("/api/spaces/:owner/:name/logs/:kind", (c) => {
    const { owner, name, kind } = c.req.param();
    const space = accounts.space(owner, name);
    if (!space || (space.private && requestUser(c, accounts) !== owner) || (kind !== "build" && kind !== "run")) return c.json({ error: "Not found" }, 404);
    const log = kind === "build" ? runtime(`${owner}/${name}`).buildLog : runtime(`${owner}/${name}`).runLog;
    const encoder = new TextEncoder();
    let stop = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (line: { data: string; timestamp: string }) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(line)}\n\n`));
        log.lines.forEach(send);
        stop = log.follow(send);
      },
      cancel: () => stop(),
    });
    return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  });

  app.all("/spaces/:owner/:repo/*", async (c) => {
    const owner = c.req.param("owner");
    const name = c.req.param("repo").replace(/\.git$/, "");
    const rest = c.req.path.slice(`/spaces/${owner}/${c.req.param("repo")}/`.length);
    const lfs = rest.startsWith("info/lfs/");
    if (!isValidName(owner) || !isValidName(name)) {
      return c.text(`Invalid Space name ${owner}/${name}: use letters, digits, "-", "_" and "." (not first, no "..").\n`, 400);
    }
    const user = requestUser(c, accounts);
    const writes = rest === "git-receive-pack" || c.req.query("service") === "git-receive-pack" || (lfs && (c.req.method === "PUT" || rest === "info/lfs/verify" || (rest === "info/lfs/objects/batch" && (await c.req.raw.clone().json().catch(() => ({}))).operation === "upload")));
    let space = accounts.space(owner, name);
    if (!space) {
      // Push-to-create, as on Hugging Face: the token's owner pushes to a name that does not exist yet.
      if (!writes) return user === owner ? c.text(`No Space ${owner}/${name} yet: push to create it.\n`, 404) : denied(c, user, `Repository not found: ${owner}/${name}.`, lfs);
      if (user !== owner) return denied(c, user, `Only ${owner} can create ${owner}/${name}.`, lfs);
      space = accounts.createSpace(owner, name);
    }
    // A private Space answers 401/403 as if it might not exist, so its name is not confirmed to strangers.
    if ((space.private || writes) && user !== owner) {
      return denied(c, user, writes ? `Only ${owner} can push to ${owner}/${name}.` : `Repository not found: ${owner}/${name}.`, lfs);
    }
    if (rest === "app" || rest.startsWith("app/")) {
      const rt = runtime(`${owner}/${name}`);
      if (rt.stage === "SLEEPING") rt.waking ??= rt.serialize(() => restart(rt, deployContext(space!))).finally(() => (rt.waking = undefined));
      if (rt.waking) {
        // A browser gets a page that says so and reloads; an API client is held until the app answers.
        if (c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html")) return c.html(wakingPage(`${owner}/${name}`), 503, { "retry-after": "3" });
        await Promise.race([rt.waking, new Promise((r) => setTimeout(r, wakeHoldMs))]);
      }
      touch(rt);
      return proxyToApp(c, rt, `/spaces/${owner}/${name}/app`, rest.slice(3));
    }
    await ensureRepo(space);

    if (lfs) {
      const objects = join(dataDir, "lfs", owner, name);
      const base = `${new URL(c.req.url).origin}/spaces/${owner}/${name}.git/info/lfs`;
      const auth: Record<string, string> = c.req.header("authorization") ? { Authorization: c.req.header("authorization")! } : {};
      const lfsJson = (body: unknown, status = 200) => c.json(body, status as 200, { "content-type": LFS_TYPE });
      if (rest === "info/lfs/objects/batch" && c.req.method === "POST") {
        const result = await batch(await c.req.json().catch(() => ({})), objects, base, auth);
        return lfsJson(result.json, result.status);
      }
      if (rest === "info/lfs/verify" && c.req.method === "POST") {
        const { oid, size } = (await c.req.json().catch(() => ({}))) as { oid?: string; size?: number };
        const found = oid ? await readObject(objects, oid) : undefined;
        found?.stream.cancel();
        return found && found.size === size ? lfsJson({ message: "ok" }) : lfsJson({ message: `Object ${oid} is not stored with size ${size}` }, 404);
      }
      const oid = rest.match(/^info\/lfs\/objects\/([0-9a-f]{64})$/)?.[1];
      if (oid && c.req.method === "PUT") {
        const problem = await storeObject(objects, oid, c.req.raw.body);
        return problem ? lfsJson({ message: problem }, 422) : c.body(null, 200);
      }
      if (oid && c.req.method === "GET") {
        const found = await readObject(objects, oid);
        if (!found) return lfsJson({ message: `Object ${oid} does not exist` }, 404);
        return c.body(found.stream, 200, { "content-type": "application/octet-stream", "content-length": String(found.size) });
      }
      return lfsJson({ message: `Not an LFS route: ${c.req.method} ${rest}` }, 404);
    }

    if (rest === "info/refs" || rest === "git-upload-pack" || rest === "git-receive-pack" || rest === "HEAD") {
      // The hook finds its way back through these: git passes http-backend's environment on to hooks.
      const env = { SPACE_HOOK_URL: `${selfUrl()}/_internal/deploy`, SPACE_HOOK_TOKEN: hookToken, SPACE_ID: `${owner}/${name}` };
      return gitHttpBackend(c.req.raw, { projectRoot: repos, pathInfo: `/${owner}/${name}.git/${rest}`, remoteUser: user, env });
    }
    return c.text(`Not found: ${rest}\n`, 404);
  });
  return app;
}

/** Stops an idle Space's app; the next request wakes it. */
async function sleep(rt: SpaceRuntime): Promise<void> {
  if (rt.stage !== "RUNNING") return;
  const child = rt.child;
  rt.port = undefined;
  rt.child = undefined;
  rt.enter("SLEEPING");
  rt.runLog.push("Space host: no requests for a while; sleeping until the next one.");
  await stopApp(child);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** What a browser sees while a sleeping Space starts: it says so, and reloads until the app answers. */
function wakingPage(id: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>${escapeHtml(id)} is waking up</title>
<style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;color:#3f3f46}</style></head>
<body><main><h1>${escapeHtml(id)} is waking up…</h1><p>It was asleep after a while without visitors. This page reloads by itself in a few seconds.</p></main></body></html>`;
}

/** Forwards a request to the Space's app, saying where it is mounted (its Gradio root), streaming both ways. */
async function proxyToApp(c: Context, rt: SpaceRuntime, prefix: string, path: string): Promise<Response> {
  if (!rt.port || !(rt.stage === "RUNNING" || rt.stage.startsWith("RUNNING_"))) {
    return c.json({ error: `The Space is not running (stage ${rt.stage})`, stage: rt.stage }, 503, { "retry-after": "5" });
  }
  const url = new URL(c.req.url);
  let port = rt.port;
  let body: BodyInit | null | undefined = c.req.method === "GET" || c.req.method === "HEAD" ? undefined : c.req.raw.body;
  // A queue session lives in one app process: remember where each joined, so its stream (and
  // cancel) reach that process even if a newer revision takes over in between.
  if (path.endsWith("/gradio_api/queue/join") && c.req.method === "POST") {
    const text = await c.req.text();
    body = text;
    const hash = (JSON.parse(text || "{}") as { session_hash?: unknown }).session_hash;
    if (typeof hash === "string") {
      rt.sessions.set(hash, port);
      if (rt.sessions.size > 10_000) rt.sessions.delete(rt.sessions.keys().next().value!);
    }
  } else {
    const hash = url.searchParams.get("session_hash");
    if (hash && rt.sessions.has(hash)) port = rt.sessions.get(hash)!;
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-forwarded-host", headers.get("host") ?? url.host);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  headers.set("x-forwarded-prefix", prefix);
  headers.delete("host");
  headers.delete("content-length"); // the body may have been read and re-sent
  const upstream = await fetch(`http://127.0.0.1:${port}${path || "/"}${url.search}`, {
    method: c.req.method,
    headers,
    body,
    redirect: "manual",
    // @ts-expect-error Node's fetch needs duplex for a streamed request body
    duplex: "half",
  }).catch(() => undefined);
  if (!upstream) return c.json({ error: "The Space did not answer" }, 502);
  const out = new Headers(upstream.headers);
  // fetch already decoded the body: the length and encoding headers no longer describe it.
  if (out.has("content-encoding")) out.delete("content-encoding"), out.delete("content-length");
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

/**
 * The Space host's route table: git smart HTTP and Git LFS under `/spaces/<owner>/<name>`, as on
 * Hugging Face, where the same URL is the git remote. Authorisation is decided here, once per
 * request: anyone may read a public Space; only its owner may push or read a private one.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Hono, type Context } from "hono";
import type { Accounts, SpaceRecord } from "./accounts.ts";
import { gitHttpBackend } from "./git.ts";
import { batch, LFS_TYPE, readObject, storeObject } from "./lfs.ts";
import { isValidName } from "./names.ts";

const run = promisify(execFile);

/** Options of {@link createHostApp}. */
export interface HostOptions {
  /** SPACES_DATA: repos, LFS objects and accounts live here. */
  dataDir: string;
  accounts: Accounts;
}

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
export function createHostApp({ dataDir, accounts }: HostOptions): Hono {
  const repos = join(dataDir, "repos");
  const app = new Hono();

  const ensureRepo = async (space: SpaceRecord) => {
    const dir = join(repos, space.owner, `${space.name}.git`);
    if (existsSync(dir)) return dir;
    mkdirSync(dir, { recursive: true });
    await run("git", ["init", "--bare", "--quiet", "--initial-branch=main", dir]);
    await run("git", ["-C", dir, "config", "http.receivepack", "true"]);
    return dir;
  };

  const denied = (c: Context, user: string | undefined, message: string, lfs: boolean) => {
    if (user) return lfs ? c.json({ message }, 403, { "content-type": LFS_TYPE }) : c.text(`${message}\n`, 403);
    // git and git-lfs retry with credentials when told Basic is wanted.
    c.header("www-authenticate", 'Basic realm="Spaces"');
    return lfs ? c.json({ message }, 401, { "content-type": LFS_TYPE }) : c.text(`${message}\n`, 401);
  };

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
    const repo = await ensureRepo(space);

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
      return gitHttpBackend(c.req.raw, { projectRoot: repos, pathInfo: `/${owner}/${name}.git/${rest}`, remoteUser: user });
    }
    return c.text(`Not found: ${rest}\n`, 404);
  });
  return app;
}

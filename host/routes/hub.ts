/**
 * The subset of the Hugging Face Hub's HTTP API that Spaces need, so the official clients —
 * `@huggingface/hub` with `hubUrl` set to this host, `huggingface_hub` with `HF_ENDPOINT` — manage
 * Spaces here unmodified: who am I, create / delete a Space, list Spaces and read one's info,
 * preupload + commit (the other way to ship a Space besides `git push`), list files and commits,
 * download files (LFS objects resolved), restart and pause.
 *
 * The contract is the clients' own calls (URL, method, body, the fields they read). A commit to
 * main deploys exactly as a push does (`Lifecycle.deploy`); large files travel through the LFS
 * routes (`routes/lfs.ts`), whose batch answer says "basic", so the clients never try Xet.
 * Errors are the Hub's: a status and `{"error": …}`, plus `X-Error-Code` where the clients look
 * for it (RepoNotFound, RevisionNotFound, EntryNotFound).
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { Readable } from "node:stream";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { SpaceRecord } from "../accounts.ts";
import { canRead, canWrite, checkNames, readable, writable, type HostEnv } from "../auth.ts";
import {
  checkRepoPath,
  commitDate,
  commitFiles,
  lfsTracked,
  listCommitLog,
  listEntries,
  parsePointer,
  readBlob,
  resolveRevision,
  type CommitOperation,
} from "../commits.ts";
import { HostError } from "../errors.ts";
import { objectPath, OID } from "../lfs.ts";
import { publicBase } from "../public-url.ts";
import { ensureRepo, spacePaths } from "../repos.ts";
import { recordedInRuntime } from "../spaces/runtime.ts";
import type { HostDeps } from "./deps.ts";

/** Files above this go through LFS whatever their type, as on the Hub. */
const LFS_ABOVE_BYTES = 10 * 1024 * 1024;
/** The largest commit body (regular files travel base64-encoded in it). */
const COMMIT_BODY_LIMIT = 512 * 1024 * 1024;
const SDKS = new Set(["gradio", "docker", "static", "streamlit"]);

/** A stable 24-hex id per Space, like the Hub's `_id`. */
const hubId = (space: SpaceRecord) =>
  createHash("sha256").update(`${space.owner}/${space.name}\0${space.created}`).digest("hex").slice(0, 24);

/** Adds the Hub's `X-Error-Code: RepoNotFound` to a 401/404 about the Space itself (huggingface_hub raises RepositoryNotFoundError on it). */
function repoNotFound<T>(find: () => T): T {
  try {
    return find();
  } catch (err) {
    if (err instanceof HostError && (err.status === 404 || err.status === 401))
      throw new HostError(err.status, err.message, { "x-error-code": "RepoNotFound", ...err.headers }, err.details);
    throw err;
  }
}

/** The path segments after the first `skip` of the request's (still encoded) path, decoded. */
function segmentsAfter(c: Context, skip: number): string[] {
  try {
    return new URL(c.req.url).pathname.split("/").slice(skip).map(decodeURIComponent);
  } catch {
    throw new HostError(400, "The path is not valid percent-encoding.");
  }
}

/** A JSON body, or 400. */
async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body = (await c.req.json().catch(() => undefined)) as unknown;
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new HostError(400, "The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

/** Strict base64 (what the clients send): Buffer.from would quietly skip broken characters. */
function decodeBase64(text: unknown, path: string): Buffer {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new HostError(400, `${path}: content is not valid base64.`);
  return Buffer.from(text, "base64");
}

/**
 * The commit endpoint's NDJSON body → header and operations: a `header` line first, then
 * `file` (base64 or utf-8 content), `lfsFile` (an uploaded object), `deletedFile`, `deletedFolder`.
 *
 * @throws {HostError} 400 naming the first bad line.
 */
export function parseCommitBody(text: string): {
  summary: string;
  description?: string;
  parentCommit?: string;
  operations: CommitOperation[];
} {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const parsed = lines.map((line, i) => {
    try {
      const value = JSON.parse(line) as { key?: unknown; value?: unknown };
      if (value && typeof value === "object" && typeof value.key === "string" && value.value && typeof value.value === "object")
        return value as { key: string; value: Record<string, unknown> };
    } catch {
      /* reported below */
    }
    throw new HostError(400, `Line ${i + 1} of the commit is not a JSON object {"key": …, "value": {…}}: ${line.slice(0, 80)}`);
  });
  const [header, ...rest] = parsed;
  if (header?.key !== "header") throw new HostError(400, 'The commit must start with a {"key": "header", "value": {"summary": …}} line.');
  const { summary, description, parentCommit } = header.value;
  if (typeof summary !== "string" || !summary.trim()) throw new HostError(400, "The commit header needs a summary (the commit title).");
  if (description !== undefined && description !== null && typeof description !== "string")
    throw new HostError(400, "The commit description must be a string.");
  if (parentCommit !== undefined && parentCommit !== null && (typeof parentCommit !== "string" || !/^[0-9a-f]{40}$/.test(parentCommit)))
    throw new HostError(400, "parentCommit must be a 40-character commit hash.");
  const operations = rest.map(({ key, value }, i): CommitOperation => {
    const line = `Line ${i + 2}`;
    checkRepoPath(value.path);
    const path = value.path;
    if ((key === "file" || key === "lfsFile") && value.oldPath !== undefined)
      throw new HostError(422, `${line}: copies and renames (oldPath) are not supported here; upload the file again.`);
    if (key === "file") {
      if (typeof value.content !== "string") throw new HostError(400, `${line}: ${path} has no content.`);
      if (value.encoding === "base64") return { kind: "file", path, content: decodeBase64(value.content, path) };
      if (value.encoding === undefined || value.encoding === "utf-8")
        return { kind: "file", path, content: Buffer.from(value.content, "utf8") };
      throw new HostError(400, `${line}: encoding must be "base64" or "utf-8".`);
    }
    if (key === "lfsFile") {
      const { oid, size, algo } = value;
      if (algo !== undefined && algo !== "sha256") throw new HostError(400, `${line}: only sha256 LFS objects are stored here.`);
      if (typeof oid !== "string" || !OID.test(oid) || typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
        throw new HostError(400, `${line}: an lfsFile needs oid (64 lowercase hex characters) and size (bytes).`);
      return { kind: "lfs", path, oid, size };
    }
    if (key === "deletedFile") return { kind: "delete", path };
    if (key === "deletedFolder") return { kind: "deleteFolder", path };
    throw new HostError(
      400,
      `${line}: unknown operation ${JSON.stringify(key).slice(0, 40)} (file, lfsFile, deletedFile or deletedFolder).`,
    );
  });
  if (!operations.length) throw new HostError(400, "The commit has no operations: nothing to commit.");
  return { summary: summary.trim(), description: description || undefined, parentCommit: parentCommit || undefined, operations };
}

/** A single `bytes=a-b` / `bytes=a-` / `bytes=-n` range of `size`, or undefined for the whole. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = header.match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (match[1] === "" && match[2] === ""))
    throw new HostError(416, `Only one byte range is served, e.g. bytes=0-99 (got ${header.slice(0, 60)}).`, {
      "content-range": `bytes */${size}`,
    });
  const [start, end] =
    match[1] === ""
      ? [Math.max(0, size - Number(match[2])), size - 1]
      : [Number(match[1]), match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1)];
  if (start > end || start >= size)
    throw new HostError(416, `The range ${header.slice(0, 60)} is outside the file's ${size} bytes.`, {
      "content-range": `bytes */${size}`,
    });
  return { start, end };
}

/**
 * The Hub routes.
 *
 * @example
 * // with the official client, against this host:
 * import { createRepo, uploadFiles, spaceInfo } from "@huggingface/hub";
 * await createRepo({ repo: { type: "space", name: "alice/demo" }, sdk: "docker", accessToken, hubUrl: "http://127.0.0.1:7861" });
 * await uploadFiles({ repo: { type: "space", name: "alice/demo" }, files, accessToken, hubUrl: "http://127.0.0.1:7861" });
 */
export function hubRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  const { accounts, spaces } = deps;
  const paths = (space: SpaceRecord) => spacePaths(deps.dataDir, space.owner, space.name);
  const idOf = (space: SpaceRecord) => `${space.owner}/${space.name}`;
  const findReadable = (c: Context<HostEnv>) => repoNotFound(() => readable(accounts, c, c.req.param("owner")!, c.req.param("name")!));
  const findWritable = (c: Context<HostEnv>) => repoNotFound(() => writable(accounts, c, c.req.param("owner")!, c.req.param("name")!));

  /** The commit `rev` names in the Space, or 404 RevisionNotFound. */
  const revision = async (space: SpaceRecord, rev: string) => {
    const repo = paths(space).repo;
    const sha = existsSync(repo) ? await resolveRevision(repo, rev) : undefined;
    if (!sha)
      throw new HostError(
        404,
        `Invalid rev id: ${rev.slice(0, 100)} (${idOf(space)} has no such revision${rev === "main" ? " yet: nothing was committed" : ""}).`,
        { "x-error-code": "RevisionNotFound" },
      );
    return sha;
  };

  /** A Space as the Hub's Space info has it (the fields @huggingface/hub and huggingface_hub read). */
  const info = async (c: Context<HostEnv>, space: SpaceRecord, rev = "HEAD", siblings = false) => {
    const id = idOf(space);
    const repo = paths(space).repo;
    const sha = existsSync(repo) ? await resolveRevision(repo, rev) : undefined;
    const rt = spaces.runtimes.get(id);
    const { app_port, ...card } = rt?.card ?? { app_port: 7860 };
    return {
      _id: hubId(space),
      id,
      author: space.owner,
      private: space.private,
      sdk: rt?.card?.sdk ?? space.sdk,
      likes: 0,
      lastModified: sha ? await commitDate(repo, sha) : space.created,
      createdAt: space.created,
      sha,
      subdomain: id.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
      host: `${publicBase(c)}/spaces/${id}/app`,
      disabled: false,
      gated: false,
      tags: [],
      cardData: rt?.card ? { ...card, app_port } : undefined,
      runtime: spaces.runtime(id).toJSON(),
      ...(siblings && sha
        ? {
            siblings: ((await listEntries(repo, sha, "", true)) ?? []).filter((e) => e.type === "file").map((e) => ({ rfilename: e.path })),
          }
        : {}),
    };
  };

  app.get("/api/whoami-v2", (c) => {
    const user = c.var.user;
    if (!user) throw new HostError(401, "Invalid credentials in Authorization header");
    return c.json({
      type: "user",
      id: createHash("sha256").update(`user:${user}`).digest("hex").slice(0, 24),
      name: user,
      fullname: user,
      email: null,
      emailVerified: false,
      isPro: false,
      canPay: false,
      avatarUrl: "",
      periodEnd: null,
      billingMode: "prepaid",
      orgs: [],
      auth: { type: "access_token", accessToken: { displayName: "Space host write token", role: "write" } },
    });
  });

  // createRepo / create_repo: {name, organization, type: "space", sdk, private | visibility, secrets?, variables?}
  app.post("/api/repos/create", async (c) => {
    const body = await jsonBody(c);
    const user = c.var.user;
    if (!user) throw new HostError(401, "Invalid credentials in Authorization header");
    if (body.type !== "space")
      throw new HostError(
        400,
        `This host only hosts Spaces: create the repository with type "space" (got ${JSON.stringify(body.type ?? "model")}).`,
      );
    const owner = typeof body.organization === "string" && body.organization ? body.organization : user;
    const name = typeof body.name === "string" ? body.name : "";
    checkNames(owner, name);
    if (!canWrite(user, owner)) throw new HostError(403, `You cannot create a Space under ${owner}'s namespace: you are ${user}.`);
    const visibility =
      body.visibility ?? (body.private === undefined || body.private === null ? "public" : body.private ? "private" : "public");
    if (visibility !== "public" && visibility !== "private") throw new HostError(400, 'visibility must be "public" or "private".');
    if (body.sdk !== undefined && (typeof body.sdk !== "string" || !SDKS.has(body.sdk)))
      throw new HostError(400, `sdk must be one of ${[...SDKS].join(", ")}.`);
    if (body.files !== undefined && body.files !== null)
      throw new HostError(
        400,
        "Files at creation are not taken here: create the Space, then upload its files (uploadFiles / upload_folder).",
      );
    const env = (kind: "secrets" | "variables") => {
      const list = body[kind] ?? [];
      if (
        !Array.isArray(list) ||
        list.some((e: { key?: unknown; value?: unknown }) => typeof e?.key !== "string" || typeof e?.value !== "string")
      )
        throw new HostError(400, `${kind} must be a list of {key, value, description?}.`);
      return list as { key: string; value: string; description?: string }[];
    };
    const [secrets, variables] = [env("secrets"), env("variables")];
    const url = `${publicBase(c)}/spaces/${owner}/${name}`;
    if (accounts.space(owner, name)) throw new HostError(409, "You already created this space repo", {}, { url });
    let space: SpaceRecord;
    try {
      space = accounts.createSpace(owner, name, { private: visibility === "private", sdk: body.sdk as string | undefined });
      for (const [kind, list] of [
        ["secrets", secrets],
        ["variables", variables],
      ] as const)
        for (const e of list) accounts.setEnv(owner, name, kind, e.key, e.value, e.description);
    } catch (err) {
      throw new HostError(400, (err as Error).message);
    }
    await ensureRepo(paths(space));
    return c.json({ url, name: idOf(space), id: hubId(space) });
  });

  // deleteRepo / delete_repo: {name, organization, type}. The app stops; everything of the Space goes.
  app.delete("/api/repos/delete", async (c) => {
    const body = await jsonBody(c);
    if (body.type !== undefined && body.type !== "space")
      throw new HostError(400, `This host only hosts Spaces (got type ${JSON.stringify(body.type)}).`);
    const user = c.var.user;
    const owner = typeof body.organization === "string" && body.organization ? body.organization : (user ?? "");
    const name = typeof body.name === "string" ? body.name : "";
    const space = repoNotFound(() => writable(accounts, c, owner, name));
    await spaces.remove(space);
    return c.json({});
  });

  // listSpaces / list_spaces: ?author=&search=&limit=; private Spaces only for their owner.
  app.get("/api/spaces", async (c) => {
    const author = c.req.query("author");
    const search = (c.req.query("search") ?? "").toLowerCase();
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 1000) || 1000, 1), 1000);
    const found = accounts
      .spaces()
      .filter((s) => canRead(c.var.user, s) && (!author || s.owner === author) && (!search || idOf(s).toLowerCase().includes(search)))
      .slice(0, limit);
    return c.json(await Promise.all(found.map((s) => info(c, s))));
  });

  // repoExists (GET /api/spaces/o/n?expand[]=likes) and space_info; spaceInfo asks for /revision/HEAD.
  app.get("/api/spaces/:owner/:name", async (c) => c.json(await info(c, findReadable(c), "HEAD", true)));
  app.get("/api/spaces/:owner/:name/revision/:rev", async (c) => {
    const space = findReadable(c);
    const rev = c.req.param("rev");
    if (rev !== "HEAD") await revision(space, rev);
    return c.json(await info(c, space, rev, true));
  });

  // Which files go through LFS: the .gitattributes sent (or main's), files over 10 MiB, and
  // binary files (a NUL in the sample), as on the Hub.
  app.post("/api/spaces/:owner/:name/preupload/:rev", async (c) => {
    const space = findWritable(c);
    if (c.req.query("create_pr")) throw new HostError(400, "This host does not take pull requests: commit to a branch.");
    const body = await jsonBody(c);
    const files = body.files;
    if (!Array.isArray(files) || files.length > 1000)
      throw new HostError(400, "files must be a list of at most 1000 {path, size, sample}.");
    for (const file of files as { path?: unknown; size?: unknown; sample?: unknown }[]) {
      checkRepoPath(file?.path);
      if (typeof file.size !== "number" || !Number.isSafeInteger(file.size) || file.size < 0)
        throw new HostError(400, `${file.path}: size must be a whole number of bytes.`);
      if (typeof file.sample !== "string") throw new HostError(400, `${file.path}: sample must be the first 512 bytes, base64-encoded.`);
    }
    const list = files as { path: string; size: number; sample: string }[];
    const repo = paths(space).repo;
    await ensureRepo(paths(space));
    const head = await resolveRevision(repo, c.req.param("rev"));
    const attributes =
      typeof body.gitAttributes === "string"
        ? body.gitAttributes
        : head
          ? ((await readBlob(repo, head, ".gitattributes"))?.content.toString("utf8") ?? "")
          : "";
    const tracked = await lfsTracked(
      repo,
      attributes,
      list.map((f) => f.path),
    );
    const existing = new Map(head ? ((await listEntries(repo, head, "", true)) ?? []).map((e) => [e.path, e.oid]) : []);
    return c.json({
      files: list.map((f) => {
        const lfs = tracked.has(f.path) || f.size > LFS_ABOVE_BYTES || decodeBase64(f.sample, f.path).includes(0);
        return {
          path: f.path,
          uploadMode: lfs ? "lfs" : "regular",
          shouldIgnore: false,
          ...(existing.has(f.path) ? { oid: existing.get(f.path) } : {}),
        };
      }),
      commitOid: head,
    });
  });

  // The commit: NDJSON (header, then operations). Built with git plumbing (commits.ts); a commit
  // to main deploys as a push does. The answer comes once the branch moved, not after the build:
  // spaceInfo's runtime.stage follows it, as on the Hub.
  app.post(
    "/api/spaces/:owner/:name/commit/:rev",
    bodyLimit({
      maxSize: COMMIT_BODY_LIMIT,
      onError: () => {
        throw new HostError(413, `The commit is over ${COMMIT_BODY_LIMIT / 1024 / 1024} MiB: send large files through LFS.`);
      },
    }),
    async (c) => {
      const space = findWritable(c);
      if (c.req.query("create_pr")) throw new HostError(400, "This host does not take pull requests: commit to a branch.");
      const branch = c.req.param("rev");
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(branch) || branch.endsWith(".lock") || branch.includes(".."))
        throw new HostError(400, `Invalid branch name ${JSON.stringify(branch).slice(0, 80)}.`);
      const request = parseCommitBody(await c.req.text());
      const spacePathsOf = paths(space);
      await ensureRepo(spacePathsOf);
      const { sha } = await commitFiles(spacePathsOf.repo, spacePathsOf.lfs, {
        ...request,
        branch,
        user: c.var.user!,
        emailDomain: new URL(publicBase(c)).hostname,
      });
      if (branch === "main") {
        void spaces
          .deploy(space, sha)
          .catch(recordedInRuntime)
          .catch((err: Error) => spaces.runtime(idOf(space)).buildLog.push(`Deploy failed: ${err.message}`));
      }
      return c.json({ success: true, commitOid: sha, commitUrl: `${publicBase(c)}/spaces/${idOf(space)}/commit/${sha}`, hookOutput: "" });
    },
  );

  // listFiles / list_repo_tree: /tree/<rev>[/<path>]?recursive=
  const tree = async (c: Context<HostEnv>) => {
    const space = findReadable(c);
    const [rev = "", ...rest] = segmentsAfter(c, 6);
    const path = rest.join("/");
    if (path) checkRepoPath(path);
    const sha = await revision(space, rev);
    const entries = await listEntries(
      paths(space).repo,
      sha,
      path,
      c.req.query("recursive") === "true" || c.req.query("recursive") === "1",
    );
    if (!entries) throw new HostError(404, `${path} is not a folder of ${idOf(space)} at ${rev}.`, { "x-error-code": "EntryNotFound" });
    return c.json(entries);
  };
  app.get("/api/spaces/:owner/:name/tree/:rev", tree);
  app.get("/api/spaces/:owner/:name/tree/:rev/*", tree);

  // listCommits / list_repo_commits: ?limit=&p= (page), with a Link to the next page.
  app.get("/api/spaces/:owner/:name/commits/:rev", async (c) => {
    const space = findReadable(c);
    const sha = await revision(space, c.req.param("rev"));
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const page = Math.max(Number(c.req.query("p") ?? 0) || 0, 0);
    const commits = await listCommitLog(paths(space).repo, sha, page * limit, limit + 1);
    if (commits.length > limit) {
      const next = new URL(c.req.url);
      next.searchParams.set("p", String(page + 1));
      next.searchParams.set("limit", String(limit));
      c.header("link", `<${publicBase(c)}${next.pathname}${next.search}>; rel="next"`);
    }
    return c.json(commits.slice(0, limit));
  });

  // downloadFile / fileExists / hf_hub_download: /resolve/<rev>/<path> gives a file's content
  // (an LFS file's object), /raw/<rev>/<path> what git stores (an LFS file's pointer). Ranges
  // are served: the clients probe with bytes=0-0 for the size.
  const file = (raw: boolean) => async (c: Context<HostEnv>) => {
    const space = findReadable(c);
    const [rev = "", ...rest] = segmentsAfter(c, 5);
    const path = rest.join("/");
    checkRepoPath(path);
    const sha = await revision(space, rev);
    const blob = await readBlob(paths(space).repo, sha, path);
    if (!blob)
      throw new HostError(404, `Entry not found: ${path} is not a file of ${idOf(space)} at ${rev}.`, { "x-error-code": "EntryNotFound" });
    const pointer = raw ? undefined : parsePointer(blob.content);
    const object = pointer ? objectPath(paths(space).lfs, pointer.oid) : undefined;
    if (object && !existsSync(object))
      throw new HostError(404, `${path} points to the LFS object ${pointer!.oid}, which was never uploaded.`, {
        "x-error-code": "EntryNotFound",
      });
    const size = pointer ? pointer.size : blob.content.length;
    const etag = `"${pointer ? pointer.oid : blob.oid}"`;
    const range = byteRange(c.req.header("range"), size);
    const [start, end] = range ? [range.start, range.end] : [0, size - 1];
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-length": String(Math.max(0, end - start + 1)),
      "accept-ranges": "bytes",
      etag,
      "x-repo-commit": sha,
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
      ...(pointer ? { "x-linked-size": String(size), "x-linked-etag": etag } : {}),
    };
    const status = range ? 206 : 200;
    if (c.req.method === "HEAD" || size === 0) return c.body(null, status, headers);
    const body = object
      ? (Readable.toWeb(createReadStream(object, { start, end })) as ReadableStream<Uint8Array>)
      : new Uint8Array(blob.content.subarray(start, end + 1));
    return c.body(body, status, headers);
  };
  app.get("/spaces/:owner/:name/resolve/:rev/*", file(false));
  app.get("/spaces/:owner/:name/raw/:rev/*", file(true));

  // restart_space (?factory=true builds main's head again) and pause_space; both answer the runtime.
  app.post("/api/spaces/:owner/:name/restart", async (c) => {
    const space = findWritable(c);
    const rt = spaces.runtime(idOf(space));
    const head = existsSync(paths(space).repo) ? await resolveRevision(paths(space).repo, "refs/heads/main") : undefined;
    if (c.req.query("factory") === "true" || !rt.sha) {
      if (!head) throw new HostError(400, `${idOf(space)} has nothing to run yet: commit or push its files first.`);
      await spaces.deploy(space, head).catch(recordedInRuntime);
    } else await spaces.restart(space).catch(recordedInRuntime);
    return c.json(rt.toJSON());
  });
  app.post("/api/spaces/:owner/:name/pause", async (c) => {
    const space = findWritable(c);
    await spaces.pause(space);
    return c.json(spaces.runtime(idOf(space)).toJSON());
  });
  return app;
}

/**
 * A Space's files, as the Hub's API has them: which files go through LFS (preupload), the
 * commit (the other way to ship a Space besides `git push`), the tree, the commit log, and the
 * files themselves (`/resolve/` with LFS objects resolved, `/raw/` as git stores them).
 *
 * A commit to main deploys exactly as a push does (`Lifecycle.deploy`); large files travel
 * through the LFS routes (`routes/lfs.ts`), whose batch answer says "basic", so the clients never
 * try Xet.
 */
import { createReadStream, existsSync } from "node:fs";
import { Readable } from "node:stream";
import { Hono, type Context } from "hono";
import type { SpaceRecord } from "../accounts/accounts.ts";
import { readable, type HostEnv } from "../accounts/auth.ts";
import { HostError } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { publicBase } from "../public-url.ts";
import { commitFiles } from "../repo/commit.ts";
import { objectPath } from "../repo/lfs-store.ts";
import { lfsTracked, listCommitLog, listEntries, readBlob, resolveRevision } from "../repo/read.ts";
import { ensureRepo } from "../repo/repository.ts";
import { checkRepoPath, parsePointer } from "../repo/rules.ts";
import { recordedInRuntime } from "../spaces/runtime.ts";
import { parseCommitBody } from "./commit-body.ts";
import type { HostDeps } from "./deps.ts";
import { BODY_CAPS, jsonObject, textBody } from "./body.ts";
import { decodeBase64, hubSpace, idOf, revision, segmentsAfter } from "./hub.ts";

/** Files above this go through LFS whatever their type, as on the Hub. */
const LFS_ABOVE_BYTES = 10 * 1024 * 1024;
/**
 * The largest commit body (regular files travel base64-encoded in it, and it is read whole),
 * lowered to SPACE_MAX_PUSH_BYTES when that is smaller.
 */
const COMMIT_BODY_LIMIT = 512 * 1024 * 1024;

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
 * The file routes.
 *
 * @example
 * // with the official client, against this host:
 * import { uploadFiles, listFiles } from "@huggingface/hub";
 * await uploadFiles({ repo: { type: "space", name: "alice/demo" }, files, accessToken, hubUrl: "http://127.0.0.1:7861" });
 * for await (const file of listFiles({ repo: { type: "space", name: "alice/demo" }, hubUrl: "http://127.0.0.1:7861" })) console.log(file.path);
 */
export function fileRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  const { spaces } = deps;
  const paths = (space: SpaceRecord) => spacePaths(deps.dataDir, space.owner, space.name);
  const findReadable = (c: Context<HostEnv>) => hubSpace(deps, c, "read");
  const findWritable = (c: Context<HostEnv>) => hubSpace(deps, c, "write");
  const revisionOf = (space: SpaceRecord, rev: string) => revision(deps.dataDir, space, rev);

  // Which files go through LFS: the .gitattributes sent (or main's), files over 10 MiB, and
  // binary files (a NUL in the sample), as on the Hub.
  app.post("/api/spaces/:owner/:name/preupload/:rev", async (c) => {
    const space = findWritable(c);
    if (c.req.query("create_pr")) throw new HostError(400, "This host does not take pull requests: commit to main.");
    const body = await jsonObject(c, BODY_CAPS.preupload);
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

  // The commit: NDJSON (header, then operations). Built with git plumbing (repo/commit.ts); a commit
  // to main deploys as a push does. The answer comes once the branch moved, not after the build:
  // spaceInfo's runtime.stage follows it, as on the Hub.
  app.post("/api/spaces/:owner/:name/commit/:rev", async (c) => {
    const space = findWritable(c);
    if (c.req.query("create_pr")) throw new HostError(400, "This host does not take pull requests: commit to main.");
    const branch = c.req.param("rev");
    // Only main is deployed, and only main is kept: a push to another ref is refused too (repo/hook.ts).
    if (branch !== "main")
      throw new HostError(400, `Only main is deployed here: commit to main (got revision ${JSON.stringify(branch).slice(0, 80)}).`);
    const body = await textBody(c, Math.min(COMMIT_BODY_LIMIT, deps.maxPushBytes), "commit").catch((err: unknown) => {
      throw err instanceof HostError && err.status === 413 ? new HostError(413, `${err.message} Send large files through LFS.`) : err;
    });
    const request = parseCommitBody(body);
    const spacePathsOf = paths(space);
    await ensureRepo(spacePathsOf);
    const { sha } = await commitFiles(spacePathsOf.repo, spacePathsOf.lfs, {
      ...request,
      branch,
      user: c.var.user!,
      emailDomain: new URL(publicBase(c)).hostname,
    });
    void spaces
      .deploy(space, sha)
      .catch(recordedInRuntime)
      .catch((err: Error) => spaces.runtime(idOf(space)).buildLog.push(`Deploy failed: ${err.message}`));
    return c.json({ success: true, commitOid: sha, commitUrl: `${publicBase(c)}/spaces/${idOf(space)}/commit/${sha}`, hookOutput: "" });
  });

  // listFiles / list_repo_tree: /tree/<rev>[/<path>]?recursive=
  const tree = async (c: Context<HostEnv>) => {
    const space = findReadable(c);
    const [rev = "", ...rest] = segmentsAfter(c, 6);
    const path = rest.join("/");
    if (path) checkRepoPath(path);
    const sha = await revisionOf(space, rev);
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
  // The Space page's Files tab: every file at HEAD with its size as git stores it (an LFS
  // file's pointer), [] before the first push.
  app.get("/api/spaces/:owner/:name/tree", async (c) => {
    const space = readable(deps.accounts, c, c.req.param("owner"), c.req.param("name"));
    const repo = paths(space).repo;
    const head = existsSync(repo) ? await resolveRevision(repo, "HEAD") : undefined;
    const entries = head ? ((await listEntries(repo, head, "", true)) ?? []) : [];
    return c.json(entries.filter((e) => e.type === "file").map((e) => ({ path: e.path, size: e.lfs?.pointerSize ?? e.size })));
  });

  // listCommits / list_repo_commits: ?limit=&p= (page), with a Link to the next page.
  app.get("/api/spaces/:owner/:name/commits/:rev", async (c) => {
    const space = findReadable(c);
    const sha = await revisionOf(space, c.req.param("rev"));
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
    const sha = await revisionOf(space, rev);
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
  return app;
}

/**
 * A Space's bare repository read and written with git plumbing, for the Hub API (`routes/hub.ts`):
 * commits made from files sent over HTTP (no working copy, no clone), and the reads behind the
 * tree, commits and resolve endpoints.
 *
 * A commit is built aside and published with one compare-and-swap: the files become blobs
 * (`hash-object -w`), the new tree is written from a temporary index (`GIT_INDEX_FILE`,
 * `update-index --index-info`, `write-tree`), the commit names its parent (`commit-tree -p`), and
 * `update-ref` moves the branch only if it still points at that parent — so a push that landed
 * meanwhile is never lost, and a refused commit moves nothing (unreferenced objects are git's to
 * collect). LFS files are committed as the pointer files git-lfs writes.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostError } from "./errors.ts";
import { hasObject } from "./lfs.ts";

/** What a commit does to one path. */
export type CommitOperation =
  | { kind: "file"; path: string; content: Buffer }
  | { kind: "lfs"; path: string; oid: string; size: number }
  | { kind: "delete"; path: string }
  | { kind: "deleteFolder"; path: string };

/** A commit's message, author and expected parent. */
export interface CommitRequest {
  branch: string;
  operations: CommitOperation[];
  summary: string;
  description?: string;
  /** The commit the client based its change on: the commit is refused if the branch moved since. */
  parentCommit?: string;
  /** The user committing: author and committer. */
  user: string;
  /** The host's name, for the author's no-reply address. */
  emailDomain: string;
}

/** One entry of a tree listing, as the Hub's tree API gives it. */
export interface TreeEntry {
  type: "file" | "directory";
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

/** One commit, as the Hub's commits API gives it. */
export interface CommitEntry {
  id: string;
  title: string;
  message: string;
  authors: { user: string; avatar: string }[];
  date: string;
}

const ZERO = "0".repeat(40);
const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/;

/** The pointer file git-lfs commits in place of a file's content. */
export const lfsPointer = (oid: string, size: number) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;

/** The LFS object a blob points to, if it is a pointer file. */
export function parsePointer(blob: Buffer): { oid: string; size: number } | undefined {
  if (blob.length > 200) return undefined;
  const match = blob.toString("utf8").match(POINTER);
  return match ? { oid: match[1]!, size: Number(match[2]) } : undefined;
}

/**
 * Runs git on a bare repository without the machine's config (Debian's git-lfs sets filters
 * system-wide) and returns its stdout; a failure throws with git's message.
 */
function git(
  repo: string,
  args: string[],
  { input, env = {} }: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["--git-dir", repo, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.on("error", reject);
    // "close", not "exit": only then has all of stdout been read.
    child.on("close", (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`git ${args[0]} failed (${code}): ${err.trim()}`)),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/**
 * Refuses a path that is not a plain relative path inside the repository: empty, absolute,
 * with `.` or `..` segments, empty segments, backslashes, control characters, or inside `.git`.
 *
 * @throws {HostError} 400 naming the path and what is wrong with it.
 * @example
 * checkRepoPath("examples/bag.png") // fine
 * checkRepoPath("../x")              // throws 400
 */
export function checkRepoPath(path: unknown): asserts path is string {
  const shown = JSON.stringify(String(path)).slice(0, 120);
  const refuse = (why: string) => {
    throw new HostError(400, `Invalid path ${shown}: ${why}.`);
  };
  if (typeof path !== "string" || path === "") return refuse("a path is a non-empty string");
  if (path.length > 1000) refuse("longer than 1000 characters");
  if (path.startsWith("/")) refuse("paths are relative to the repository's root, not absolute");
  if (path.includes("\\")) refuse('use "/" between folders, not backslashes');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) refuse("control characters are not allowed");
  const segments = path.split("/");
  if (segments.some((s) => s === "")) refuse('empty folder names ("//" or a trailing "/") are not allowed');
  if (segments.some((s) => s === "." || s === "..")) refuse('"." and ".." would leave the repository');
  if (segments.some((s) => s.toLowerCase() === ".git")) refuse("nothing may be written inside .git");
}

/** The commit `rev` (a branch, a tag or a hash) names, or undefined. */
export async function resolveRevision(repo: string, rev: string): Promise<string | undefined> {
  if (!/^[\w./-]{1,200}$/.test(rev) || rev.startsWith("-") || rev.includes("..")) return undefined;
  const out = await git(repo, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]).catch(() => undefined);
  return out?.toString().trim() || undefined;
}

/** The files of a commit: path → mode and blob. */
async function filesAt(repo: string, commit: string): Promise<Map<string, { mode: string; sha: string }>> {
  const files = new Map<string, { mode: string; sha: string }>();
  const out = (await git(repo, ["ls-tree", "-r", "-z", "--full-tree", commit])).toString();
  for (const record of out.split("\0")) {
    if (!record) continue;
    const tab = record.indexOf("\t");
    const [mode = "", , sha = ""] = record.slice(0, tab).split(" ");
    files.set(record.slice(tab + 1), { mode, sha });
  }
  return files;
}

/** Per repository: commits through the API are made one at a time (update-ref guards against pushes). */
const locks = new Map<string, Promise<unknown>>();
function locked<T>(repo: string, work: () => Promise<T>): Promise<T> {
  const next = (locks.get(repo) ?? Promise.resolve()).then(work, work);
  const settled = next.catch(() => {});
  locks.set(repo, settled);
  void settled.then(() => locks.get(repo) === settled && locks.delete(repo));
  return next;
}

/**
 * Makes one commit on `branch` of the bare repository `repo` from `operations`, and moves the
 * branch to it if nobody else moved it meanwhile.
 *
 * @param lfsDir the Space's LFS store: every `lfs` operation's object must be there with its size.
 * @returns the new commit and the one it replaced (undefined for a first commit).
 * @throws {HostError} 404 for a missing branch or a deletion of nothing, 409 when the branch
 *   moved during the commit, 412 when `parentCommit` is not the branch's head, 422 for an LFS
 *   object never uploaded, a file inside a file, or a main without README.md and package.json.
 * @example
 * const { sha } = await commitFiles(paths.repo, paths.lfs, {
 *   branch: "main", summary: "New title", user: "alice", emailDomain: "localhost",
 *   operations: [{ kind: "file", path: "README.md", content: Buffer.from("---\ntitle: Hi\n---\n") }],
 * });
 */
export function commitFiles(repo: string, lfsDir: string, request: CommitRequest): Promise<{ sha: string; parent?: string }> {
  return locked(repo, async () => {
    const { branch, operations } = request;
    const ref = `refs/heads/${branch}`;
    const parent = await resolveRevision(repo, ref);
    if (!parent && branch !== "main") throw new HostError(404, `Branch ${branch} does not exist.`, { "x-error-code": "RevisionNotFound" });
    if (request.parentCommit !== undefined && request.parentCommit !== parent) {
      throw new HostError(
        412,
        `The parent commit ${String(request.parentCommit).slice(0, 64)} is not the head of ${branch} (${parent ?? "none yet"}): fetch it and commit again.`,
      );
    }
    for (const op of operations) {
      checkRepoPath(op.path);
      if (op.kind === "lfs" && !(await hasObject(lfsDir, op.oid, op.size))) {
        throw new HostError(
          422,
          `${op.path}: the LFS object ${op.oid} (${op.size} bytes) was never uploaded to this Space; upload it through the LFS batch API first.`,
        );
      }
    }
    const files = parent ? await filesAt(repo, parent) : new Map<string, { mode: string; sha: string }>();
    // Contents become blobs in one hash-object call, written from a temporary folder.
    const work = await mkdtemp(join(tmpdir(), "space-commit-"));
    try {
      const contents = operations.flatMap((op) =>
        op.kind === "file" ? [op.content] : op.kind === "lfs" ? [Buffer.from(lfsPointer(op.oid, op.size))] : [],
      );
      const blobFiles = await Promise.all(
        contents.map(async (content, i) => {
          const file = join(work, `blob-${i}`);
          await writeFile(file, content);
          return file;
        }),
      );
      const shas = blobFiles.length
        ? (await git(repo, ["hash-object", "-w", "--no-filters", "--stdin-paths"], { input: `${blobFiles.join("\n")}\n` }))
            .toString()
            .trim()
            .split("\n")
        : [];
      let next = 0;
      for (const op of operations) {
        if (op.kind === "delete") {
          if (!files.delete(op.path))
            throw new HostError(404, `Cannot delete ${op.path}: there is no such file on ${branch}.`, { "x-error-code": "EntryNotFound" });
        } else if (op.kind === "deleteFolder") {
          const prefix = `${op.path}/`;
          const inside = [...files.keys()].filter((p) => p.startsWith(prefix));
          if (!inside.length)
            throw new HostError(404, `Cannot delete the folder ${op.path}: there is no such folder on ${branch}.`, {
              "x-error-code": "EntryNotFound",
            });
          for (const p of inside) files.delete(p);
        } else {
          // A file keeps its executable bit when it is replaced (the API has no modes).
          const mode = files.get(op.path)?.mode === "100755" ? "100755" : "100644";
          files.set(op.path, { mode, sha: shas[next++]! });
        }
      }
      // A path cannot be both a file and a folder.
      for (const path of files.keys()) {
        const parts = path.split("/");
        for (let i = 1; i < parts.length; i++) {
          const folder = parts.slice(0, i).join("/");
          if (files.has(folder))
            throw new HostError(422, `${path} cannot be added: ${folder} is a file. Delete it in the same commit to make it a folder.`);
        }
      }
      // The rule the pre-receive hook applies to pushes holds for API commits too.
      if (branch === "main") {
        const missing = ["README.md", "package.json"].filter((p) => !files.has(p));
        if (missing.length)
          throw new HostError(
            422,
            `Refused: a Space needs ${missing.join(" and ")} at the top of main (README.md holds the card, package.json the start script).`,
          );
      }
      const index = { GIT_INDEX_FILE: join(work, "index") };
      const info = [...files].map(([path, { mode, sha }]) => `${mode} ${sha}\t${path}\0`).join("");
      await git(repo, ["update-index", "-z", "--add", "--index-info"], { input: info, env: index });
      const tree = (await git(repo, ["write-tree"], { env: index })).toString().trim();
      const message = request.description ? `${request.summary}\n\n${request.description}` : request.summary;
      const person = { name: request.user, email: `${request.user}@users.noreply.${request.emailDomain}` };
      const who = {
        GIT_AUTHOR_NAME: person.name,
        GIT_AUTHOR_EMAIL: person.email,
        GIT_COMMITTER_NAME: person.name,
        GIT_COMMITTER_EMAIL: person.email,
      };
      const sha = (
        await git(repo, ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-F", "-"], {
          input: `${message.trim() || "Update files"}\n`,
          env: who,
        })
      )
        .toString()
        .trim();
      try {
        await git(repo, ["update-ref", "-m", `api commit by ${request.user}`, ref, sha, parent ?? ZERO]);
      } catch {
        throw new HostError(
          409,
          `${branch} moved while this commit was being made (a push landed meanwhile); nothing was committed. Commit again.`,
        );
      }
      return { sha, parent };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/**
 * Which of `paths` the given .gitattributes sends through LFS (`filter=lfs`), as git itself
 * reads the patterns (`git check-attr` against a scratch work tree holding only that file).
 */
export async function lfsTracked(repo: string, gitattributes: string, paths: string[]): Promise<Set<string>> {
  const tracked = new Set<string>();
  if (!paths.length || !gitattributes.includes("filter")) return tracked;
  const work = await mkdtemp(join(tmpdir(), "space-attrs-"));
  try {
    await writeFile(join(work, ".gitattributes"), gitattributes);
    const out = (
      await git(repo, ["--work-tree", work, "check-attr", "-z", "--stdin", "filter"], { input: paths.map((p) => `${p}\0`).join("") })
    )
      .toString()
      .split("\0");
    for (let i = 0; i + 2 < out.length; i += 3) if (out[i + 2] === "lfs") tracked.add(out[i]!);
    return tracked;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The blob at `path` in commit `commit`: its id, mode and content; undefined when there is none. */
export async function readBlob(
  repo: string,
  commit: string,
  path: string,
): Promise<{ oid: string; mode: string; content: Buffer } | undefined> {
  const entry = (await git(repo, ["ls-tree", "-z", "--full-tree", commit, "--", path])).toString().split("\0")[0];
  if (!entry) return undefined;
  const [mode = "", type = "", oid = ""] = entry.slice(0, entry.indexOf("\t")).split(" ");
  if (type !== "blob" || entry.slice(entry.indexOf("\t") + 1) !== path) return undefined;
  return { oid, mode, content: await git(repo, ["cat-file", "blob", oid]) };
}

/** Contents of small blobs, in one `cat-file --batch` (to tell LFS pointers apart). */
async function smallBlobs(repo: string, oids: string[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (!oids.length) return found;
  const out = await git(repo, ["cat-file", "--batch"], { input: `${oids.join("\n")}\n` });
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(10, at);
    const [oid = "", , size = "0"] = out.subarray(at, eol).toString().split(" ");
    const length = Number(size);
    found.set(oid, out.subarray(eol + 1, eol + 1 + length));
    at = eol + 1 + length + 1;
  }
  return found;
}

/**
 * The entries of folder `path` ("" for the top) in `commit`, or every entry below it when
 * `recursive` (folders included, as the Hub lists them). An LFS file shows its object's size
 * and `lfs` details.
 *
 * @returns undefined when `path` is not a folder of that commit.
 */
export async function listEntries(repo: string, commit: string, path: string, recursive: boolean): Promise<TreeEntry[] | undefined> {
  const out = (
    await git(repo, ["ls-tree", "-l", "-z", "--full-tree", ...(recursive ? ["-r", "-t"] : []), commit, "--", ...(path ? [`${path}/`] : [])])
  ).toString();
  const entries: (TreeEntry & { type: TreeEntry["type"] })[] = [];
  for (const record of out.split("\0")) {
    if (!record) continue;
    const tab = record.indexOf("\t");
    const [, type = "", oid = "", size = "-"] = record.slice(0, tab).trim().split(/\s+/);
    const entryPath = record.slice(tab + 1);
    if (type === "tree") entries.push({ type: "directory", oid, size: 0, path: entryPath });
    else if (type === "blob") entries.push({ type: "file", oid, size: Number(size), path: entryPath });
  }
  if (!entries.length && path) return undefined;
  const small = await smallBlobs(
    repo,
    entries.filter((e) => e.type === "file" && e.size <= 200).map((e) => e.oid),
  );
  for (const entry of entries) {
    const pointer = small.has(entry.oid) ? parsePointer(small.get(entry.oid)!) : undefined;
    if (pointer) {
      entry.lfs = { oid: pointer.oid, size: pointer.size, pointerSize: entry.size };
      entry.size = pointer.size;
    }
  }
  return entries;
}

/** Commits reachable from `commit`, newest first: `limit` of them after skipping `skip` (dates in UTC, as the Hub writes them). */
export async function listCommitLog(repo: string, commit: string, skip: number, limit: number): Promise<CommitEntry[]> {
  const out = (
    await git(repo, ["log", "-z", `--skip=${skip}`, `--max-count=${limit}`, "--format=%H%x1f%an%x1f%aI%x1f%s%x1f%B", commit])
  ).toString();
  return out
    .split("\0")
    .filter(Boolean)
    .map((record) => {
      const [id = "", author = "", date = "", title = "", message = ""] = record.split("\x1f");
      return { id, title, message: message.trimEnd(), authors: [{ user: author, avatar: "" }], date: new Date(date).toISOString() };
    });
}

/** The date of a commit, in UTC with a Z as the Hub writes dates (huggingface_hub's parse_datetime wants the Z). */
export async function commitDate(repo: string, commit: string): Promise<string> {
  const out = (await git(repo, ["log", "-1", "--format=%ct", commit])).toString().trim();
  if (!/^\d+$/.test(out)) throw new Error(`git log gave no date for ${commit}: ${JSON.stringify(out.slice(0, 200))}`);
  return new Date(Number(out) * 1000).toISOString();
}

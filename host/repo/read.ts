/**
 * Reading a Space's bare repository for the Hub API (`routes/files.ts`, `routes/repos.ts`): a
 * revision's commit, a file, a folder's entries (LFS files with their object's size), the
 * commit log and dates, and which paths .gitattributes sends through LFS; and a revision's
 * symbolic links, for the pre-receive hook.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "./git.ts";
import { parsePointer } from "./rules.ts";

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

/**
 * The commit `rev` (a branch, a tag or a hash) names, or undefined.
 *
 * @example
 * await resolveRevision(repo, "main") // → "9c1e…" (40 hex), or undefined before the first push
 */
export async function resolveRevision(repo: string, rev: string): Promise<string | undefined> {
  if (!/^[\w./-]{1,200}$/.test(rev) || rev.startsWith("-") || rev.includes("..")) return undefined;
  const out = await git(repo, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]).catch(() => undefined);
  return out?.toString().trim() || undefined;
}

/**
 * Which of `paths` the given .gitattributes sends through LFS (`filter=lfs`), as git itself
 * reads the patterns (`git check-attr` against a scratch work tree holding only that file).
 *
 * @example
 * await lfsTracked(repo, "*.onnx filter=lfs diff=lfs merge=lfs -text\n", ["model.onnx", "app.ts"]) // → Set {"model.onnx"}
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

/**
 * The blob at `path` in commit `commit`: its id, mode and content; undefined when there is none.
 *
 * @example
 * (await readBlob(repo, sha, "README.md"))?.content.toString("utf8")
 */
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
 * @example
 * await listEntries(repo, sha, "examples", false) // → [{ type: "file", oid, size, path: "examples/bag.png" }, …]
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

/**
 * Commits reachable from `commit`, newest first: `limit` of them after skipping `skip` (dates in UTC, as the Hub writes them).
 *
 * @example
 * await listCommitLog(repo, sha, 0, 100) // → [{ id, title, message, authors: [{ user: "alice", avatar: "" }], date }]
 */
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

/**
 * The date of a commit, in UTC with a Z as the Hub writes dates (huggingface_hub's parse_datetime wants the Z).
 *
 * @example
 * await commitDate(repo, sha) // → "2026-12-02T16:30:00.000Z"
 */
export async function commitDate(repo: string, commit: string): Promise<string> {
  const out = (await git(repo, ["log", "-1", "--format=%ct", commit])).toString().trim();
  if (!/^\d+$/.test(out)) throw new Error(`git log gave no date for ${commit}: ${JSON.stringify(out.slice(0, 200))}`);
  return new Date(Number(out) * 1000).toISOString();
}

/**
 * Every symbolic link in a revision's tree with its target (a link's blob is its target's text),
 * read in one `cat-file --batch`. `env` passes on a hook's quarantine variables.
 *
 * @example
 * await symlinksIn(repo, sha) // → [{ path: "docs/latest", target: "v2" }]
 */
export async function symlinksIn(
  repo: string,
  commit: string,
  env: Record<string, string> = {},
): Promise<{ path: string; target: string }[]> {
  const links = (await git(repo, ["ls-tree", "-r", "-z", "--full-tree", commit], { env }))
    .toString()
    .split("\0")
    .flatMap((entry) => {
      const tab = entry.indexOf("\t");
      const [mode, , oid] = entry.slice(0, tab).split(" ");
      const path = entry.slice(tab + 1); // a path may hold a tab itself
      return mode === "120000" && path && oid ? [{ path, oid }] : [];
    });
  if (!links.length) return [];
  const out = await git(repo, ["cat-file", "--batch"], { input: `${links.map((l) => l.oid).join("\n")}\n`, env });
  // Each answer is "<oid> blob <size>\n<content>\n".
  let at = 0;
  return links.map(({ path }) => {
    const header = out.subarray(at, out.indexOf(10, at)).toString();
    const size = Number(header.split(" ")[2]);
    const start = at + header.length + 1;
    at = start + size + 1;
    return { path, target: out.subarray(start, start + size).toString() };
  });
}

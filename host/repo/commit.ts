/**
 * A commit to a Space's bare repository made with git plumbing from files sent over HTTP (no
 * working copy, no clone), for the Hub API's commit endpoint (`routes/files.ts`).
 *
 * A commit is built aside and published with one compare-and-swap: the files become blobs
 * (`hash-object -w`), the new tree is written from a temporary index (`GIT_INDEX_FILE`,
 * `update-index --index-info`, `write-tree`), the commit names its parent (`commit-tree -p`), and
 * `update-ref` moves the branch only if it still points at that parent — so a push that landed
 * meanwhile is never lost, and a refused commit moves nothing (unreferenced objects are git's to
 * collect). LFS files are committed as the pointer files git-lfs writes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostError } from "../errors.ts";
import { git } from "./git.ts";
import { hasObject } from "./lfs-store.ts";
import { resolveRevision } from "./read.ts";
import { checkRepoPath, lfsPointer, notASpace } from "./rules.ts";

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

const ZERO = "0".repeat(40);

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
 *   object never uploaded, a file inside a file, or a main without README.md and package.json
 *   (index.html for `sdk: static`).
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
        const readme = files.get("README.md");
        const card = readme ? (await git(repo, ["cat-file", "blob", readme.sha])).toString() : undefined;
        const refused = notASpace((path) => files.has(path), card);
        if (refused) throw new HostError(422, `Refused: ${refused}`);
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

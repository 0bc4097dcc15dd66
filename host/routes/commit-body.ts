/** The Hub's commit request (`POST /api/spaces/<id>/commit/<rev>`): its NDJSON body read and checked. */
import { HostError } from "../errors.ts";
import type { CommitOperation } from "../repo/commit.ts";
import { OID } from "../repo/lfs-store.ts";
import { checkRepoPath } from "../repo/rules.ts";
import { decodeBase64 } from "./hub.ts";

/**
 * The commit endpoint's NDJSON body → header and operations: a `header` line first, then
 * `file` (base64 or utf-8 content), `lfsFile` (an uploaded object), `deletedFile`, `deletedFolder`.
 *
 * @throws {HostError} 400 naming the first bad line.
 * @example
 * parseCommitBody('{"key":"header","value":{"summary":"Hi"}}\n{"key":"deletedFile","value":{"path":"a.txt"}}')
 * // → { summary: "Hi", operations: [{ kind: "delete", path: "a.txt" }] }
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

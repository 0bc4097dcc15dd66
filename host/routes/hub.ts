/**
 * The Hub's conventions, shared by the routes that speak its API (`repos.ts`, `files.ts`,
 * `settings.ts`), so the official clients — `@huggingface/hub` with `hubUrl` set to this host,
 * `huggingface_hub` with `HF_ENDPOINT` — manage Spaces here unmodified. Errors are the Hub's: a
 * status and `{"error": …}`, plus `X-Error-Code` where the clients look for it (RepoNotFound,
 * RevisionNotFound, EntryNotFound).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import type { Context } from "hono";
import type { SpaceRecord } from "../accounts/accounts.ts";
import { readable, writable, type HostEnv } from "../accounts/auth.ts";
import { HostError } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { resolveRevision } from "../repo/read.ts";
import type { HostDeps } from "./deps.ts";

/** `owner/name`. */
export const idOf = (space: SpaceRecord) => `${space.owner}/${space.name}`;

/**
 * A stable 24-hex id per Space, like the Hub's `_id`.
 *
 * @example
 * hubId(space) // → "3f2a…" (24 characters)
 */
export const hubId = (space: SpaceRecord) =>
  createHash("sha256").update(`${space.owner}/${space.name}\0${space.created}`).digest("hex").slice(0, 24);

/**
 * Adds the Hub's `X-Error-Code: RepoNotFound` to a 401/404 about the Space itself (huggingface_hub raises RepositoryNotFoundError on it).
 *
 * @example
 * const space = repoNotFound(() => writable(accounts, c, owner, name));
 */
export function repoNotFound<T>(find: () => T): T {
  try {
    return find();
  } catch (err) {
    if (err instanceof HostError && (err.status === 404 || err.status === 401))
      throw new HostError(err.status, err.message, { "x-error-code": "RepoNotFound", ...err.headers }, err.details);
    throw err;
  }
}

/**
 * The Space of a `/:owner/:name` route the caller may read (or write), with the Hub's RepoNotFound.
 *
 * @example
 * app.get("/api/spaces/:owner/:name", (c) => c.json(hubSpace(deps, c, "read")));
 */
export const hubSpace = (deps: HostDeps, c: Context<HostEnv>, access: "read" | "write"): SpaceRecord =>
  repoNotFound(() => (access === "read" ? readable : writable)(deps.accounts, c, c.req.param("owner")!, c.req.param("name")!));

/**
 * The commit `rev` names in the Space, or 404 RevisionNotFound.
 *
 * @example
 * const sha = await revision(deps.dataDir, space, "main");
 */
export async function revision(dataDir: string, space: SpaceRecord, rev: string): Promise<string> {
  const repo = spacePaths(dataDir, space.owner, space.name).repo;
  const sha = existsSync(repo) ? await resolveRevision(repo, rev) : undefined;
  if (!sha)
    throw new HostError(
      404,
      `Invalid rev id: ${rev.slice(0, 100)} (${idOf(space)} has no such revision${rev === "main" ? " yet: nothing was committed" : ""}).`,
      { "x-error-code": "RevisionNotFound" },
    );
  return sha;
}

/**
 * The path segments after the first `skip` of the request's (still encoded) path, decoded.
 *
 * @example
 * segmentsAfter(c, 5) // /spaces/a/b/resolve/main/x%20y.txt → ["main", "x y.txt"]
 */
export function segmentsAfter(c: Context, skip: number): string[] {
  try {
    return new URL(c.req.url).pathname.split("/").slice(skip).map(decodeURIComponent);
  } catch {
    throw new HostError(400, "The path is not valid percent-encoding.");
  }
}

/**
 * Strict base64 (what the clients send): Buffer.from would quietly skip broken characters.
 *
 * @example
 * decodeBase64("aGk=", "a.txt") // → Buffer "hi"
 */
export function decodeBase64(text: unknown, path: string): Buffer {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new HostError(400, `${path}: content is not valid base64.`);
  return Buffer.from(text, "base64");
}

/**
 * The `secrets` or `variables` of a Hub request that creates a Space (`createRepo`,
 * `duplicate_space`): a list of `{key, value, description?}`, or none.
 *
 * @throws {HostError} 400 when it is anything else.
 * @example
 * envList({ variables: [{ key: "GREETING", value: "hi" }] }, "variables") // → [{ key: "GREETING", value: "hi" }]
 */
export function envList(
  body: Record<string, unknown>,
  kind: "secrets" | "variables",
): { key: string; value: string; description?: string }[] {
  const list = body[kind] ?? [];
  if (
    !Array.isArray(list) ||
    list.some((e: { key?: unknown; value?: unknown }) => typeof e?.key !== "string" || typeof e?.value !== "string")
  )
    throw new HostError(400, `${kind} must be a list of {key, value, description?}.`);
  return list as { key: string; value: string; description?: string }[];
}

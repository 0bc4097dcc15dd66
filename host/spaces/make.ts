/**
 * New Spaces made by the host itself, without a shell or a client's push: from a template
 * (`templates.ts`: the first commit made with the commit plumbing, `repo/commit.ts`) or as a
 * duplicate of another Space (its git history cloned, its LFS objects linked, its variables
 * copied; its secrets never). Either way the Space is then deployed as a push to main would be,
 * and a failure on the way removes everything it made: a Space is made whole or not at all.
 */
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Accounts, SpaceRecord } from "../accounts/accounts.ts";
import { HostError } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { type CommitOperation, commitFiles } from "../repo/commit.ts";
import { git } from "../repo/git.ts";
import { linkObject, OID, objectPath, storeFile } from "../repo/lfs-store.ts";
import { resolveRevision } from "../repo/read.ts";
import { ensureRepo } from "../repo/repository.ts";
import type { Lifecycle } from "./lifecycle.ts";
import { recordedInRuntime } from "./runtime.ts";
import type { SpaceTemplate } from "./templates.ts";

/** What making a Space needs of the host. */
export interface MakeDeps {
  dataDir: string;
  accounts: Accounts;
  spaces: Lifecycle;
}

/** The new Space: who, what, and who asks. */
export interface NewSpace {
  owner: string;
  name: string;
  private: boolean;
  /** The user making it (author of the first commit). */
  user: string;
  /** The host's name, for the author's no-reply address. */
  emailDomain: string;
}

/** Where templates' LFS objects are stored once, to be linked into each new Space's store. */
export const templateObjects = (dataDir: string) => join(dataDir, "templates", "lfs");

/**
 * Creates the Space record, runs `fill` to give it its repository, and removes all of it again
 * (record, repository, LFS objects) when that fails; then deploys main in the background.
 *
 * @throws {HostError} 409 when the Space exists, 400 for a bad name.
 */
async function make(deps: MakeDeps, wanted: NewSpace, sdk: string | undefined, fill: (space: SpaceRecord) => Promise<string>) {
  const { owner, name } = wanted;
  if (deps.accounts.space(owner, name)) throw new HostError(409, `The Space ${owner}/${name} already exists: choose another name.`);
  let space: SpaceRecord;
  try {
    space = deps.accounts.createSpace(owner, name, { private: wanted.private, ...(sdk ? { sdk } : {}) });
  } catch (err) {
    throw new HostError(/already exists/.test((err as Error).message) ? 409 : 400, (err as Error).message);
  }
  let sha: string;
  try {
    sha = await fill(space);
  } catch (err) {
    await deps.spaces.remove(space);
    throw err;
  }
  void deps.spaces
    .deploy(space, sha)
    .catch(recordedInRuntime)
    .catch((err: Error) => deps.spaces.runtime(`${owner}/${name}`).buildLog.push(`Deploy failed: ${err.message}`));
  return { space, sha };
}

/**
 * Makes a Space from a template: its first commit on main holds the template's files, the large
 * ones through LFS (stored once for the host, hard-linked into the Space's store), and it is
 * deployed at once.
 *
 * @returns the new Space and its first commit.
 * @throws {HostError} 409 when the Space exists, 400 for a bad name.
 * @example
 * const { space } = await createFromTemplate(deps, templateById("blank")!, { owner: "alice", name: "demo", private: false, user: "alice", emailDomain: "localhost" });
 */
export async function createFromTemplate(
  deps: MakeDeps,
  template: SpaceTemplate,
  wanted: NewSpace,
): Promise<{ space: SpaceRecord; sha: string }> {
  return make(deps, wanted, "docker", async (space) => {
    const paths = spacePaths(deps.dataDir, space.owner, space.name);
    await ensureRepo(paths);
    const operations: CommitOperation[] = [];
    for (const file of await template.files(space.name)) {
      if ("content" in file) {
        operations.push({ kind: "file", path: file.path, content: file.content });
        continue;
      }
      const shared = templateObjects(deps.dataDir);
      const { oid, size } = await storeFile(shared, file.lfsFrom);
      await linkObject(objectPath(shared, oid), paths.lfs, oid);
      operations.push({ kind: "lfs", path: file.path, oid, size });
    }
    const { sha } = await commitFiles(paths.repo, paths.lfs, {
      branch: "main",
      operations,
      summary: `Initial commit: the ${template.title} template`,
      user: wanted.user,
      emailDomain: wanted.emailDomain,
    });
    return sha;
  });
}

/** git for a command that is not about one repository (a clone), with the host's clean environment. */
const gitClean = (args: string[]) =>
  promisify(execFile)("git", args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent" },
  });

/** Every object in an LFS store, by oid. */
async function storedObjects(objectsDir: string): Promise<string[]> {
  const entries = await readdir(objectsDir, { recursive: true }).catch(() => [] as string[]);
  return entries.map((entry) => entry.split("/").pop()!).filter((file) => OID.test(file));
}

/**
 * Duplicates `source` as HF's "Duplicate this Space" does: main's history (a bare local clone,
 * whose objects git hard-links), every LFS object (hard-linked, copied only across filesystems),
 * the variables (the secrets are not copied: the new owner sets their own) and the SDK; then it
 * is deployed. `variables` and `secrets` are set on top (the Hub API's duplicate takes both).
 *
 * @returns the new Space and main's commit.
 * @throws {HostError} 409 when the new Space exists or the source has nothing on main, 400 for a bad name.
 * @example
 * await duplicateSpace(deps, accounts.space("bob", "demo")!, { owner: "alice", name: "demo", private: false, user: "alice", emailDomain: "localhost" });
 */
export async function duplicateSpace(
  deps: MakeDeps,
  source: SpaceRecord,
  wanted: NewSpace,
  extra: { variables?: { key: string; value: string; description?: string }[]; secrets?: typeof extra.variables } = {},
): Promise<{ space: SpaceRecord; sha: string }> {
  const from = spacePaths(deps.dataDir, source.owner, source.name);
  const head = await resolveRevision(from.repo, "refs/heads/main").catch(() => undefined);
  if (!head) throw new HostError(409, `${source.owner}/${source.name} has nothing on main yet: there is nothing to duplicate.`);
  return make(deps, wanted, source.sdk, async (space) => {
    const paths = spacePaths(deps.dataDir, space.owner, space.name);
    await gitClean(["clone", "--bare", "--quiet", "--single-branch", "--branch", "main", "--no-tags", from.repo, paths.repo]);
    await git(paths.repo, ["remote", "remove", "origin"]);
    await git(paths.repo, ["config", "http.receivepack", "true"]);
    await ensureRepo(paths);
    for (const oid of await storedObjects(from.lfs)) await linkObject(objectPath(from.lfs, oid), paths.lfs, oid);
    const { accounts } = deps;
    for (const [key, value] of Object.entries(source.variables))
      accounts.setEnv(space.owner, space.name, "variables", key, value, source.envInfo?.variables?.[key]?.description);
    try {
      for (const kind of ["variables", "secrets"] as const)
        for (const { key, value, description } of extra[kind] ?? [])
          accounts.setEnv(space.owner, space.name, kind, key, value, description);
    } catch (err) {
      throw new HostError(400, (err as Error).message);
    }
    const sha = await resolveRevision(paths.repo, "refs/heads/main");
    if (!sha) throw new HostError(500, `The copy of ${source.owner}/${source.name} has no main: nothing was made.`);
    return sha;
  });
}

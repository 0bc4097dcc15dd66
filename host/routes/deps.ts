/** What every route module of the host is given by `createHostApp`. */
import type { Accounts } from "../accounts/accounts.ts";
import type { Lifecycle } from "../spaces/lifecycle.ts";

export interface HostDeps {
  /** SPACES_DATA. */
  dataDir: string;
  accounts: Accounts;
  spaces: Lifecycle;
  /** Signs session cookies; kept in SPACES_DATA/session.key so sessions survive restarts. */
  sessionKey: string;
  /** Only this process's hooks know it: it guards /_internal/deploy. */
  hookToken: string;
  /** The host's own address as its hooks reach it, e.g. http://127.0.0.1:7861. */
  selfUrl: () => string;
  /** The largest file (LFS object) a push may carry. */
  maxFileBytes: number;
  /** The largest push: a git pack, a Hub commit's body, an LFS batch upload's objects together. */
  maxPushBytes: number;
  /** How long an API request to a sleeping Space is held while it wakes. */
  wakeHoldMs: number;
}

/** `owner` and the repository name without `.git`, as the routes' `:owner/:repo` give them. */
export const repoParams = (param: (name: string) => string | undefined) => ({
  owner: param("owner") ?? "",
  name: (param("repo") ?? "").replace(/\.git$/, ""),
});

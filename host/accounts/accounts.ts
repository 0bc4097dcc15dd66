/**
 * Users, their write tokens, and Spaces with their variables and secrets, kept in one JSON file
 * under SPACES_DATA (written atomically). A token is shown once, when made, and stored only as
 * its SHA-256.
 *
 * The host reads the file once and keeps it in memory; the CLI (`npm run spaces`) writes it from
 * another process, so `refresh()` re-reads it when its identity (inode, size, mtime) changed —
 * one stat at most every second, and at once when a lookup misses (a token or Space just made).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Limits } from "../apps/limits.ts";
import { parseSpaceId, isValidName, subdomainOf, subdomainWithHash } from "./names.ts";

/** Space uids on the host start above this one: never root, never a system or login user. */
export const SPACE_UID_BASE = 3_000_000;

/** A Space's settings. */
export interface SpaceRecord {
  owner: string;
  name: string;
  private: boolean;
  variables: Record<string, string>;
  secrets: Record<string, string>;
  created: string;
  /** The SDK it was created with through the Hub API (the README card's `sdk` wins once built). */
  sdk?: string;
  /** When each variable and secret was last set, and its description (the Hub API shows both). */
  envInfo?: { variables?: Record<string, EnvInfo>; secrets?: Record<string, EnvInfo> };
  /** The owner's rollout for the next pushes (`npm run spaces -- rollout`), over the card's; "off" for none. */
  rollout?: unknown;
  /** The uid its processes run as on the host (sandbox), its own; given when first needed. */
  uid?: number;
  /** What its owner asked for, over the host's defaults and within its ceiling (`apps/limits.ts`). */
  limits?: Partial<Limits>;
  /** Its app's subdomain (`<owner>-<name>` by HF's rule, `names.ts`), given once: see {@link Accounts.subdomainOf}. */
  subdomain?: string;
  /** Seconds without requests before it sleeps, over the host's SPACE_SLEEP_AFTER (HF's `sleepTime`); -1: never. */
  sleepTime?: number;
}

/** What the Hub API shows of a variable or secret besides its value. */
export interface EnvInfo {
  description?: string;
  updatedAt: string;
}

interface State {
  users: Record<string, { tokens: { sha256: string; created: string }[] }>;
  spaces: Record<string, SpaceRecord>;
  /** The next Space uid to give (uids are never given twice, even after a Space is deleted). */
  nextUid?: number;
  /** Renamed Spaces: old id → new id, followed by the old name's URLs (`moveSpace`). */
  redirects?: Record<string, string>;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * @example
 * const accounts = new Accounts(".spaces");
 * const token = accounts.createToken("alice"); // "hf_…", shown once
 * accounts.userForToken(token) // → "alice"
 */
export class Accounts {
  private readonly file: string;
  private state: State = { users: {}, spaces: {} };
  /** inode:size:mtime of the file as last read, and when that was checked. */
  private seen = "";
  private checkedAt = 0;
  /** Spaces by app subdomain, built when first asked after each read. */
  private bySubdomain: Map<string, SpaceRecord> | undefined;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, "accounts.json");
    this.refresh(true);
  }

  /** Re-reads the file if another process changed it (checked at most once a second unless `force`). */
  refresh(force = false): void {
    const now = Date.now();
    if (!force && now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const info = statSync(this.file, { throwIfNoEntry: false });
    const identity = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : "";
    if (identity === this.seen) return;
    this.seen = identity;
    if (info) this.state = JSON.parse(readFileSync(this.file, "utf8"));
    this.bySubdomain = undefined;
  }

  /** The Space's subdomain by HF's rule, or its hashed form when another Space holds that one. */
  private freeSubdomain(owner: string, name: string): string {
    const plain = subdomainOf(owner, name);
    const taken = Object.values(this.state.spaces).some((s) => s.subdomain === plain);
    return taken ? subdomainWithHash(owner, name) : plain;
  }

  /**
   * Gives a subdomain to every Space made before they had one, oldest first, so that when two
   * names fold to the same label the older Space keeps the plain one. Writes only if it gave any.
   */
  private giveSubdomains(): void {
    const missing = Object.values(this.state.spaces)
      .filter((s) => !s.subdomain)
      .sort((a, b) => a.created.localeCompare(b.created));
    for (const space of missing) space.subdomain = this.freeSubdomain(space.owner, space.name);
    if (missing.length) {
      this.bySubdomain = undefined;
      this.save();
    }
  }

  /**
   * The subdomain of a Space's app, given once and kept for the Space's life.
   *
   * @example
   * accounts.subdomainOf("alice", "demo") // → "alice-demo"
   */
  subdomainOf(owner: string, name: string): string {
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    if (!space.subdomain) {
      this.refresh(true);
      this.giveSubdomains();
    }
    return this.space(owner, name)!.subdomain!;
  }

  /**
   * The Space whose app has this subdomain, if any.
   *
   * @example
   * accounts.spaceBySubdomain("alice-demo") // → alice/demo's record
   */
  spaceBySubdomain(subdomain: string): SpaceRecord | undefined {
    this.refresh();
    const find = () => {
      if (Object.values(this.state.spaces).some((s) => !s.subdomain)) this.giveSubdomains();
      this.bySubdomain ??= new Map(Object.values(this.state.spaces).map((s) => [s.subdomain!, s]));
      return this.bySubdomain.get(subdomain);
    };
    const found = find();
    if (found) return found;
    this.refresh(true); // made since the last read, perhaps by the CLI
    return find();
  }

  private save(): void {
    const partial = `${this.file}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(this.state, null, 2), { mode: 0o600 }); // secrets live here
    renameSync(partial, this.file);
    const info = statSync(this.file);
    this.seen = `${info.ino}:${info.size}:${info.mtimeMs}`;
  }

  /** Creates the user if needed and returns a new write token (the only time it is shown). */
  createToken(user: string): string {
    if (!isValidName(user)) throw new Error(`Invalid user name ${JSON.stringify(user)}: use letters, digits, "-", "_" and ".".`);
    this.refresh(true); // write on top of what another process may have just written
    const token = `hf_${randomBytes(24).toString("base64url")}`; // @gradio/client types tokens as hf_…
    this.state.users[user] ??= { tokens: [] };
    this.state.users[user].tokens.push({ sha256: sha256(token), created: new Date().toISOString() });
    this.save();
    return token;
  }

  /** The user a token belongs to, if any (compared in constant time). */
  userForToken(token: string | undefined): string | undefined {
    if (!token) return undefined;
    this.refresh();
    const hex = sha256(token);
    const user = this.findToken(hex);
    if (user !== undefined) return user;
    // Not in what was read: the token may be newer than that, so look again in the file itself.
    this.refresh(true);
    return this.findToken(hex);
  }

  private findToken(hex: string): string | undefined {
    const hash = Buffer.from(hex, "hex");
    for (const [user, { tokens }] of Object.entries(this.state.users)) {
      if (tokens.some((t) => timingSafeEqual(Buffer.from(t.sha256, "hex"), hash))) return user;
    }
    return undefined;
  }

  /**
   * A short tag of one of the user's tokens, for a session cookie: the session ends when that
   * token is no longer the user's. `hasTokenTag` checks it.
   */
  tokenTag(token: string): string {
    return sha256(`session:${sha256(token)}`).slice(0, 24);
  }

  hasTokenTag(user: string, tag: string): boolean {
    this.refresh();
    return Boolean(this.state.users[user]?.tokens.some((t) => sha256(`session:${t.sha256}`).slice(0, 24) === tag));
  }

  space(owner: string, name: string): SpaceRecord | undefined {
    this.refresh();
    const id = `${owner}/${name}`;
    if (!Object.hasOwn(this.state.spaces, id)) this.refresh(true);
    return Object.hasOwn(this.state.spaces, id) ? this.state.spaces[id] : undefined;
  }

  /** Every Space, newest first. */
  spaces(): SpaceRecord[] {
    this.refresh();
    return Object.values(this.state.spaces).sort((a, b) => b.created.localeCompare(a.created));
  }

  createSpace(owner: string, name: string, { private: isPrivate = false, sdk }: { private?: boolean; sdk?: string } = {}): SpaceRecord {
    parseSpaceId(owner, name);
    this.refresh(true);
    if (!this.state.users[owner]) throw new Error(`No user ${owner}: create one first (npm run spaces -- token ${owner}).`);
    const id = `${owner}/${name}`;
    if (this.state.spaces[id]) throw new Error(`The Space ${id} already exists.`);
    const record: SpaceRecord = {
      owner,
      name,
      private: isPrivate,
      variables: {},
      secrets: {},
      created: new Date().toISOString(),
      ...(sdk ? { sdk } : {}),
    };
    this.giveSubdomains();
    record.subdomain = this.freeSubdomain(owner, name);
    this.state.spaces[id] = record;
    delete this.state.redirects?.[id]; // a new Space at a renamed one's old name takes it over, as on HF
    this.save();
    return record;
  }

  /**
   * Forgets a Space (its files are the lifecycle's to remove: `Lifecycle.remove`).
   *
   * @returns whether it existed.
   */
  deleteSpace(owner: string, name: string): boolean {
    this.refresh(true);
    const id = `${owner}/${name}`;
    if (!Object.hasOwn(this.state.spaces, id)) return false;
    delete this.state.spaces[id];
    this.bySubdomain = undefined;
    this.save();
    return true;
  }

  /** Sets a variable (shown) or a secret (never shown back) of a Space, with an optional description. */
  setEnv(owner: string, name: string, kind: "variables" | "secrets", key: string, value: string, description?: string): void {
    this.refresh(true);
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new Error(`Invalid ${kind === "secrets" ? "secret" : "variable"} name ${JSON.stringify(key)}: use letters, digits and "_".`);
    space[kind][key] = value;
    space.envInfo ??= {};
    space.envInfo[kind] ??= {};
    space.envInfo[kind][key] = {
      ...(description !== undefined ? { description } : {}),
      updatedAt: new Date().toISOString(),
    };
    this.save();
  }

  /**
   * The Space's own uid on the host, given once (the next after every uid given so far) and kept
   * for its life, so its files on disk stay its own across restarts.
   *
   * @example
   * accounts.uidOf("alice", "demo") // → 3000001
   */
  uidOf(owner: string, name: string): number {
    const known = this.space(owner, name);
    if (known?.uid) return known.uid;
    this.refresh(true);
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    if (!space.uid) {
      this.state.nextUid ??= Math.max(SPACE_UID_BASE, ...Object.values(this.state.spaces).map((s) => s.uid ?? 0)) + 1;
      space.uid = this.state.nextUid++;
      this.save();
    }
    return space.uid;
  }

  /** Sets (or, with undefined, clears) the resources its owner asks for; checking them against the host's ceiling is the caller's. */
  setLimits(owner: string, name: string, limits: Partial<Limits> | undefined): void {
    this.refresh(true);
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    if (limits === undefined || !Object.keys(limits).length) delete space.limits;
    else space.limits = limits;
    this.save();
  }

  /** Sets (or, with undefined, clears: the card decides again) the rollout of a Space's next pushes. */
  setRollout(owner: string, name: string, rollout: unknown): void {
    this.refresh(true);
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    if (rollout === undefined) delete space.rollout;
    else space.rollout = rollout;
    this.save();
  }

  /**
   * Removes a variable or secret.
   *
   * @returns whether it was set.
   */
  deleteEnv(owner: string, name: string, kind: "variables" | "secrets", key: string): boolean {
    this.refresh(true);
    const space = this.space(owner, name);
    if (!space || !Object.hasOwn(space[kind], key)) return false;
    delete space[kind][key];
    delete space.envInfo?.[kind]?.[key];
    this.save();
    return true;
  }

  /** Makes a Space private (only its owner sees it) or public. */
  setPrivate(owner: string, name: string, isPrivate: boolean): void {
    this.refresh(true);
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    space.private = isPrivate;
    this.save();
  }

  /** Sets (or, with undefined, clears: the host's default applies) how long the Space idles before it sleeps; -1: never. */
  setSleepTime(owner: string, name: string, seconds: number | undefined): void {
    this.refresh(true);
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    if (seconds === undefined) delete space.sleepTime;
    else space.sleepTime = seconds;
    this.save();
  }

  /**
   * Moves a Space's record to a new id, with a subdomain for the new name, and keeps a redirect
   * from the old id (and from any id that pointed to it). Its files are the lifecycle's to move
   * (`Lifecycle.rename`).
   *
   * @throws {Error} when the Space is missing, the new name is invalid or taken, or its owner has no account.
   * @example
   * accounts.moveSpace("alice", "demo", "alice", "demo2") // → alice/demo2's record; "alice/demo" redirects to it
   */
  moveSpace(owner: string, name: string, toOwner: string, toName: string): SpaceRecord {
    parseSpaceId(toOwner, toName);
    this.refresh(true);
    const [from, to] = [`${owner}/${name}`, `${toOwner}/${toName}`];
    const space = Object.hasOwn(this.state.spaces, from) ? this.state.spaces[from] : undefined;
    if (!space) throw new Error(`No Space ${from}.`);
    if (Object.hasOwn(this.state.spaces, to)) throw new Error(`The Space ${to} already exists.`);
    if (!this.state.users[toOwner]) throw new Error(`No user ${toOwner}.`);
    delete this.state.spaces[from];
    this.giveSubdomains();
    const moved: SpaceRecord = { ...space, owner: toOwner, name: toName, subdomain: this.freeSubdomain(toOwner, toName) };
    this.state.spaces[to] = moved;
    this.state.redirects ??= {};
    const redirects = this.state.redirects;
    for (const [old, target] of Object.entries(redirects)) if (target === from) redirects[old] = to;
    redirects[from] = to;
    delete redirects[to];
    this.bySubdomain = undefined;
    this.save();
    return moved;
  }

  /**
   * Where a renamed Space lives now, if `owner/name` is an old name of a Space that still exists
   * (and no Space has that name since).
   *
   * @example
   * accounts.renamedTo("alice", "demo") // → { owner: "alice", name: "demo2" }
   */
  renamedTo(owner: string, name: string): { owner: string; name: string } | undefined {
    this.refresh();
    const id = `${owner}/${name}`;
    if (Object.hasOwn(this.state.spaces, id)) return undefined;
    const to = this.state.redirects && Object.hasOwn(this.state.redirects, id) ? this.state.redirects[id]! : undefined;
    if (!to || !Object.hasOwn(this.state.spaces, to)) return undefined;
    const [toOwner = "", toName = ""] = to.split("/");
    return { owner: toOwner, name: toName };
  }
}

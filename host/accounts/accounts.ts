/**
 * Users (admins, disabled accounts), their tokens (read or write), invitations, and Spaces with
 * their variables and secrets, kept in one JSON file under SPACES_DATA (written atomically). A
 * token or an invite code is shown once, when made, and stored only as its SHA-256.
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

/** What a token may do: read (clone, private reads by its owner) or write too (push, settings). */
export type TokenRole = "read" | "write";

/** A token as stored: its hash, never the token. Tokens made before roles had none: they are write tokens. */
interface StoredToken {
  sha256: string;
  created: string;
  name?: string;
  role?: TokenRole;
  /** When it was last used, written at most once a minute (see {@link Accounts.useToken}). */
  lastUsed?: string;
}

/** A token as its owner sees it listed: no hash, an id to revoke it by. */
export interface TokenInfo {
  /** The first 12 hex digits of the token's SHA-256: stable, and says nothing of the token. */
  id: string;
  name: string;
  role: TokenRole;
  created: string;
  lastUsed?: string;
}

/** A user as the admin page lists them. */
export interface UserInfo {
  name: string;
  admin: boolean;
  disabled: boolean;
  spaces: number;
  tokens: number;
}

interface State {
  users: Record<string, { tokens: StoredToken[]; admin?: true; disabled?: true; created?: string }>;
  /** Invitations by the SHA-256 of their code: single-use, until `expires`. */
  invites?: Record<string, { created: string; expires: string; admin?: true }>;
  spaces: Record<string, SpaceRecord>;
  /** The next Space uid to give (uids are never given twice, even after a Space is deleted). */
  nextUid?: number;
  /** Renamed Spaces: old id → new id, followed by the old name's URLs (`moveSpace`). */
  redirects?: Record<string, string>;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
/** How often at most a token's last use is written to the file (the rest is kept in memory). */
const LAST_USED_WRITE_MS = 60_000;
/** How long an invitation stays good. */
const INVITE_DAYS = 7;

/** A stored token as listed: `index` names the ones made before tokens had names. */
/** A token's id: the first 12 hex digits of its SHA-256 (stable, and says nothing of the token). */
const tokenId = (t: StoredToken) => t.sha256.slice(0, 12);

/** Where in `tokens` the token with this id is, or -1 (an id of any other shape matches nothing). */
const indexOfId = (tokens: StoredToken[], id: string) => (/^[0-9a-f]{12}$/.test(id) ? tokens.findIndex((t) => tokenId(t) === id) : -1);

const tokenInfo = (t: StoredToken, index: number, used?: number): TokenInfo => {
  const saved = t.lastUsed ? Date.parse(t.lastUsed) : 0;
  const last = Math.max(saved, used ?? 0);
  return {
    id: tokenId(t),
    name: t.name ?? `token ${index + 1}`,
    role: t.role ?? "write",
    created: t.created,
    ...(last ? { lastUsed: new Date(last).toISOString() } : {}),
  };
};

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
  /** When each token (by hash) was last used here, and when that was last written to the file. */
  private readonly used = new Map<string, number>();
  private readonly usedWritten = new Map<string, number>();

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

  /**
   * Creates the user if needed and returns a new token (the only time it is shown): a write
   * token unless `role` says "read", named `name` or "token <n>".
   *
   * @example
   * accounts.createToken("alice", { name: "laptop", role: "read" }) // → "hf_…"
   */
  createToken(user: string, { name, role = "write" }: { name?: string; role?: TokenRole } = {}): string {
    if (!isValidName(user)) throw new Error(`Invalid user name ${JSON.stringify(user)}: use letters, digits, "-", "_" and ".".`);
    if (role !== "read" && role !== "write") throw new Error(`A token's role is "read" or "write", not ${JSON.stringify(role)}.`);
    const label = name?.trim();
    if (label !== undefined && (!label || label.length > 100 || /[\x00-\x1f\x7f]/.test(label)))
      throw new Error("A token's name is 1 to 100 characters, with no control characters.");
    this.refresh(true); // write on top of what another process may have just written
    const token = this.addToken(user, label, role);
    this.save();
    return token;
  }

  /** A user's record as last read — hasOwn, so a user named "constructor" is not Object's own. */
  private userRecord(user: string): State["users"][string] | undefined {
    return Object.hasOwn(this.state.users, user) ? this.state.users[user] : undefined;
  }

  /** Adds a new token to the state (the user made if needed), unsaved; returns it. */
  private addToken(user: string, name: string | undefined, role: TokenRole, admin = false): string {
    const token = `hf_${randomBytes(24).toString("base64url")}`; // @gradio/client types tokens as hf_…
    if (!this.userRecord(user))
      this.state.users[user] = { tokens: [], created: new Date().toISOString(), ...(admin ? { admin: true as const } : {}) };
    const tokens = this.state.users[user]!.tokens;
    tokens.push({ sha256: sha256(token), created: new Date().toISOString(), name: name ?? `token ${tokens.length + 1}`, role });
    return token;
  }

  /** The user a token belongs to, if any and not disabled (compared in constant time). */
  userForToken(token: string | undefined): string | undefined {
    return this.tokenOwner(token)?.user;
  }

  /** The token's user and stored record, looked up again in the file on a miss. */
  private tokenOwner(token: string | undefined): { user: string; stored: StoredToken; index: number } | undefined {
    if (!token) return undefined;
    this.refresh();
    const hex = sha256(token);
    // Not in what was read: the token may be newer than that, so look again in the file itself.
    let found = this.findToken(hex);
    if (!found) {
      this.refresh(true);
      found = this.findToken(hex);
    }
    return found && !this.state.users[found.user]?.disabled ? found : undefined;
  }

  private findToken(hex: string): { user: string; stored: StoredToken; index: number } | undefined {
    const hash = Buffer.from(hex, "hex");
    for (const [user, { tokens }] of Object.entries(this.state.users)) {
      const index = tokens.findIndex((t) => timingSafeEqual(Buffer.from(t.sha256, "hex"), hash));
      if (index >= 0) return { user, stored: tokens[index]!, index };
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
    return this.tagged(user, tag) !== undefined;
  }

  /** The user's token a session's tag names: none when revoked, or when the user is disabled. */
  private tagged(user: string, tag: string): { stored: StoredToken; index: number } | undefined {
    this.refresh();
    const record = this.userRecord(user);
    if (!record || record.disabled) return undefined;
    const index = record.tokens.findIndex((t) => sha256(`session:${t.sha256}`).slice(0, 24) === tag);
    return index >= 0 ? { stored: record.tokens[index]!, index } : undefined;
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

  /**
   * Who a token in a request belongs to, with what it may do — and notes its use: kept in memory,
   * written to the file at most once a minute per token (never a write per request).
   *
   * @example
   * accounts.useToken(token) // → { user: "alice", id: "3f2a…", name: "laptop", role: "read", created: "…" }
   */
  useToken(token: string | undefined): (TokenInfo & { user: string }) | undefined {
    const found = this.tokenOwner(token);
    if (!found) return undefined;
    return { user: found.user, ...this.noteUse(found.user, found.stored, found.index) };
  }

  /**
   * The token a session cookie's tag names (as {@link useToken}, its use noted), or nothing when
   * it was revoked or its user disabled.
   */
  sessionToken(user: string, tag: string): TokenInfo | undefined {
    const found = this.tagged(user, tag);
    return found && this.noteUse(user, found.stored, found.index);
  }

  /** Notes a token's use now; writes it when the file's is a minute old or more. */
  private noteUse(user: string, stored: StoredToken, index: number): TokenInfo {
    const now = Date.now();
    this.used.set(stored.sha256, now);
    const written = this.usedWritten.get(stored.sha256) ?? (stored.lastUsed ? Date.parse(stored.lastUsed) : 0);
    if (now - written >= LAST_USED_WRITE_MS) {
      this.usedWritten.set(stored.sha256, now);
      try {
        this.refresh(true);
        const fresh = this.state.users[user]?.tokens.find((t) => t.sha256 === stored.sha256);
        if (fresh) {
          fresh.lastUsed = new Date(now).toISOString();
          this.save();
        }
      } catch (err) {
        // Only a date is lost: the request goes on.
        console.error(`Space host: could not note a token's last use: ${(err as Error).message}`);
      }
    }
    return tokenInfo(stored, index, now);
  }

  /**
   * The user's tokens, oldest first, as they may see them (never the hash).
   *
   * @example
   * accounts.tokens("alice") // → [{ id: "3f2a…", name: "token 1", role: "write", created: "…", lastUsed: "…" }]
   */
  tokens(user: string): TokenInfo[] {
    this.refresh();
    return (this.userRecord(user)?.tokens ?? []).map((t, i) => tokenInfo(t, i, this.used.get(t.sha256)));
  }

  /**
   * Revokes one of the user's tokens by its id: it stops working at once, for git, the API and
   * every session made with it.
   *
   * @returns whether the user had it.
   * @example
   * accounts.revokeToken("alice", "3f2a9c0b1d4e") // → true
   */
  revokeToken(user: string, id: string): boolean {
    this.refresh(true);
    const tokens = this.userRecord(user)?.tokens ?? [];
    const index = indexOfId(tokens, id);
    if (index < 0) return false;
    const [gone] = tokens.splice(index, 1);
    this.used.delete(gone!.sha256);
    this.usedWritten.delete(gone!.sha256);
    this.save();
    return true;
  }

  /**
   * Every user, by name, with what the admin page shows.
   *
   * @example
   * accounts.users() // → [{ name: "alice", admin: true, disabled: false, spaces: 2, tokens: 1 }]
   */
  users(): UserInfo[] {
    this.refresh();
    const spaces = Object.values(this.state.spaces);
    return Object.entries(this.state.users)
      .map(([name, u]) => ({
        name,
        admin: Boolean(u.admin),
        disabled: Boolean(u.disabled),
        spaces: spaces.filter((s) => s.owner === name).length,
        tokens: u.tokens.length,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Whether `user` is an admin whose account works. */
  isAdmin(user: string | undefined): boolean {
    if (user === undefined) return false;
    this.refresh();
    const record = this.userRecord(user);
    return Boolean(record?.admin && !record.disabled);
  }

  /**
   * Sets a user's `admin` or `disabled` flag. A disabled user's tokens and sessions stop working
   * at once; enabled again, they work again (revoked ones stay revoked).
   *
   * @throws {Error} when there is no such user.
   * @example
   * accounts.setFlag("bob", "disabled", true);
   */
  setFlag(user: string, flag: "admin" | "disabled", on: boolean): void {
    this.refresh(true);
    const record = this.userRecord(user);
    if (!record) throw new Error(`No user ${user}.`);
    if (on) record[flag] = true;
    else delete record[flag];
    this.save();
  }

  /**
   * The user or Space owner whose name is `name` ignoring case (app subdomains fold case, so two
   * such names would share them), if any.
   *
   * @example
   * accounts.nameTaken("ALICE") // → "alice"
   */
  nameTaken(name: string): string | undefined {
    this.refresh(true);
    const folded = name.toLowerCase();
    const names = [...Object.keys(this.state.users), ...Object.values(this.state.spaces).map((s) => s.owner)];
    return names.find((n) => n.toLowerCase() === folded);
  }

  /**
   * A new invitation: its code (shown once; stored as a hash), good once, for 7 days.
   *
   * @example
   * const code = accounts.createInvite({ admin: true }); // → "Qm9i…", for /join/<code>
   */
  createInvite({ admin = false, validForMs = INVITE_DAYS * 86_400_000 }: { admin?: boolean; validForMs?: number } = {}): string {
    this.refresh(true);
    const code = randomBytes(18).toString("base64url");
    const now = Date.now();
    this.state.invites ??= {};
    const invites = this.state.invites;
    // Expired ones go as new ones are made: the file does not grow with them.
    for (const [hash, invite] of Object.entries(invites)) if (Date.parse(invite.expires) <= now) delete invites[hash];
    invites[sha256(code)] = {
      created: new Date(now).toISOString(),
      expires: new Date(now + validForMs).toISOString(),
      ...(admin ? { admin: true as const } : {}),
    };
    this.save();
    return code;
  }

  /**
   * The invitation a code names if it is still good (unused, unexpired).
   *
   * @example
   * accounts.invite(code) // → { admin: false, expires: "2025-…" } or undefined
   */
  invite(code: string): { admin: boolean; expires: string } | undefined {
    this.refresh(true);
    const hash = sha256(code);
    const invite = this.state.invites && Object.hasOwn(this.state.invites, hash) ? this.state.invites[hash]! : undefined;
    if (!invite || Date.parse(invite.expires) <= Date.now()) return undefined;
    return { admin: Boolean(invite.admin), expires: invite.expires };
  }

  /**
   * Spends an invitation on a new account named `user` (an admin if the invitation says so) and
   * returns its first write token, "first token" (shown once).
   *
   * @throws {Error} when the code is no longer good, the name is invalid, or any user or Space
   *   owner already has it, in any case.
   * @example
   * const token = accounts.join(code, "carol");
   */
  join(code: string, user: string): string {
    if (!this.invite(code)) throw new Error("This invite link was already used, has expired, or never existed: ask for a new one.");
    if (!isValidName(user))
      throw new Error(
        `${JSON.stringify(user)} can't be a user name: use letters, digits, "-", "_" and "." (not first or last, no ".."), at most 96 characters.`,
      );
    const taken = this.nameTaken(user);
    if (taken)
      throw new Error(
        `The name ${JSON.stringify(user)} is taken${taken === user ? "" : ` (by ${taken}: names differing only in case would share app addresses)`}.`,
      );
    const { admin } = this.invite(code)!;
    delete this.state.invites![sha256(code)];
    const token = this.addToken(user, "first token", "write", admin);
    this.save(); // the invite is spent and the account made in one write
    return token;
  }

  /**
   * Whether the user's token with this id still works: not revoked, the account not disabled.
   *
   * @example
   * accounts.tokenLive("alice", "3f2a9c0b1d4e") // → true until it is revoked or alice is disabled
   */
  tokenLive(user: string, id: string): boolean {
    this.refresh();
    const record = this.userRecord(user);
    return Boolean(record && !record.disabled && indexOfId(record.tokens, id) >= 0);
  }
}

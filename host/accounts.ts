/**
 * Users, their write tokens, and Spaces with their variables and secrets, kept in one JSON file
 * under SPACES_DATA (written atomically). A token is shown once, when made, and stored only as
 * its SHA-256.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseSpaceId, isValidName } from "./names.ts";

/** A Space's settings. */
export interface SpaceRecord {
  owner: string;
  name: string;
  private: boolean;
  variables: Record<string, string>;
  secrets: Record<string, string>;
  created: string;
}

interface State {
  users: Record<string, { tokens: { sha256: string; created: string }[] }>;
  spaces: Record<string, SpaceRecord>;
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
  private state: State;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, "accounts.json");
    this.state = existsSync(this.file) ? JSON.parse(readFileSync(this.file, "utf8")) : { users: {}, spaces: {} };
  }

  /** Re-reads the file: the CLI writes it from another process. */
  reload(): void {
    if (existsSync(this.file)) this.state = JSON.parse(readFileSync(this.file, "utf8"));
  }

  private save(): void {
    const partial = `${this.file}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(this.state, null, 2), { mode: 0o600 }); // secrets live here
    renameSync(partial, this.file);
  }

  /** Creates the user if needed and returns a new write token (the only time it is shown). */
  createToken(user: string): string {
    if (!isValidName(user)) throw new Error(`Invalid user name ${JSON.stringify(user)}: use letters, digits, "-", "_" and ".".`);
    const token = `hf_${randomBytes(24).toString("base64url")}`; // @gradio/client types tokens as hf_…
    (this.state.users[user] ??= { tokens: [] }).tokens.push({ sha256: sha256(token), created: new Date().toISOString() });
    this.save();
    return token;
  }

  /** The user a token belongs to, if any (compared in constant time). */
  userForToken(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const hash = Buffer.from(sha256(token), "hex");
    for (const [user, { tokens }] of Object.entries(this.state.users)) {
      if (tokens.some((t) => timingSafeEqual(Buffer.from(t.sha256, "hex"), hash))) return user;
    }
    return undefined;
  }

  space(owner: string, name: string): SpaceRecord | undefined {
    return this.state.spaces[`${owner}/${name}`];
  }

  createSpace(owner: string, name: string, { private: isPrivate = false } = {}): SpaceRecord {
    parseSpaceId(owner, name);
    if (!this.state.users[owner]) throw new Error(`No user ${owner}: create one first (npm run host -- token ${owner}).`);
    const id = `${owner}/${name}`;
    if (this.state.spaces[id]) throw new Error(`The Space ${id} already exists.`);
    const record: SpaceRecord = { owner, name, private: isPrivate, variables: {}, secrets: {}, created: new Date().toISOString() };
    this.state.spaces[id] = record;
    this.save();
    return record;
  }

  /** Sets a variable (shown) or a secret (never shown back) of a Space. */
  setEnv(owner: string, name: string, kind: "variables" | "secrets", key: string, value: string): void {
    const space = this.space(owner, name);
    if (!space) throw new Error(`No Space ${owner}/${name}.`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`Invalid ${kind === "secrets" ? "secret" : "variable"} name ${JSON.stringify(key)}: use letters, digits and "_".`);
    space[kind][key] = value;
    this.save();
  }
}

import { createHash } from "node:crypto";

/**
 * Names of users and Spaces, checked before they touch the disk: letters, digits, `-`, `_`
 * and `.` (not first), at most 96 characters — as on Hugging Face — so `..`, slashes,
 * backslashes and odd characters can never form a path.
 *
 * A Space's app subdomain follows HF's rule: the id in lower case, every run of characters a DNS
 * label can't hold turned into one "-"; when that is longer than a label may be (63) or already
 * taken by another Space, it is cut and ends in a short hash of the id. `Accounts` gives each
 * Space one when it is made and keeps it for its life.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$/;

/** Whether `name` is a valid user or Space name. */
export function isValidName(name: string): boolean {
  return NAME.test(name) && !name.includes("..") && !name.endsWith(".git") && !name.endsWith(".");
}

/**
 * Checks `owner/name` and returns its parts.
 *
 * @throws {Error} naming what is wrong.
 * @example
 * parseSpaceId("alice/fashion") // → { owner: "alice", name: "fashion" }
 */
export function parseSpaceId(owner: string, name: string): { owner: string; name: string } {
  for (const [what, value] of [
    ["owner", owner],
    ["Space name", name],
  ] as const) {
    if (!isValidName(value)) {
      throw new Error(
        `Invalid ${what} ${JSON.stringify(value)}: use letters, digits, "-", "_" and "." (not first, no ".."), at most 96 characters.`,
      );
    }
  }
  return { owner, name };
}

const LABEL = 63;
const plainLabel = (owner: string, name: string) =>
  `${owner}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

/**
 * A Space's subdomain by HF's rule, before collisions are looked at.
 *
 * @example
 * subdomainOf("Alice", "my_demo.v2") // → "alice-my-demo-v2"
 */
export function subdomainOf(owner: string, name: string): string {
  const plain = plainLabel(owner, name);
  return plain.length <= LABEL ? plain : subdomainWithHash(owner, name);
}

/**
 * The subdomain a Space gets when its plain one is too long or taken: cut, with 8 hex digits of
 * the id's hash, still a valid DNS label.
 *
 * @example
 * subdomainWithHash("alice", "demo") // → "alice-demo-1f0e…" (8 hex digits)
 */
export function subdomainWithHash(owner: string, name: string): string {
  const hash = createHash("sha256").update(`${owner}/${name}`).digest("hex").slice(0, 8);
  const plain = plainLabel(owner, name);
  return `${plain.slice(0, LABEL - 9).replace(/-+$/, "")}-${hash}`;
}

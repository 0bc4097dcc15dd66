/**
 * Names of users and Spaces, checked before they touch the disk: letters, digits, `-`, `_`
 * and `.` (not first), at most 96 characters — as on Hugging Face — so `..`, slashes,
 * backslashes and odd characters can never form a path.
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

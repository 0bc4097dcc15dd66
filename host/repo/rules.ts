/**
 * The rules a Space's repository keeps, written once for every way in: which ref update is a
 * push to main (the hooks, the deploy call), what main must hold (the pre-receive hook for
 * pushes, the commit plumbing for API commits), what an LFS pointer file is (the tree and
 * resolve endpoints, the build's export), which paths a commit may name, and where a committed
 * symbolic link may point (the pre-receive hook, the build's export).
 */
import { posix } from "node:path";
import { parseCard } from "../build/card.ts";
import { HostError } from "../errors.ts";

/**
 * The new head of main among git's "<old> <new> <ref>" update lines (a hook's stdin), or
 * undefined when main was not updated or was deleted.
 *
 * @example
 * mainUpdate(`${old} ${sha} refs/heads/main\n`) // → sha
 */
export function mainUpdate(updates: string): string | undefined {
  return updates
    .split("\n")
    .map((line) => line.trim().split(" "))
    .find(([, rev, ref]) => ref === "refs/heads/main" && /^[0-9a-f]{40,64}$/.test(rev ?? "") && !/^0+$/.test(rev!))?.[1];
}

/**
 * Why a push's ref updates (a hook's "<old> <new> <ref>" lines) are refused, or undefined when
 * they only move main. Only main is built and served, so any other branch, any tag or other ref
 * would be kept forever for nothing; deleting main would leave the Space with nothing to serve.
 *
 * @example
 * refusedRefs(`${old} ${sha} refs/heads/junk\n`)
 * // → "only main is deployed here: push to main (refs/heads/junk is refused; no branches, tags or other refs are kept)."
 */
export function refusedRefs(updates: string): string | undefined {
  for (const line of updates.split("\n")) {
    const [, rev = "", ref] = line.trim().split(" ");
    if (ref === undefined) continue;
    if (ref !== "refs/heads/main")
      return `only main is deployed here: push to main (${ref.slice(0, 200)} is refused; no branches, tags or other refs are kept).`;
    if (/^0+$/.test(rev)) return "main cannot be deleted: it is what the Space serves (delete the Space instead).";
  }
  return undefined;
}

/** What a Space needs at the top of main: README.md holds the card, package.json the start script. */
const SPACE_FILES = ["README.md", "package.json"];
/** What a static Space (`sdk: static`) needs instead: no start script, a page. */
const STATIC_FILES = ["README.md", "index.html"];

/**
 * Why a tree for main is not a Space, or undefined when it is. `readme` is its README.md, whose
 * card says whether it is a static Space (`sdk: static`: served as files, so index.html, not
 * package.json).
 *
 * @example
 * notASpace((path) => path === "README.md")
 * // → "a Space needs package.json at the top of main (README.md holds the card, package.json the start script)."
 * notASpace((path) => path === "README.md", "---\nsdk: static\n---\n")
 * // → "a static Space (sdk: static) needs index.html at the top of main (README.md holds the card, index.html is its page)."
 */
export function notASpace(has: (path: string) => boolean, readme?: string): string | undefined {
  const files = readme !== undefined && parseCard(readme).sdk === "static" ? STATIC_FILES : SPACE_FILES;
  const missing = files.filter((path) => !has(path));
  if (!missing.length) return undefined;
  return files === STATIC_FILES
    ? `a static Space (sdk: static) needs ${missing.join(" and ")} at the top of main (README.md holds the card, index.html is its page).`
    : `a Space needs ${missing.join(" and ")} at the top of main (README.md holds the card, package.json the start script).`;
}

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/;

/**
 * The pointer file git-lfs commits in place of a file's content.
 *
 * @example
 * lfsPointer(oid, 1024) // → "version https://git-lfs.github.com/spec/v1\noid sha256:<oid>\nsize 1024\n"
 */
export const lfsPointer = (oid: string, size: number) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;

/**
 * The LFS object a blob points to, if it is a pointer file (one is always under 200 bytes).
 *
 * @example
 * parsePointer(Buffer.from(lfsPointer(oid, 1024))) // → { oid, size: 1024 }
 */
export function parsePointer(blob: Buffer): { oid: string; size: number } | undefined {
  if (blob.length > 200) return undefined;
  const match = blob.toString("utf8").match(POINTER);
  return match ? { oid: match[1]!, size: Number(match[2]) } : undefined;
}

/**
 * Refuses a path that is not a plain relative path inside the repository: empty, absolute,
 * with `.` or `..` segments, empty segments, backslashes, control characters, or inside `.git`.
 *
 * @throws {HostError} 400 naming the path and what is wrong with it.
 * @example
 * checkRepoPath("examples/bag.png") // fine
 * checkRepoPath("../x")              // throws 400
 */
export function checkRepoPath(path: unknown): asserts path is string {
  const shown = JSON.stringify(String(path)).slice(0, 120);
  const refuse = (why: string) => {
    throw new HostError(400, `Invalid path ${shown}: ${why}.`);
  };
  if (typeof path !== "string" || path === "") return refuse("a path is a non-empty string");
  if (path.length > 1000) refuse("longer than 1000 characters");
  if (path.startsWith("/")) refuse("paths are relative to the repository's root, not absolute");
  if (path.includes("\\")) refuse('use "/" between folders, not backslashes');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) refuse("control characters are not allowed");
  const segments = path.split("/");
  if (segments.some((s) => s === "")) refuse('empty folder names ("//" or a trailing "/") are not allowed');
  if (segments.some((s) => s === "." || s === "..")) refuse('"." and ".." would leave the repository');
  if (segments.some((s) => s.toLowerCase() === ".git")) refuse("nothing may be written inside .git");
}

/**
 * Why a symbolic link committed at `path`, pointing to `target`, would lead out of the
 * repository, or undefined when it stays inside. The host and `npm ci` read a Space's files
 * (its card, `.npmrc`, the lockfile), so a link such as `.npmrc → /srv/spaces/accounts.json`
 * would make them read, and print, another tenant's data. This is the rule on the link's own
 * text; a chain of links that stays inside by this rule and still leads out is caught where
 * the revision is exported (`build/export.ts`), on the real files.
 *
 * @example
 * linkOutside("model.onnx", "/etc/shadow")  // → "model.onnx is a symbolic link to /etc/shadow, …"
 * linkOutside("docs/a.md", "../README.md")  // → undefined
 */
export function linkOutside(path: string, target: string): string | undefined {
  const shown = JSON.stringify(target.slice(0, 200));
  const why = `links must stay inside the Space's repository (replace it with the file itself)`;
  if (target.startsWith("/")) return `${path} is a symbolic link to the absolute path ${shown}: ${why}.`;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  if (resolved === ".." || resolved.startsWith("../")) return `${path} is a symbolic link out of the repository (${shown}): ${why}.`;
  return undefined;
}

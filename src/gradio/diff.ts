/**
 * Gradio's streaming diff (gradio utils.diff): how `queue/data` sends a generator's later yields,
 * as edits the client applies to the value before (@gradio/client stream.ts apply_diff). A chat
 * reply growing token by token goes out as `["append", [1, "content"], " token"]`, not the whole
 * history each time.
 */

/** One edit: `replace`/`append` a value, `add` or `delete` a list item or an object key, at `path`. */
export type Edit = [action: "replace" | "append" | "add" | "delete", path: (number | string)[], value: unknown];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Python's `type(a) != type(b)` for JSON values: null, boolean, number, string, list, dict. */
const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "list" : typeof v);

/** Deep equality of JSON values (Python's `==` on what json.loads gives). */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (kind(a) !== kind(b) || typeof a !== "object" || a === null) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => equal(x, (b as unknown[])[i]));
  const o = b as Record<string, unknown>;
  const keys = Object.keys(a);
  return keys.length === Object.keys(o).length && keys.every((k) => k in o && equal((a as Record<string, unknown>)[k], o[k]));
}

/**
 * The edits that turn `old` into `next`, in Gradio's order (so the client's apply_diff gives `next`).
 *
 * @example
 * diff("Hel", "Hello") // → [["append", [], "lo"]]
 * diff([["a", 1]], [["a", 1], ["b", 2]]) // → [["add", [1], ["b", 2]]]
 */
export function diff(old: unknown, next: unknown, path: (number | string)[] = []): Edit[] {
  if (equal(old, next)) return [];
  if (kind(old) !== kind(next)) return [["replace", path, next]];
  if (typeof old === "string" && (next as string).startsWith(old)) return [["append", path, (next as string).slice(old.length)]];
  if (Array.isArray(old)) {
    const to = next as unknown[];
    const common = Math.min(old.length, to.length);
    const edits: Edit[] = [];
    for (let i = 0; i < common; i++) edits.push(...diff(old[i], to[i], [...path, i]));
    // From the end: the client splices each index in turn, so Gradio's front-first order would
    // skip every other item when a list shrinks by more than one.
    for (let i = old.length - 1; i >= common; i--) edits.push(["delete", [...path, i], null]);
    for (let i = common; i < to.length; i++) edits.push(["add", [...path, i], to[i]]);
    return edits;
  }
  if (isObject(old)) {
    const to = next as Record<string, unknown>;
    const edits: Edit[] = [];
    for (const key of Object.keys(old)) {
      if (key in to) edits.push(...diff(old[key], to[key], [...path, key]));
      else edits.push(["delete", [...path, key], null]);
    }
    for (const key of Object.keys(to)) if (!(key in old)) edits.push(["add", [...path, key], to[key]]);
    return edits;
  }
  return [["replace", path, next]];
}

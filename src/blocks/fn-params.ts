/**
 * An event function's parameter names, read from its source (Gradio reads Python's signature):
 * they are the endpoint's parameter names in /info, which keyword calls use.
 */

/** One parameter: its name (null when destructured) and whether it has a default. */
export interface FnParam {
  name: string | null;
  hasDefault: boolean;
}

/** The text between the parameter list's parentheses, or the bare parameter of `x => …`. */
function paramText(source: string): string | null {
  let s = source.trim().replace(/^async\s+/, "");
  const bare = /^([A-Za-z_$][\w$]*)\s*=>/.exec(s);
  if (bare) return bare[1]!;
  const open = s.indexOf("(");
  if (open < 0) return null;
  s = s.slice(open + 1);
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) return s.slice(0, i);
      depth--;
    }
  }
  return null;
}

/** Splits on the `sep` characters that are not inside brackets or strings. */
function splitTopLevel(text: string, sep = ","): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === sep && depth === 0 && text[i + 1] !== ">") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * The parameters of `fn` as written (rest parameters left out). Comments in the parameter list
 * are not expected: tsx and bundlers drop them, and so does `Function.prototype.toString` of
 * compiled code.
 *
 * @example
 * fnParams((name: string, count = 1) => name) // → [{ name: "name", hasDefault: false }, { name: "count", hasDefault: true }]
 * fnParams(function greet({ a }) {}) // → [{ name: null, hasDefault: false }]
 */
export function fnParams(fn: (...args: never[]) => unknown): FnParam[] {
  const text = paramText(Function.prototype.toString.call(fn));
  if (text === null) return [];
  return splitTopLevel(text)
    .filter((p) => p !== "" && !p.startsWith("..."))
    .map((p) => {
      const [target = "", ...value] = splitTopLevel(p, "=");
      return { name: /^[A-Za-z_$][\w$]*$/.test(target) ? target : null, hasDefault: value.length > 0 };
    });
}

/**
 * `node:path` for the framework's code in the browser bundle (`npm run build:static`): POSIX
 * paths under a working directory of "/", where the page's own files are. Only what
 * src/interface.ts and src/components/ call.
 */

const normalise = (path: string): string => {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
};

/**
 * @example
 * resolve("examples/bag.png") // → "/examples/bag.png"
 */
export function resolve(...paths: string[]): string {
  let path = "";
  for (const p of paths) path = p.startsWith("/") ? p : `${path}/${p}`;
  return normalise(path);
}

/**
 * @example
 * join("/a", "b/c.png") // → "/a/b/c.png"
 */
export const join = (...paths: string[]): string => normalise(paths.join("/"));

/**
 * @example
 * dirname("/examples/bag.png") // → "/examples"
 */
export const dirname = (path: string): string => normalise(path).replace(/\/[^/]*$/, "") || "/";

/**
 * @example
 * basename("/examples/bag.png") // → "bag.png"
 */
export const basename = (path: string): string => path.replace(/\/+$/, "").split("/").pop() ?? "";

export default { resolve, join, dirname, basename };

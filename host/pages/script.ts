/**
 * The Space page's script: `client/space.ts` bundled with esbuild into `dist/space.js`, which is
 * committed (`npm run build:ui` rebuilds it) so the host never runs esbuild to serve a page.
 * Served at {@link SPACE_SCRIPT_PATH} with an ETag.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where the page loads its script from. */
export const SPACE_SCRIPT_PATH = "/_host/space.js";
/** The committed bundle. */
export const SPACE_SCRIPT_DIST = fileURLToPath(new URL("./dist/space.js", import.meta.url));
const ENTRY = fileURLToPath(new URL("./client/space.ts", import.meta.url));

/**
 * Bundles `client/space.ts` (minified, ES2022) as `dist/space.js` should hold it.
 *
 * @example
 * writeFileSync(SPACE_SCRIPT_DIST, await bundleSpaceScript());
 */
export async function bundleSpaceScript(): Promise<Uint8Array> {
  // Imported here so the host, which serves the committed bundle, never loads esbuild.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.contents;
}

let loaded: { body: Uint8Array; etag: string } | undefined;

/**
 * The committed bundle and its ETag, read once.
 *
 * @example
 * const { body, etag } = spaceScript();
 */
export function spaceScript(): { body: Uint8Array; etag: string } {
  if (!loaded) {
    const body = new Uint8Array(readFileSync(SPACE_SCRIPT_DIST));
    loaded = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` };
  }
  return loaded;
}

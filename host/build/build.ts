/**
 * Turning a pushed revision into a folder that `npm start` can run: export the tree (LFS
 * pointers replaced by their objects), read the Space card, install dependencies in the Space's
 * sandbox once per owner and package-lock.json, bundle a `tsx app.ts` start with esbuild there
 * (`export.ts`, `card.ts`, `install.ts`, `bundle.ts`) — except
 * for a static Space (`sdk: static`), whose folder is served as it is. `gc.ts` removes what no
 * Space uses any more.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readCard, type SpaceCard } from "./card.ts";
import type { BuildContext } from "./context.ts";
import { exportRevision } from "./export.ts";
import { bundle } from "./bundle.ts";
import { install } from "./install.ts";

export type { BuildContext } from "./context.ts";

/**
 * Exports and installs revision `sha` into `builds/<sha>` (a static Space's is exported only).
 *
 * @returns the folder and the Space card from its README.md.
 * @throws {Error} saying what went wrong, for the build log.
 * @example
 * const { dir, card } = await buildRevision(ctx, sha, (line) => rt.buildLog.push(line));
 */
export async function buildRevision(ctx: BuildContext, sha: string, log: (s: string) => void): Promise<{ dir: string; card: SpaceCard }> {
  const dir = join(ctx.builds, sha);
  await exportRevision(ctx, sha, dir);
  const { card, warning } = readCard(await readFile(join(dir, "README.md"), "utf8").catch(() => ""));
  if (warning) log(`Warning: ${warning}\n`);
  log(`Space card: ${card.title ?? "(no title)"} ${card.emoji ?? ""} sdk=${card.sdk ?? "?"} app_port=${card.app_port}\n`);
  // A static Space is served as files: nothing to install, nothing to start.
  if (card.sdk === "static") log("Static Space: served as files, no install.\n");
  else {
    await install(ctx, dir, log);
    await bundle(ctx, dir, log);
  }
  return { dir, card };
}

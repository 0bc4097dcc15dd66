/**
 * What survives a host restart, per Space (`state/<owner>/<name>.json`): the revisions it serves,
 * keeps and builds, whether it sleeps or is paused, and a rollout under way. The lifecycle writes
 * it before a build and after a swap, and reads it back in `restore`; the clean-up reads it to
 * know which builds are still wanted, so it can run from another process (`npm run spaces -- gc`)
 * without a lifecycle of its own.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Accounts } from "../accounts/accounts.ts";
import { collectGarbage, type Freed } from "../build/gc.ts";
import type { SpaceCard } from "../build/card.ts";
import { spacePaths } from "../paths.ts";
import type { SavedRollout } from "../rollout/rollout.ts";
import type { SpaceRuntime } from "./runtime.ts";

/** What survives a host restart, per Space. */
export interface SavedState {
  sha?: string;
  previous?: string;
  building?: string;
  sleeping?: boolean;
  /** Paused by its owner: stays stopped, across host restarts too, until restarted. */
  paused?: boolean;
  card?: SpaceCard;
  /** A revision being rolled out next to `sha` (its card), and the rollout, active or the last one. */
  candidate?: string;
  candidateCard?: SpaceCard;
  rollout?: SavedRollout;
}

/**
 * Writes a Space's runtime to its state file, whole or not at all (written aside, then renamed).
 *
 * @example
 * saveState(spacePaths(dataDir, "alice", "demo").state, rt);
 */
export function saveState(file: string, rt: SpaceRuntime): void {
  const state: SavedState = {
    sha: rt.sha,
    previous: rt.previousSha,
    building: rt.buildingSha,
    sleeping: rt.stage === "SLEEPING",
    paused: rt.stage === "PAUSED",
    card: rt.card,
    candidate: rt.candidate?.sha,
    candidateCard: rt.candidate?.card,
    rollout: rt.rollout?.save(),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.partial`, JSON.stringify(state));
  renameSync(`${file}.partial`, file);
}

/**
 * A Space's saved state; empty when it has none (it never deployed) or it cannot be read.
 *
 * @example
 * const { sha, sleeping } = loadState(spacePaths(dataDir, "alice", "demo").state);
 */
export function loadState(file: string): SavedState {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SavedState;
  } catch {
    return {};
  }
}

/**
 * Removes builds no Space uses (keeping, per Space, the revision serving, the previous one, one
 * being built and one being rolled out) and the installed dependencies only they used. What to
 * keep comes from each Space's saved state, and from `runtimes` when the host itself runs it;
 * `npm run spaces -- gc` runs it from another process with the saved state alone.
 *
 * @example
 * const { removed, bytes } = await gcFromState(new Accounts(".spaces"), ".spaces");
 */
export function gcFromState(accounts: Accounts, dataDir: string, runtimes?: ReadonlyMap<string, SpaceRuntime>): Promise<Freed> {
  const keep = new Map<string, Set<string>>();
  for (const space of accounts.spaces()) {
    const id = `${space.owner}/${space.name}`;
    const rt = runtimes?.get(id);
    const saved = loadState(spacePaths(dataDir, space.owner, space.name).state);
    const shas = [
      rt?.sha,
      rt?.previousSha,
      rt?.buildingSha,
      rt?.candidate?.sha,
      saved.sha,
      saved.previous,
      saved.building,
      saved.candidate,
    ].filter((s): s is string => Boolean(s));
    keep.set(id, new Set(shas));
  }
  return collectGarbage(dataDir, keep);
}

/**
 * The changes a Space's owner makes to its settings, shared by the Hub API (`settings.ts`,
 * `repos.ts`) and the Space's settings page (`space-settings.ts`), so both check the same way and
 * restart the app the same way: variables, secrets and resource limits (the app restarts with
 * them), visibility, sleep time, and rename. Each throws a {@link HostError} with a 4xx status
 * and a message for bad input; the caller has already checked that the caller owns the Space.
 */
import type { SpaceRecord } from "../accounts/accounts.ts";
import { canWrite, checkNames } from "../accounts/auth.ts";
import { HostError } from "../errors.ts";
import type { HostDeps } from "./deps.ts";
import { askedLimits, changesLimits } from "./hardware.ts";

/** The longest sleep time an owner may pick (7 days); -1 is never. A timer can't wait past 24.8 days anyway. */
export const MAX_SLEEP_SECONDS = 7 * 86_400;

/**
 * Starts the app again with its Space's current settings; a Space that never ran or is paused
 * stays as it is.
 *
 * @throws {HostError} 500 "Saved, but the app did not restart: …".
 * @example
 * await restartWithSettings(deps, "alice", "demo");
 */
export async function restartWithSettings({ accounts, spaces }: HostDeps, owner: string, name: string): Promise<void> {
  const rt = spaces.runtime(`${owner}/${name}`);
  if (!rt.sha || rt.stage === "PAUSED") return;
  await spaces.restart(accounts.space(owner, name)!).catch((err: unknown) => {
    throw err instanceof HostError ? new HostError(500, `Saved, but the app did not restart: ${err.message}`) : err;
  });
}

/**
 * Sets a variable or secret and restarts the app with it.
 *
 * @throws {HostError} 422 for an invalid name.
 * @example
 * await setEnv(deps, space, "secrets", "API_KEY", "…");
 */
export async function setEnv(
  deps: HostDeps,
  { owner, name }: SpaceRecord,
  kind: "variables" | "secrets",
  key: string,
  value: string,
  description?: string,
): Promise<void> {
  try {
    deps.accounts.setEnv(owner, name, kind, key, value, description);
  } catch (err) {
    throw new HostError(422, (err as Error).message);
  }
  await restartWithSettings(deps, owner, name);
}

/**
 * Removes a variable or secret, restarting the app if it was set (deleting what is not there
 * changes nothing, as on the Hub).
 *
 * @example
 * await deleteEnv(deps, space, "variables", "GREETING") // → true
 */
export async function deleteEnv(
  deps: HostDeps,
  { owner, name }: SpaceRecord,
  kind: "variables" | "secrets",
  key: string,
): Promise<boolean> {
  const removed = deps.accounts.deleteEnv(owner, name, kind, key);
  if (removed) await restartWithSettings(deps, owner, name);
  return removed;
}

/**
 * A hardware request (`hardware.ts`: a flavor or `{limits}`, and HF's `sleepTimeSeconds`) saved,
 * and the app restarted if what it runs with changed.
 *
 * @throws {HostError} 400 for an unknown flavor or a limit out of the host's bounds (nothing is saved).
 * @example
 * await setLimits(deps, space, { limits: { memoryMb: 1024 } });
 */
export async function setLimits(deps: HostDeps, space: SpaceRecord, body: Record<string, unknown>): Promise<void> {
  const host = deps.spaces.sandboxing.limits;
  const before = space.limits; // the record itself changes below
  const limits = askedLimits(body, before, host);
  // HF's request_space_hardware may carry the sleep time too.
  if (body.sleepTimeSeconds !== undefined && body.sleepTimeSeconds !== null) setSleepTime(deps, space, body.sleepTimeSeconds);
  deps.accounts.setLimits(space.owner, space.name, limits);
  if (changesLimits(before, limits, host)) await restartWithSettings(deps, space.owner, space.name);
}

/**
 * Sets how long the Space idles before it sleeps (HF's `sleepTime`): whole seconds up to
 * {@link MAX_SLEEP_SECONDS}, -1 for never, null for the host's default. A running app's timer
 * starts again with it.
 *
 * @throws {HostError} 400 for anything else.
 * @example
 * setSleepTime(deps, space, 3600);
 */
export function setSleepTime(deps: HostDeps, space: SpaceRecord, seconds: unknown): void {
  if (
    seconds !== null &&
    seconds !== -1 &&
    !(Number.isInteger(seconds) && (seconds as number) > 0 && (seconds as number) <= MAX_SLEEP_SECONDS)
  )
    throw new HostError(400, `Sleep time: a whole number of seconds from 1 to ${MAX_SLEEP_SECONDS}, or -1 for never.`);
  deps.accounts.setSleepTime(space.owner, space.name, seconds === null ? undefined : (seconds as number));
  const rt = deps.spaces.runtimes.get(`${space.owner}/${space.name}`);
  if (rt?.child) deps.spaces.touch(space, rt);
}

/**
 * Makes the Space private or public.
 *
 * @throws {HostError} 400 when `isPrivate` is not a boolean.
 */
export function setVisibility(deps: HostDeps, space: SpaceRecord, isPrivate: unknown): void {
  if (typeof isPrivate !== "boolean") throw new HostError(400, 'private: expected true or false, e.g. {"private": true}.');
  deps.accounts.setPrivate(space.owner, space.name, isPrivate);
}

/**
 * Renames a Space (`Lifecycle.rename`): the new name checked (`names.ts`), the caller allowed to
 * write there, and not taken.
 *
 * @throws {HostError} 400 for an invalid or unchanged name, 403 for another's namespace, 409 for a taken name.
 * @example
 * const moved = await renameSpace(deps, space, "alice", "demo2", "alice");
 */
export async function renameSpace(
  deps: HostDeps,
  space: SpaceRecord,
  toOwner: string,
  toName: string,
  user: string | undefined,
): Promise<SpaceRecord> {
  checkNames(toOwner, toName);
  if (!canWrite(user, toOwner)) throw new HostError(403, `You cannot move a Space into ${toOwner}'s namespace: you are ${user}.`);
  if (toOwner === space.owner && toName === space.name) throw new HostError(400, `The Space is already called ${toOwner}/${toName}.`);
  if (deps.accounts.space(toOwner, toName)) throw new HostError(409, `The Space ${toOwner}/${toName} already exists: pick another name.`);
  return deps.spaces.rename(space, toOwner, toName);
}

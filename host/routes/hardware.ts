/**
 * A Space's hardware as the Hub shapes it, on this host. Hugging Face's CPU flavors are this
 * host's limits (`apps/limits.ts`): "cpu-basic" its defaults, "cpu-upgrade" its ceiling (on HF,
 * 2 vCPU 16 GB and 8 vCPU 32 GB); GPU flavors are not offered. `POST …/hardware` takes HF's
 * `{"flavor": …, "sleepTimeSeconds"?}` (huggingface_hub's `request_space_hardware`) or this
 * host's own `{"limits": {"memoryMb": …}}`; the runtime JSON shows the flavor as HF's
 * `hardware: {current, requested}`, with the `limits` that apply and the host's `limitsMax`.
 */
import type { SpaceRecord } from "../accounts/accounts.ts";
import { type HostLimits, LIMIT_NAMES, type Limits, limitProblem, limitsFor } from "../apps/limits.ts";
import { HostError } from "../errors.ts";
import type { Lifecycle } from "../spaces/lifecycle.ts";
import { idOf } from "./hub.ts";

/** HF's flavors this host offers, and the limits each stands for. */
const FLAVORS = {
  "cpu-basic": (host: HostLimits) => host.defaults,
  "cpu-upgrade": (host: HostLimits) => host.max,
} as const;
type Flavor = keyof typeof FLAVORS;

const keys = Object.keys(LIMIT_NAMES) as (keyof Limits)[];
const same = (a: Limits, b: Limits) => keys.every((key) => a[key] === b[key]);

/**
 * Limits in words, named as the CLI's flags are.
 *
 * @example
 * describeLimits({ memoryMb: 512, cpus: 1, pids: 64, diskMb: 100 }) // → "memory 512 MB, cpus 1 cores, pids 64 processes, disk 100 MB"
 */
export const describeLimits = (limits: Limits) =>
  keys.map((key) => `${LIMIT_NAMES[key].flag} ${limits[key]} ${LIMIT_NAMES[key].unit}`).join(", ");

/** The flavor a Space's own limits amount to: "custom" when they are neither the defaults nor the ceiling. */
function flavorOf(requested: Partial<Limits> | undefined, host: HostLimits): Flavor | "custom" {
  if (!requested || !Object.keys(requested).length) return "cpu-basic";
  const limits = limitsFor(requested, host);
  return same(limits, host.max) ? "cpu-upgrade" : same(limits, host.defaults) ? "cpu-basic" : "custom";
}

/**
 * GET /api/spaces/<id>/runtime's JSON (and the `runtime` of the Hub's Space info): the runtime,
 * with the Space's flavor (current and requested are the same: a change restarts the app before
 * it is answered), the limits it runs with and the most its owner may ask for.
 *
 * @example
 * runtimeJSON(spaces, space) // → { stage: "RUNNING", …, hardware: { current: "cpu-basic", requested: "cpu-basic" }, limits: {…}, limitsMax: {…} }
 */
export function runtimeJSON(spaces: Lifecycle, space: SpaceRecord) {
  const host = spaces.sandboxing.limits;
  const flavor = flavorOf(space.limits, host);
  const sleepMs = spaces.sleepAfterMs(space);
  return {
    ...spaces.runtime(idOf(space)).toJSON(),
    hardware: { current: flavor, requested: flavor },
    limits: limitsFor(space.limits, host),
    limitsMax: host.max,
    // HF's sleep time in seconds (huggingface_hub's SpaceRuntime.sleep_time); null: never sleeps.
    gcTimeout: sleepMs === undefined ? null : sleepMs / 1000,
  };
}

/**
 * The limits a Space asks for after a hardware request: a flavor replaces them all (cpu-basic:
 * none of its own, so it follows the host's defaults); `limits` changes those it names (`null`:
 * back to the default) and keeps the others.
 *
 * @throws {HostError} 400 for an unknown flavor (naming those offered) or a value out of bounds.
 * @example
 * askedLimits({ limits: { memoryMb: 512 } }, undefined, host) // → { memoryMb: 512 }
 * askedLimits({ flavor: "cpu-upgrade" }, { memoryMb: 512 }, host) // → host.max
 */
export function askedLimits(
  body: Record<string, unknown>,
  current: Partial<Limits> | undefined,
  host: HostLimits,
): Partial<Limits> | undefined {
  const { flavor, limits, sleepTimeSeconds } = body;
  // Checked here with the rest; saved by the caller (`changes.ts`: setSleepTime).
  if (sleepTimeSeconds !== undefined && sleepTimeSeconds !== null && !Number.isInteger(sleepTimeSeconds))
    throw new HostError(400, "sleepTimeSeconds: expected a whole number of seconds.");
  if ((flavor === undefined) === (limits === undefined))
    throw new HostError(
      400,
      'Send {"flavor": "cpu-basic" | "cpu-upgrade"} or {"limits": {"memoryMb": …, "cpus": …, "pids": …, "diskMb": …}}.',
    );
  if (flavor !== undefined) {
    if (typeof flavor !== "string" || !Object.hasOwn(FLAVORS, flavor)) {
      const offered = Object.entries(FLAVORS).map(([name, of]) => `${name} (${describeLimits(of(host))})`);
      throw new HostError(
        400,
        `This host has no ${String(JSON.stringify(flavor)).slice(0, 60)} hardware: it offers ${offered.join(" and ")}.`,
      );
    }
    return flavor === "cpu-basic" ? undefined : { ...FLAVORS[flavor as Flavor](host) };
  }
  if (limits === null || typeof limits !== "object" || Array.isArray(limits))
    throw new HostError(400, 'limits: expected an object, e.g. {"memoryMb": 4096}.');
  const entries = Object.entries(limits);
  const unknown = entries.find(([key]) => !Object.hasOwn(LIMIT_NAMES, key));
  if (unknown) throw new HostError(400, `Unknown limit ${JSON.stringify(unknown[0].slice(0, 40))}: use ${keys.join(", ")}.`);
  const asked = entries.filter(([, value]) => value !== null);
  const problem = limitProblem(Object.fromEntries(asked), host);
  if (problem) throw new HostError(400, `${problem}.`);
  // Only CPUs come in fractions (a CPU quota); memory and disk are whole MB, processes whole.
  const fraction = asked.find(([key, value]) => key !== "cpus" && !Number.isInteger(value));
  if (fraction) throw new HostError(400, `${LIMIT_NAMES[fraction[0] as keyof Limits].flag}: expected a whole number.`);
  const cleared = new Set(entries.filter(([, value]) => value === null).map(([key]) => key));
  const next = Object.fromEntries([...Object.entries(current ?? {}).filter(([key]) => !cleared.has(key)), ...asked]);
  return Object.keys(next).length ? (next as Partial<Limits>) : undefined;
}

/**
 * Whether a change of a Space's own limits changes what it runs with (then its app restarts).
 *
 * @example
 * changesLimits(undefined, { memoryMb: host.defaults.memoryMb }, host) // → false
 */
export const changesLimits = (before: Partial<Limits> | undefined, after: Partial<Limits> | undefined, host: HostLimits) =>
  !same(limitsFor(before, host), limitsFor(after, host));

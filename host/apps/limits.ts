/**
 * What one Space may use: memory, CPUs, processes and disk. The host has defaults
 * (`SPACE_MEMORY_MB`, `SPACE_CPUS`, `SPACE_PIDS`, `SPACE_DISK_MB`) and a ceiling
 * (`SPACE_MAX_MEMORY_MB`, … — by default the defaults themselves); an owner may ask for other
 * numbers within that ceiling, as a Hugging Face owner picks a hardware tier.
 */
import { availableParallelism } from "node:os";
import { envNumber } from "../config.ts";

/** A Space's resources. */
export interface Limits {
  /** Memory of all its processes together, /tmp included (MB). */
  memoryMb: number;
  /** CPU time, in cores (1.5 = one and a half cores' worth per period). */
  cpus: number;
  /** Processes and threads together. */
  pids: number;
  /** Its persistent data (`/data`) and uploads together (MB). */
  diskMb: number;
}

/** The names of {@link Limits}, as the CLI, the API and the environment spell them. */
export const LIMIT_NAMES = {
  memoryMb: { env: "MEMORY_MB", flag: "memory", unit: "MB" },
  cpus: { env: "CPUS", flag: "cpus", unit: "cores" },
  pids: { env: "PIDS", flag: "pids", unit: "processes" },
  diskMb: { env: "DISK_MB", flag: "disk", unit: "MB" },
} as const satisfies Record<keyof Limits, unknown>;

/** The host's defaults and ceiling. */
export interface HostLimits {
  defaults: Limits;
  max: Limits;
}

/**
 * The host's limits from its environment.
 *
 * @throws {Error} when one is not a positive number, naming the variable.
 * @example
 * hostLimits().defaults // → { memoryMb: 2048, cpus: 2, pids: 512, diskMb: 10240 }
 */
export function hostLimits(): HostLimits {
  const fallback: Limits = { memoryMb: 2048, cpus: availableParallelism(), pids: 512, diskMb: 10240 };
  const read = (prefix: string, base: Limits): Limits => {
    const out = { ...base };
    for (const key of Object.keys(LIMIT_NAMES) as (keyof Limits)[]) {
      const name = `${prefix}${LIMIT_NAMES[key].env}`;
      const value = envNumber(name, base[key]);
      if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${value}.`);
      out[key] = key === "cpus" ? value : Math.floor(value);
    }
    return out;
  };
  const defaults = read("SPACE_", fallback);
  const max = read("SPACE_MAX_", defaults);
  for (const key of Object.keys(max) as (keyof Limits)[]) max[key] = Math.max(max[key], defaults[key]);
  return { defaults, max };
}

/**
 * What a Space gets: the host's defaults, with what its owner asked for where that is within the ceiling.
 *
 * @example
 * limitsFor({ memoryMb: 512 }, hostLimits()) // → { memoryMb: 512, cpus: 2, pids: 512, diskMb: 10240 }
 */
export function limitsFor(requested: Partial<Limits> | undefined, host: HostLimits): Limits {
  const out = { ...host.defaults };
  for (const key of Object.keys(out) as (keyof Limits)[]) {
    const value = requested?.[key];
    if (typeof value === "number" && value > 0) out[key] = Math.min(value, host.max[key]);
  }
  return out;
}

/**
 * Why a request is not allowed, or undefined when it is.
 *
 * @example
 * limitProblem({ memoryMb: 1e6 }, hostLimits()) // → "memory: at most 2048 MB on this host"
 */
export function limitProblem(requested: Partial<Record<keyof Limits, unknown>>, host: HostLimits): string | undefined {
  for (const [key, value] of Object.entries(requested) as [keyof Limits, unknown][]) {
    const names = LIMIT_NAMES[key];
    if (!names) return `unknown limit ${JSON.stringify(key)}: use ${Object.keys(LIMIT_NAMES).join(", ")}`;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return `${names.flag}: expected a positive number`;
    if (value > host.max[key]) return `${names.flag}: at most ${host.max[key]} ${names.unit} on this host`;
  }
  return undefined;
}

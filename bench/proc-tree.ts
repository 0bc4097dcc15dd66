/**
 * What an app's processes use, read from /proc: the process and all its descendants, which is
 * the app whichever runtime started it (a sandbox's processes are in a session and a pid
 * namespace of their own, so neither its process group nor its pid alone names them), and each
 * one's CPU time and memory.
 */
import { readdirSync, readFileSync } from "node:fs";

/** /proc/<pid>/stat's fields after "(comm)", from field 3 (state) on; undefined when it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * `pid` and every process below it, with their command names.
 *
 * @example
 * processTree(rt.child!.pid!) // → [{ pid: 4120, comm: "bwrap" }, { pid: 4121, comm: "bwrap" }, { pid: 4125, comm: "socat" }, …]
 */
export function processTree(pid: number): { pid: number; comm: string }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const out: { pid: number; comm: string }[] = [];
  const visit = (p: number) => {
    let comm = "";
    try {
      comm = readFileSync(`/proc/${p}/comm`, "utf8").trim();
    } catch {
      return; // gone meanwhile
    }
    out.push({ pid: p, comm });
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return out;
}

/**
 * CPU time (user + system, ms) of `pids` so far, their exited children's included.
 *
 * @example
 * cpuMs(processTree(pid).map((p) => p.pid)) // → 5230
 */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

const kb = (file: string, field: string) => {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(file, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/**
 * Memory of `pids` in MB: resident (VmRSS, each process's shared libraries counted in full) and
 * proportional (Pss, shared pages divided among the processes that map them).
 *
 * @example
 * memoryMb([4120, 4121]) // → { rss: 7.9, pss: 2.1 }
 */
export function memoryMb(pids: number[]): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += kb(`/proc/${pid}/status`, "VmRSS");
    pss += kb(`/proc/${pid}/smaps_rollup`, "Pss");
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}

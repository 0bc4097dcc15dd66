/**
 * Control groups: the kernel's own accounting of a group of processes, whatever they do (fork,
 * setsid, daemonise). One per running app: its memory, CPU and process count are capped there,
 * the kernel's OOM killer acts inside it alone, and at stop every process still in it is
 * killed — a process that left the app's process group is still in its cgroup.
 *
 * Both hierarchies are supported: cgroup v2 (one tree, `/sys/fs/cgroup/cgroup.controllers`; the
 * host needs the controllers delegated to it, as systemd does with `Delegate=yes`) and v1 (a
 * tree per controller, as on this machine). Whatever controller cannot be written is named at
 * start, and the rest still works.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Limits } from "./limits.ts";

type Controller = "memory" | "pids" | "cpu";
const CONTROLLERS: Controller[] = ["memory", "pids", "cpu"];
const ROOT = "/sys/fs/cgroup";

/** One app's cgroup: the folders a process joins (one per v1 controller, one in v2). */
export interface Cgroup {
  /** The folders whose `cgroup.procs` a process is written to, to join. */
  readonly dirs: string[];
  /** How many times the kernel killed a process here for going over the memory limit. */
  oomKills(): number;
  /** The processes in it. */
  pids(): number[];
  /**
   * Its CPU weight against the other apps, as a nice value would give it (0 normal, 19 the
   * least), set by root whatever the app's uid: returns false where no cpu controller is here.
   */
  setNice(nice: number): boolean;
  /** Kills what is left in it and removes it. */
  remove(): Promise<void>;
}

const write = (file: string, value: string) => writeFileSync(file, value);
const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};
const field = (text: string, name: string) => Number(text.match(new RegExp(`^${name} (\\d+)$`, "m"))?.[1] ?? 0);

/** Removes an empty cgroup folder, waiting a little for the kernel to let its last processes go. */
async function removeDir(dir: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function killAll(pids: number[]): void {
  for (const pid of pids)
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone already */
    }
}

/**
 * The cgroups of one host (one SPACES_DATA): a parent folder of its own, so two hosts on a
 * machine (tests) never touch each other's apps.
 *
 * @example
 * const { cgroups, note } = Cgroups.detect("/srv/spaces");
 * const group = cgroups?.create("alice-demo-1", { memoryMb: 2048, cpus: 2, pids: 512, diskMb: 10240 });
 */
export class Cgroups {
  private constructor(
    private readonly version: 1 | 2,
    /** Per controller, the host's parent folder (v2: the same one for all). */
    private readonly parents: Map<Controller, string>,
  ) {}

  /** The controllers that limit here. */
  get controllers(): Controller[] {
    return [...this.parents.keys()];
  }

  /**
   * Finds the cgroup controllers this host can write.
   *
   * @returns the cgroups (undefined when none is writable) and one line saying what limits apply.
   */
  static detect(dataDir: string): { cgroups?: Cgroups; note: string } {
    const name = `spaces-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`;
    const parents = new Map<Controller, string>();
    const problems: string[] = [];
    let version: 1 | 2 = 1;
    if (existsSync(join(ROOT, "cgroup.controllers"))) {
      version = 2;
      const parent = join(ROOT, name);
      try {
        mkdirSync(parent, { recursive: true });
        const available = read(join(ROOT, "cgroup.controllers")).split(/\s+/);
        for (const c of CONTROLLERS) {
          if (!available.includes(c)) {
            problems.push(`${c} (not delegated)`);
            continue;
          }
          try {
            write(join(ROOT, "cgroup.subtree_control"), `+${c}`);
            write(join(parent, "cgroup.subtree_control"), `+${c}`);
            parents.set(c, parent);
          } catch (err) {
            problems.push(`${c} (${(err as NodeJS.ErrnoException).code})`);
          }
        }
      } catch (err) {
        problems.push(`all (${ROOT} is not writable: ${(err as NodeJS.ErrnoException).code})`);
      }
    } else
      for (const c of CONTROLLERS) {
        const parent = join(ROOT, c, name);
        try {
          mkdirSync(parent, { recursive: true });
          if (c === "memory") write(join(parent, "memory.use_hierarchy"), "1");
          parents.set(c, parent);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "EBUSY" && c === "memory")
            parents.set(c, parent); // use_hierarchy is already set by the root
          else problems.push(`${c} (${existsSync(join(ROOT, c)) ? code : "not mounted"})`);
        }
      }
    const cgroups = parents.size ? new Cgroups(version, parents) : undefined;
    const limited = [...parents.keys()].join(", ");
    const note = !cgroups
      ? `Space host: no cgroup controller is writable here (${problems.join(", ")}): apps run without memory, CPU or process limits; everything else is still isolated.`
      : problems.length
        ? `Space host: cgroup v${version} limits ${limited}; not ${problems.join(", ")}.`
        : `Space host: cgroup v${version} limits each app's memory, processes and CPU.`;
    return { cgroups, note };
  }

  private dirs(name: string): [Controller, string][] {
    const seen = new Set<string>();
    const out: [Controller, string][] = [];
    for (const [c, parent] of this.parents) {
      const dir = join(parent, name);
      if (!seen.has(dir)) out.push([c, dir]);
      seen.add(dir);
    }
    return out;
  }

  /**
   * A new cgroup with `limits` (memory with no swap beyond it, processes, CPU quota).
   *
   * @throws {Error} when the kernel refuses a limit.
   */
  create(name: string, limits: Limits): Cgroup {
    const dirs = this.dirs(name);
    for (const [, dir] of dirs) mkdirSync(dir, { recursive: true });
    const at = (c: Controller) => (this.parents.has(c) ? join(this.parents.get(c)!, name) : undefined);
    const bytes = String(limits.memoryMb * 1024 * 1024);
    const memory = at("memory");
    const pids = at("pids");
    const cpu = at("cpu");
    const unlimitedCpu = limits.cpus >= availableParallelism();
    if (this.version === 1) {
      if (memory) {
        write(join(memory, "memory.limit_in_bytes"), bytes);
        if (existsSync(join(memory, "memory.memsw.limit_in_bytes"))) write(join(memory, "memory.memsw.limit_in_bytes"), bytes);
      }
      if (pids) write(join(pids, "pids.max"), String(limits.pids));
      if (cpu && !unlimitedCpu) {
        write(join(cpu, "cpu.cfs_period_us"), "100000");
        write(join(cpu, "cpu.cfs_quota_us"), String(Math.round(limits.cpus * 100000)));
      }
    } else {
      if (memory) {
        write(join(memory, "memory.max"), bytes);
        if (existsSync(join(memory, "memory.swap.max"))) write(join(memory, "memory.swap.max"), "0");
      }
      if (pids) write(join(pids, "pids.max"), String(limits.pids));
      if (cpu && !unlimitedCpu) write(join(cpu, "cpu.max"), `${Math.round(limits.cpus * 100000)} 100000`);
    }
    return this.group(name);
  }

  /** The cgroup `name`, as it is. */
  private group(name: string): Cgroup {
    const dirs = this.dirs(name).map(([, dir]) => dir);
    const memory = this.parents.has("memory") ? join(this.parents.get("memory")!, name) : undefined;
    const cpu = this.parents.has("cpu") ? join(this.parents.get("cpu")!, name) : undefined;
    const procsOf = () => read(join(dirs[0]!, "cgroup.procs")).split("\n").filter(Boolean).map(Number);
    return {
      dirs,
      oomKills: () => (memory ? field(read(join(memory, this.version === 1 ? "memory.oom_control" : "memory.events")), "oom_kill") : 0),
      pids: procsOf,
      setNice: (nice) => {
        if (!cpu) return false;
        // The kernel's own nice-to-weight ratio: each step is 1.25× (v1 default 1024, v2 default 100).
        const factor = 1.25 ** -nice;
        if (this.version === 1) write(join(cpu, "cpu.shares"), String(Math.max(2, Math.round(1024 * factor))));
        else write(join(cpu, "cpu.weight"), String(Math.max(1, Math.round(100 * factor))));
        return true;
      },
      remove: async () => {
        for (let i = 0; i < 20; i++) {
          const left = procsOf();
          if (!left.length) break;
          killAll(left);
          await new Promise((r) => setTimeout(r, 25));
        }
        for (const dir of dirs) await removeDir(dir);
      },
    };
  }

  /**
   * Kills every process in the cgroups a previous host of this data folder left behind, and removes them.
   *
   * @returns how many cgroups had processes left.
   */
  async reapLeftovers(): Promise<number> {
    const names = new Set<string>();
    for (const parent of this.parents.values())
      for (const entry of readdirSync(parent, { withFileTypes: true })) if (entry.isDirectory()) names.add(entry.name);
    let busy = 0;
    for (const name of names) {
      const group = this.group(name);
      if (group.pids().length) busy++;
      await group.remove();
    }
    return busy;
  }

  /** Removes the host's parent folders once they are empty (at shutdown). */
  async close(): Promise<void> {
    for (const parent of new Set(this.parents.values())) await removeDir(parent);
  }
}

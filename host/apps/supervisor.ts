/**
 * The app processes the host starts, and how they stop.
 *
 * - In a sandbox (`sandbox.ts`), an app is a pid namespace: stopping it sends SIGTERM to every
 *   process in that namespace, then SIGKILL to its init, which ends the namespace and everything
 *   in it, however it forked or detached; its cgroup (`cgroups.ts`) goes too, killing what is
 *   left there. bwrap's --die-with-parent ends it if the host itself dies.
 * - As a plain process (SPACE_RUNTIME=process), an app is a process group (npm → sh → tsx →
 *   node), and stopping the group stops all of it.
 *
 * Either way each app is recorded under SPACES_DATA/run/ while it lives, so a host that was
 * killed (kill -9, a power cut) finds what it left behind at its next start and stops it before
 * starting anything new.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cgroup, Cgroups } from "./cgroups.ts";
import { type SandboxLaunch, spawnSandboxed } from "./sandbox.ts";

export type { SandboxLaunch } from "./sandbox.ts";

/** What a sandbox's bwrap says on its status fd: its init's pid on the host, and its pid namespace. */
interface SandboxStatus {
  init: number;
  pidns: string;
}

/** What the record of one running app says. */
interface RunRecord {
  /** The process group (process runtime), or bwrap's own pid (sandbox). */
  pgid: number;
  /** The leader's start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused pid has another. */
  started: string | null;
  space: string;
  sha: string;
  host: number;
  /** A sandbox's init and pid namespace, once bwrap said them. */
  sandbox?: SandboxStatus;
}

/** The pids on the host of every process in pid namespace `pidns` ("pid:[4026532181]"). */
function namespaceMembers(pidns: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === pidns) out.push(Number(entry));
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return out;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    /* already gone */
  }
}

/** A process's start time, or null when it is gone (or this is not Linux). */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null; // fields after "(comm)"; 22nd overall
  } catch {
    return null;
  }
}

/** A process's group, or 0 when it is gone. */
function processGroup(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return 0;
  }
}

/** Whether any process of group `pgid` is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/** Waits until the group is empty, or `ms` passed; true when it is gone. */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** SIGTERM to the group, SIGKILL after `graceMs`, resolved when nothing of it is left. */
async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  if (!(await groupGone(pgid, graceMs))) {
    signalGroup(pgid, "SIGKILL");
    await groupGone(pgid, 5_000);
  }
}

/**
 * @example
 * const supervisor = new Supervisor(join(dataDir, "run"));
 * await supervisor.reapLeftovers(console.log); // after a crash of the previous host
 * const child = supervisor.spawn("npm", ["start"], { cwd, env }, { space: "alice/demo", sha });
 * const boxed = supervisor.spawn("npm", ["start"], { cwd, env }, { space: "alice/demo", sha }, { uid, cgroup, bwrap });
 * await supervisor.stop(child);
 */
export class Supervisor {
  private readonly running = new Map<ChildProcess, number>();
  /** Which Space each running app belongs to. */
  private readonly spaceOf = new WeakMap<ChildProcess, string>();
  private readonly stopping = new WeakSet<ChildProcess>();
  private readonly sandboxOf = new WeakMap<ChildProcess, SandboxStatus>();
  private readonly cgroupOf = new WeakMap<ChildProcess, Cgroup | undefined>();
  /** An exited app's OOM kills, read before its cgroup goes (which is at once, before anyone asks). */
  private readonly oomKillsAtExit = new WeakMap<ChildProcess, number>();

  constructor(
    private readonly runDir: string,
    /** How long an app has between SIGTERM and SIGKILL. */
    private readonly graceMs = 10_000,
    /** The host's cgroups, whose leftovers a new host kills. */
    private readonly cgroups?: Cgroups,
  ) {
    mkdirSync(runDir, { recursive: true });
  }

  private recordPath = (pgid: number) => join(this.runDir, `${pgid}.json`);

  /**
   * Stops the app groups a previous host left running (their records are still here), after
   * checking that each pid still names the process it recorded.
   *
   * @returns how many groups it stopped.
   */
  async reapLeftovers(log: (line: string) => void): Promise<number> {
    const stops: Promise<void>[] = [];
    for (const file of readdirSync(this.runDir).filter((f) => f.endsWith(".json"))) {
      let record: RunRecord | undefined;
      try {
        record = JSON.parse(readFileSync(join(this.runDir, file), "utf8")) as RunRecord;
      } catch {
        /* a record cut short by the crash: nothing to trust in it */
      }
      if (record && record.host !== process.pid && groupAlive(record.pgid)) {
        const leader = startTime(record.pgid);
        // The leader may have exited while its group lives on; a live leader must be the same process.
        if (record.sandbox && leader === record.started) {
          // bwrap itself still runs: its init's end is the namespace's.
          log(
            `Space host: stopping ${record.space} (${record.sha.slice(0, 12)}, sandbox ${record.pgid}), left running by a previous host.`,
          );
          signal(record.sandbox.init, "SIGKILL");
          signal(record.pgid, "SIGKILL");
          stops.push(groupGone(record.pgid, 5_000).then(() => undefined));
        } else if (!record.sandbox && (leader === null || leader === record.started)) {
          log(
            `Space host: stopping ${record.space} (${record.sha.slice(0, 12)}, process group ${record.pgid}), left running by a previous host.`,
          );
          const pgid = record.pgid;
          stops.push(stopGroup(pgid, this.graceMs));
        }
      }
      rmSync(join(this.runDir, file), { force: true });
    }
    await Promise.all(stops);
    const cgroups = (await this.cgroups?.reapLeftovers()) ?? 0;
    if (cgroups) log(`Space host: killed what was left in ${cgroups} cgroup(s) of a previous host.`);
    return stops.length + cgroups;
  }

  /**
   * Starts `command` (in a process group of its own, or in the sandbox `sandbox` describes) and
   * records it until it exits.
   */
  spawn(
    command: string,
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv },
    about: { space: string; sha: string },
    sandbox?: SandboxLaunch,
  ): ChildProcess {
    const child = sandbox
      ? spawnSandboxed(sandbox, options.env)
      : spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid === undefined) return child; // spawn failed; its "error" event says why
    const pgid = child.pid;
    const record: RunRecord = { pgid, started: startTime(pgid), space: about.space, sha: about.sha, host: process.pid };
    writeFileSync(this.recordPath(pgid), JSON.stringify(record));
    this.running.set(child, pgid);
    this.spaceOf.set(child, about.space);
    if (sandbox) {
      this.cgroupOf.set(child, sandbox.cgroup);
      // bwrap says where its namespaces are on fd 3, first thing.
      let text = "";
      const status = child.stdio[3] as NodeJS.ReadableStream;
      const read = (d: Buffer) => {
        text += d.toString();
        const first = text.match(/^\{[^}]*"child-pid"[^}]*\}/);
        if (!first) return;
        // Anything after the first line is not needed (and, were the fd to leak inside, not to be trusted).
        status.off("data", read);
        status.resume();
        const info = JSON.parse(first[0]) as { "child-pid": number; "pid-namespace": number };
        const ns = { init: info["child-pid"], pidns: `pid:[${info["pid-namespace"]}]` };
        this.sandboxOf.set(child, ns);
        writeFileSync(this.recordPath(pgid), JSON.stringify({ ...record, sandbox: ns }));
      };
      status.on("data", read);
      status.on("error", () => {});
    }
    child.once("exit", () => {
      // The leader is gone; the rest of its group follows it (npm passes signals on), and if a
      // straggler does not, the record stays so the next start stops it. A sandbox's namespace
      // ended with bwrap; its cgroup goes now.
      const cgroup = this.cgroupOf.get(child);
      if (cgroup) this.oomKillsAtExit.set(child, cgroup.oomKills());
      void (async () => {
        const gone = sandbox ? true : await groupGone(pgid, this.graceMs);
        await this.cgroupOf.get(child)?.remove();
        if (gone) rmSync(this.recordPath(pgid), { force: true });
        this.running.delete(child);
      })();
    });
    return child;
  }

  /** How many times the kernel killed a process of this app for going over its memory limit. */
  oomKills(child: ChildProcess): number {
    return this.oomKillsAtExit.get(child) ?? this.cgroupOf.get(child)?.oomKills() ?? 0;
  }

  /** Whether the host itself is stopping this child (its exit is then not a crash). */
  isStopping(child: ChildProcess): boolean {
    return this.stopping.has(child);
  }

  /**
   * Sets the CPU priority of an app: a shadow runs at nice 19, so its copies only take CPU the
   * visitors' calls leave. A sandbox gets its cgroup's CPU weight; and every process and thread
   * of the app's groups gets the nice value (`renice -g`, which is setpriority(PRIO_PGRP): ORT's
   * and the workers' threads too) — which, to raise it again, or for another uid's processes,
   * needs CAP_SYS_NICE (a host running as root has it).
   *
   * @returns why not, when it could not (the app keeps running either way).
   * @example
   * await supervisor.setNice(child, 19); // a shadow
   * await supervisor.setNice(child, 0);  // it serves visitors now
   */
  setNice(child: ChildProcess, nice: number): Promise<string | undefined> {
    if (child.pid === undefined) return Promise.resolve("the app has no process");
    // A sandbox's weight is its cgroup's, which root sets whatever the app's uid (renicing
    // another uid's processes needs CAP_SYS_NICE); its nice values follow where the host may.
    const weighted = this.cgroupOf.get(child)?.setNice(nice) ?? false;
    // Its processes are in a session of their own: each of their groups, then.
    const ns = this.sandboxOf.get(child);
    const groups = ns ? [...new Set(namespaceMembers(ns.pidns).map(processGroup))].filter((g) => g > 0) : [child.pid];
    if (!groups.length) return Promise.resolve(weighted ? undefined : "the app has no process");
    return new Promise((resolve) =>
      execFile("renice", ["-n", String(nice), ...groups.flatMap((g) => ["-g", String(g)])], (error, _out, stderr) =>
        resolve(error && !weighted ? (stderr.trim() || error.message).replace(/\s+/g, " ") : undefined),
      ),
    );
  }

  /** Stops an app's whole group: SIGTERM, then SIGKILL after the grace period. */
  async stop(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.pid === undefined) return;
    this.stopping.add(child);
    const pgid = child.pid;
    const ns = this.sandboxOf.get(child);
    if (this.cgroupOf.has(child)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        // SIGTERM to each of its processes but the namespace's init (bwrap's, which would ignore it).
        if (ns) for (const pid of namespaceMembers(ns.pidns)) if (pid !== ns.init) signal(pid, "SIGTERM");
        const graceful = ns
          ? await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), this.graceMs))])
          : false;
        if (!graceful) {
          if (ns) signal(ns.init, "SIGKILL"); // the namespace ends with its init
          signal(pgid, "SIGKILL");
          await exited;
        }
      }
      await this.cgroupOf.get(child)?.remove();
    } else {
      if (!groupAlive(pgid)) return;
      await stopGroup(pgid, this.graceMs);
    }
    rmSync(this.recordPath(pgid), { force: true });
  }

  /** Stops every app of one Space, e.g. a revision still draining when the Space is deleted. */
  async stopSpace(space: string): Promise<void> {
    await Promise.all([...this.running.keys()].filter((child) => this.spaceOf.get(child) === space).map((child) => this.stop(child)));
  }

  /** Stops every app this host started (at shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((child) => this.stop(child)));
  }
}

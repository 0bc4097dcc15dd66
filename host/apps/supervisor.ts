/**
 * The app processes the host starts. Each app runs in its own process group (npm → sh → tsx →
 * node), so stopping the group stops all of it; each group is recorded under SPACES_DATA/run/
 * while it lives, so a host that was killed (kill -9, a power cut) finds what it left behind at
 * its next start and stops it before starting anything new.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What the record of one running app says. */
interface RunRecord {
  pgid: number;
  /** The leader's start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused pid has another. */
  started: string | null;
  space: string;
  sha: string;
  port: number;
  host: number;
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
 * const child = supervisor.spawn("npm", ["start"], { cwd, env }, { space: "alice/demo", sha, port });
 * await supervisor.stop(child);
 */
export class Supervisor {
  private readonly running = new Map<ChildProcess, number>();
  /** Which Space each running app belongs to. */
  private readonly spaceOf = new WeakMap<ChildProcess, string>();
  private readonly stopping = new WeakSet<ChildProcess>();

  constructor(
    private readonly runDir: string,
    /** How long an app has between SIGTERM and SIGKILL. */
    private readonly graceMs = 10_000,
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
        if (leader === null || leader === record.started) {
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
    return stops.length;
  }

  /** Starts `command` in a process group of its own and records it until it exits. */
  spawn(
    command: string,
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv },
    about: { space: string; sha: string; port: number },
  ): ChildProcess {
    const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid === undefined) return child; // spawn failed; its "error" event says why
    const pgid = child.pid;
    const record: RunRecord = { pgid, started: startTime(pgid), space: about.space, sha: about.sha, port: about.port, host: process.pid };
    writeFileSync(this.recordPath(pgid), JSON.stringify(record));
    this.running.set(child, pgid);
    this.spaceOf.set(child, about.space);
    child.once("exit", () => {
      // The leader is gone; the rest of its group follows it (npm passes signals on), and if a
      // straggler does not, the record stays so the next start stops it.
      void groupGone(pgid, this.graceMs).then((gone) => {
        if (gone) rmSync(this.recordPath(pgid), { force: true });
        this.running.delete(child);
      });
    });
    return child;
  }

  /** Whether the host itself is stopping this child (its exit is then not a crash). */
  isStopping(child: ChildProcess): boolean {
    return this.stopping.has(child);
  }

  /**
   * Sets the nice value of every process and thread of an app's group (`renice -g`, which is
   * setpriority(PRIO_PGRP): ORT's and the workers' threads too). A shadow runs at 19, so its
   * copies only take CPU the visitors' calls leave. Lowering it again needs CAP_SYS_NICE (a host
   * running as root has it).
   *
   * @returns why not, when it could not (the app keeps running either way).
   * @example
   * await supervisor.setNice(child, 19); // a shadow
   * await supervisor.setNice(child, 0);  // it serves visitors now
   */
  setNice(child: ChildProcess, nice: number): Promise<string | undefined> {
    if (child.pid === undefined) return Promise.resolve("the app has no process");
    return new Promise((resolve) =>
      execFile("renice", ["-n", String(nice), "-g", String(child.pid)], (error, _out, stderr) =>
        resolve(error ? (stderr.trim() || error.message).replace(/\s+/g, " ") : undefined),
      ),
    );
  }

  /** Stops an app's whole group: SIGTERM, then SIGKILL after the grace period. */
  async stop(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.pid === undefined) return;
    this.stopping.add(child);
    const pgid = child.pid;
    if (!groupAlive(pgid)) return;
    await stopGroup(pgid, this.graceMs);
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

/**
 * What the host knows about each Space while it runs: its stage (named as on Hugging Face), the
 * revision serving, the address of its process, timestamps of each phase, and its build and run
 * logs, which can be followed live. `lifecycle.ts` changes it; routes only read it.
 */
import type { ChildProcess } from "node:child_process";
import type { AppAddress } from "../apps/address.ts";
import type { SpaceCard } from "../build/card.ts";
import { HostError } from "../errors.ts";
import type { Rollout } from "../rollout/rollout.ts";

/** Hugging Face's Space stages (PAUSED: stopped by its owner until restarted). */
export type Stage =
  | "NO_APP_FILE"
  | "BUILDING"
  | "APP_STARTING"
  | "RUNNING"
  | "RUNNING_BUILDING"
  | "RUNNING_APP_STARTING"
  | "BUILD_ERROR"
  | "RUNTIME_ERROR"
  | "SLEEPING"
  | "PAUSED";

/** One log line as HF's log API sends it: `data: {"data": …, "timestamp": …}`. */
export interface LogLine {
  data: string;
  timestamp: string;
}

/** The longest line a log keeps: an app printing megabytes without a newline holds the host to 2000 × this. */
const MAX_LINE = 8192;

/** A ring of recent lines with live followers. */
export class LogBuffer {
  readonly lines: LogLine[] = [];
  private readonly followers = new Set<(line: LogLine) => void>();
  constructor(private readonly max = 2000) {}

  push(text: string): void {
    for (const data of text.replace(/\r/g, "").split("\n")) {
      if (data === "") continue;
      const kept = data.length > MAX_LINE ? `${data.slice(0, MAX_LINE)}… (${data.length - MAX_LINE} more characters)` : data;
      const line = { data: kept, timestamp: new Date().toISOString() };
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
      for (const follow of this.followers) follow(line);
    }
  }

  /** Calls `follow` for each new line until the returned function is called. */
  follow(follow: (line: LogLine) => void): () => void {
    this.followers.add(follow);
    return () => this.followers.delete(follow);
  }

  tail(n: number): string[] {
    return this.lines.slice(-n).map((l) => l.data);
  }

  clear(): void {
    this.lines.length = 0;
  }
}

/** One Space's runtime state. */
export class SpaceRuntime {
  stage: Stage = "NO_APP_FILE";
  /** The revision serving traffic, the one it replaced (kept for a rollback), and the one being built. */
  sha?: string;
  previousSha?: string;
  buildingSha?: string;
  address?: AppAddress;
  child?: ChildProcess;
  errorMessage?: string;
  /** Queue sessions joined on an app that is being replaced, and that app's address: their streams must reach it. */
  readonly sessions = new Map<string, AppAddress>();
  /** During a rollout: curl `/call` events and the app that holds each (its result stream must reach it). */
  readonly events = new Map<string, AppAddress>();
  /** A new revision being rolled out next to the serving one (`rollout/`), and the rollout (or the last one, finished). */
  candidate?: { sha: string; child: ChildProcess; address: AppAddress; card: SpaceCard /** its nice value, when set */; nice?: number };
  rollout?: Rollout;
  /** When the current revision crashed lately (for backoff and RUNTIME_ERROR). */
  crashes: number[] = [];
  /** Put to sleep after this long without a request to the app. */
  sleepTimer?: ReturnType<typeof setTimeout>;
  /** The Space card of the revision serving (title, emoji, colours…). */
  card?: SpaceCard;
  /** The wake-up in progress, shared by every request that arrives meanwhile. */
  waking?: Promise<unknown>;
  readonly buildLog = new LogBuffer();
  readonly runLog = new LogBuffer();
  readonly timestamps: Record<string, string> = {};
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly id: string) {}

  /** Whether an app of this Space is serving (possibly while a new revision builds or starts). */
  get serving(): boolean {
    return this.stage === "RUNNING" || this.stage === "RUNNING_BUILDING" || this.stage === "RUNNING_APP_STARTING";
  }

  /** Moves to a stage and records when. */
  enter(stage: Stage): void {
    this.stage = stage;
    this.timestamps[stage] = new Date().toISOString();
  }

  /** Runs deploys of this Space one at a time. */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => {});
    return next;
  }

  /** The JSON of GET /api/spaces/<id>/runtime, and the `runtime` of the Hub API's Space info. */
  toJSON() {
    // hardware as the Hub's SpaceRuntime has it (huggingface_hub reads hardware.current).
    return {
      stage: this.stage,
      sha: this.sha ?? null,
      building_sha: this.buildingSha ?? null,
      errorMessage: this.errorMessage ?? null,
      rollout: this.rollout?.toJSON() ?? null,
      timestamps: this.timestamps,
      hardware: { current: "cpu-basic", requested: "cpu-basic" },
    };
  }
}

/**
 * For a caller that goes on without the error of a lifecycle operation, because the Space's
 * runtime already records how it went (its stage, `errorMessage`, logs, a rollout's history):
 * a {@link HostError} — a refusal or a failed start — is dropped; anything else is a bug and is
 * thrown on.
 *
 * @example
 * await spaces.restart(space).catch(recordedInRuntime); // a failed start shows in the runtime it answers
 * return c.json(rt.toJSON());
 */
export function recordedInRuntime(err: unknown): void {
  if (!(err instanceof HostError)) throw err;
}

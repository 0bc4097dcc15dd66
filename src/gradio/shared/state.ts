/**
 * Shared mode's session State (`state:<session>`, a Hash of component id → JSON value): any
 * replica runs a session's next event with the State its last event left, so State values must
 * survive JSON (numbers, strings, arrays, plain objects).
 */
import type { Redis } from "ioredis";
import type { SessionStateStore } from "../backend.ts";
import type { Keys } from "./keys.ts";
import { unavailable } from "./unavailable.ts";

/**
 * @example
 * const states = new SharedSessionState(cmd, keys, 10 * 60_000);
 * await states.save("abc", new Map([[3, 1]]));
 */
export class SharedSessionState implements SessionStateStore {
  constructor(
    private readonly cmd: Redis,
    private readonly keys: Keys,
    private readonly ttlMs: number,
  ) {}

  async load(sessionHash: string): Promise<Map<number, unknown>> {
    let fields: Record<string, string>;
    try {
      fields = await this.cmd.hgetall(this.keys.state(sessionHash));
    } catch (err) {
      throw unavailable(err);
    }
    return new Map(Object.entries(fields).map(([id, json]) => [Number(id), JSON.parse(json) as unknown]));
  }

  async save(sessionHash: string, state: Map<number, unknown>): Promise<void> {
    if (state.size === 0) return;
    const key = this.keys.state(sessionHash);
    const fields = [...state].flatMap(([id, value]) => [String(id), JSON.stringify(value ?? null)]);
    try {
      await this.cmd
        .multi()
        .hset(key, ...fields)
        .pexpire(key, this.ttlMs)
        .exec();
    } catch (err) {
      throw unavailable(err);
    }
  }
}

/**
 * The embedded store of each session's State values (gradio state_holder.py): in this process,
 * by session hash, the least recently used dropped past `capacity` (gradio's
 * `state_session_capacity`, 10,000) and any session unused for `ttlMs`.
 */
import type { SessionStateStore } from "./backend.ts";

/**
 * @example
 * const states = new SessionStates();
 * const s = await states.load("abc"); s.set(3, 1); await states.save("abc", s);
 */
export class SessionStates implements SessionStateStore {
  private readonly sessions = new Map<string, { state: Map<number, unknown>; used: number }>();

  constructor(
    private readonly ttlMs = 60 * 60_000,
    private readonly capacity = 10_000,
  ) {}

  async load(sessionHash: string): Promise<Map<number, unknown>> {
    const entry = this.sessions.get(sessionHash);
    if (!entry || entry.used < Date.now() - this.ttlMs) return new Map();
    return new Map(entry.state);
  }

  async save(sessionHash: string, state: Map<number, unknown>): Promise<void> {
    // Re-inserted so the Map's order is least recently used first.
    this.sessions.delete(sessionHash);
    this.sessions.set(sessionHash, { state: new Map(state), used: Date.now() });
    const old = Date.now() - this.ttlMs;
    for (const [hash, entry] of this.sessions) {
      if (this.sessions.size <= this.capacity && entry.used >= old) break;
      this.sessions.delete(hash);
    }
  }
}

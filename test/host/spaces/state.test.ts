/**
 * A Space's saved state (`host/spaces/state.ts`) on its own: it survives a round trip, a missing
 * or broken file reads as empty, and the clean-up keeps what the saved state (and, in the host,
 * the runtimes) name — with no lifecycle, as `npm run spaces -- gc` runs it.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { spacePaths } from "../../../host/paths.ts";
import { SpaceRuntime } from "../../../host/spaces/runtime.ts";
import { gcFromState, loadState, saveState } from "../../../host/spaces/state.ts";

const sha = (c: string) => c.repeat(40);
let dataDir = "";
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe("a Space's saved state", () => {
  test("what a runtime saves comes back; a missing or cut-off file reads as nothing saved", () => {
    dataDir = mkdtempSync(join(tmpdir(), "state-"));
    const file = spacePaths(dataDir, "alice", "demo").state;
    expect(loadState(file)).toEqual({});
    const rt = new SpaceRuntime("alice/demo");
    Object.assign(rt, { sha: sha("a"), previousSha: sha("b"), card: { title: "Demo" } });
    rt.enter("SLEEPING");
    saveState(file, rt);
    expect(loadState(file)).toEqual({ sha: sha("a"), previous: sha("b"), sleeping: true, paused: false, card: { title: "Demo" } });
    expect(readdirSync(join(dataDir, "state", "alice"))).toEqual(["demo.json"]); // no .partial left behind
    writeFileSync(file, '{"sha": "aaa');
    expect(loadState(file)).toEqual({});
  });

  test("the clean-up keeps the builds the saved state and the runtimes name, and removes the rest", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "state-"));
    const accounts = new Accounts(dataDir);
    accounts.createToken("alice");
    accounts.createSpace("alice", "demo");
    const builds = spacePaths(dataDir, "alice", "demo").builds;
    for (const c of "abcde") mkdirSync(join(builds, sha(c)), { recursive: true });
    const saved = new SpaceRuntime("alice/demo");
    Object.assign(saved, { sha: sha("a"), previousSha: sha("b") });
    saveState(spacePaths(dataDir, "alice", "demo").state, saved);
    const running = new SpaceRuntime("alice/demo");
    running.buildingSha = sha("c");
    const freed = await gcFromState(accounts, dataDir, new Map([["alice/demo", running]]));
    expect(freed.removed.sort()).toEqual([`builds/alice/demo/${sha("d")}`, `builds/alice/demo/${sha("e")}`]);
    expect(readdirSync(builds).sort()).toEqual([sha("a"), sha("b"), sha("c")]);
    // From another process, with the saved state alone.
    expect((await gcFromState(accounts, dataDir)).removed).toEqual([`builds/alice/demo/${sha("c")}`]);
  });
});

/**
 * The host in production, as its own process: a restart brings every Space back without a push
 * (a sleeping one stays asleep), SIGTERM leaves no process behind, and nothing a kill -9'd host
 * started outlives it: sandboxes end with it, plain process groups are stopped by the next start.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { waitFor } from "../../helpers.ts";
import { gitLfsPresent, gitUser, hostProcess, remoteUrl, tinySpaceRepo } from "../harness.ts";

/** The app process groups the host has recorded under SPACES_DATA/run. */
const records = (dataDir: string) =>
  readdirSync(join(dataDir, "run")).map(
    (f) =>
      JSON.parse(readFileSync(join(dataDir, "run", f), "utf8")) as { pgid: number; space: string; sha: string; sandbox?: { init: number } },
  );
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Whether the Space's app answers /config through the host within the harness's wait. */
const serving = (base: string, id: string) =>
  waitFor(
    async () =>
      (await fetch(`${base}/spaces/${id}/app/config`).then(
        (r) => r.status,
        () => 0,
      )) === 200,
    { what: `${id} serving` },
  );
const stage = async (base: string, id: string) =>
  ((await (await fetch(`${base}/api/spaces/${id}/runtime`)).json()) as { stage: string; sha: string }).stage;

describe.skipIf(!gitLfsPresent("Space host restart tests"))("the Space host survives its own restarts", () => {
  let temp: string;
  let dataDir: string;
  let token: string;
  let gitTools: Awaited<ReturnType<typeof gitUser>>;
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-restarts-"));
    dataDir = join(temp, "data");
    token = new Accounts(dataDir).createToken("alice");
    gitTools = await gitUser(temp);
  });
  afterAll(() => {
    for (const { pgid } of records(dataDir)) if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
    if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
  });

  test("SIGTERM stops every app; the next start serves each Space at its last good revision, and a sleeping one stays asleep", async () => {
    // This host's Spaces sleep after 2 s without requests (the nap Space will; echo is kept busy).
    let host = await hostProcess(dataDir, { SPACE_SLEEP_AFTER: "2" });
    for (const name of ["echo", "nap"])
      await gitTools.git(
        await tinySpaceRepo(gitTools.git, temp, name),
        "push",
        "--quiet",
        remoteUrl(host.base, `alice/${name}`, "alice", token),
        "main",
      );
    const sha = ((await (await fetch(`${host.base}/api/spaces/alice/echo/runtime`)).json()) as { sha: string }).sha;
    const busy = setInterval(() => void fetch(`${host.base}/spaces/alice/echo/app/config`).catch(() => {}), 300);
    await waitFor(async () => (await stage(host.base, "alice/nap")) === "SLEEPING", { timeout: 8000, what: "alice/nap asleep" });
    clearInterval(busy);
    expect(await stage(host.base, "alice/echo")).toBe("RUNNING");
    await waitFor(() => records(dataDir).length === 1, { what: "the sleeper's process gone" });
    const running = records(dataDir);
    expect(running.map((r) => r.space)).toEqual(["alice/echo"]);

    host.child.kill("SIGTERM");
    expect(await host.exited).toBe(0);
    expect(host.output()).toContain("SIGTERM: stopping every Space, then exiting.");
    expect(running.filter((r) => groupAlive(r.pgid))).toEqual([]); // nothing outlives the host
    expect(records(dataDir)).toEqual([]);

    const started = performance.now();
    host = await hostProcess(dataDir, { SPACE_SLEEP_AFTER: "2" });
    try {
      await serving(host.base, "alice/echo");
      console.log(`host restart → first Space serving: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      expect(((await (await fetch(`${host.base}/api/spaces/alice/echo/runtime`)).json()) as { sha: string }).sha).toBe(sha);
      expect(await stage(host.base, "alice/nap")).toBe("SLEEPING"); // not started by the restart
      const woke = await fetch(`${host.base}/spaces/alice/nap/app/config`); // …but woken by a request
      expect(woke.status).toBe(200);
      expect(await stage(host.base, "alice/nap")).toBe("RUNNING");
    } finally {
      host.child.kill("SIGTERM");
      await host.exited;
    }
  });

  test("after a kill -9 of the host, the next start stops the apps it left running", async () => {
    let host = await hostProcess(dataDir);
    await serving(host.base, "alice/echo");
    const orphans = records(dataDir);
    expect(orphans.length).toBeGreaterThan(0);
    host.child.kill("SIGKILL");
    await host.exited;
    const sandboxed = orphans.every((r) => r.sandbox);
    if (sandboxed) {
      // A sandbox ends with the host that started it (bwrap --die-with-parent), its whole pid namespace with it.
      await waitFor(() => orphans.every((r) => !groupAlive(r.pgid) && !existsSync(`/proc/${r.sandbox!.init}`)), {
        what: "the sandboxes gone with their host",
      });
    } else expect(orphans.every((r) => groupAlive(r.pgid))).toBe(true); // left behind, holding ports and memory
    host = await hostProcess(dataDir);
    try {
      await waitFor(() => orphans.every((r) => !groupAlive(r.pgid)), { what: "the orphans stopped" });
      if (!sandboxed)
        expect(host.output()).toMatch(/stopping alice\/echo \([0-9a-f]{12}, process group \d+\), left running by a previous host/);
      await serving(host.base, "alice/echo");
      expect(
        records(dataDir)
          .map((r) => r.pgid)
          .some((p) => orphans.some((o) => o.pgid === p)),
      ).toBe(false);
    } finally {
      host.child.kill("SIGTERM");
      await host.exited;
    }
  });
});

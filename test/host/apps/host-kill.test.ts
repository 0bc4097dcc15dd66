/**
 * No app outlives its host: `npm run host`'s own process, with a Space whose app leaves detached
 * children behind it (one out of its process group, one in a session of its own through
 * setsid(1)). At the host's SIGTERM, and at its `kill -9` (bwrap's --die-with-parent), every
 * process of the Space's sandbox ends; a restarted host serves the Space again.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { Disks, mounted } from "../../../host/apps/disks.ts";
import { spacePaths } from "../../../host/paths.ts";
import { sandboxPresent, waitFor } from "../../helpers.ts";
import { gitLfsPresent, gitUser, hostProcess, remoteUrl, tinySpaceRepo } from "../harness.ts";

/** At start, leaves two children behind, each with MARKER in its command line; then serves. */
const LEAVER = `import http from "node:http";
import { spawn } from "node:child_process";
const marker = process.env.MARKER;
spawn(process.execPath, ["-e", "setInterval(() => {}, 1e9)", marker], { detached: true, stdio: "ignore" }).unref();
spawn("setsid", ["sleep", marker], { detached: true, stdio: "ignore" }).unref();
http.createServer((req, res) => res.end(JSON.stringify({ leaver: true, pid: process.pid }))).listen(Number(process.env.PORT), process.env.GRADIO_SERVER_NAME);
`;

/** Host pids of the processes whose `file` in /proc (cmdline, environ) has `text` in it. */
function processesWith(text: string, file = "cmdline"): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/${file}`, "utf8").includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every process of the Space's sandbox: bwrap and all it started have the app's environment. */
const sandboxProcesses = () => processesWith("SPACE_ID=alice/leaver\0", "environ");

describe.skipIf(!gitLfsPresent("host kill tests") || !sandboxPresent("host kill tests"))(
  "no app process outlives its host, killed or stopped",
  () => {
    let temp: string;
    let dataDir: string;
    let host: Awaited<ReturnType<typeof hostProcess>> | undefined;
    // `sleep` takes it as seconds; node as an argument it ignores.
    const marker = String(800_000 + Math.floor(Math.random() * 99_999));
    let token: string;

    beforeAll(async () => {
      temp = mkdtempSync(join(tmpdir(), "host-kill-"));
      dataDir = join(temp, "data");
      const accounts = new Accounts(dataDir);
      token = accounts.createToken("alice");
      accounts.createSpace("alice", "leaver");
      accounts.setEnv("alice", "leaver", "variables", "MARKER", marker);
      host = await hostProcess(dataDir);
      const { git } = await gitUser(temp);
      const dir = await tinySpaceRepo(git, temp, `leaver-${randomBytes(2).toString("hex")}`);
      writeFileSync(join(dir, "server.mjs"), LEAVER);
      await git(dir, "commit", "--quiet", "-am", "an app that leaves children behind");
      await git(dir, "push", "--quiet", remoteUrl(host.base, "alice/leaver", "alice", token), "main");
    }, 60_000);

    afterAll(async () => {
      if (host && host.child.exitCode === null && host.child.signalCode === null) {
        host.child.kill("SIGTERM");
        await host.exited;
      }
      // A host that died with the Space's disk mounted leaves it so: not for rm to walk into.
      const { disk } = spacePaths(dataDir, "alice", "leaver");
      if (Disks.detect().disks && mounted(disk)) await Disks.detect().disks!.detach(disk);
      if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
    });

    /** The Space answers through `host`. */
    const serves = async () => {
      const res = await fetch(`${host!.base}/spaces/alice/leaver/app/`);
      return res.ok && ((await res.json()) as { leaver?: boolean }).leaver === true;
    };

    const running = () => waitFor(() => processesWith(marker).length >= 2, { timeout: 20_000, what: "the app's detached children" });

    test("the children run outside the app's process group, as the Space's uid", async () => {
      expect(await serves()).toBe(true);
      await running();
      const uid = new Accounts(dataDir).uidOf("alice", "leaver");
      for (const pid of processesWith(marker)) {
        expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(new RegExp(`^Uid:\\s+${uid}\\s`, "m"));
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        expect(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]), `pid ${pid}'s process group`).toBe(pid); // its own
      }
      expect(uid).toBeGreaterThanOrEqual(3_000_000);
      expect(host!.output()).toContain("each app and build runs in its own sandbox");
    });

    for (const [how, signal] of [
      ["a SIGTERM", "SIGTERM"],
      ["a kill -9", "SIGKILL"],
    ] as const)
      test(`after ${how} of the host, nothing of the sandbox is left; a restarted host serves the Space again`, async () => {
        await running();
        expect(sandboxProcesses().length).toBeGreaterThan(0); // what to look for is in every one of them, until …
        host!.child.kill(signal);
        await host!.exited;
        // kill -9: the kernel ends bwrap with its parent, and the sandbox's init with bwrap.
        await waitFor(() => processesWith(marker).length === 0 && sandboxProcesses().length === 0, {
          timeout: 5_000,
          what: `the sandbox gone after ${how}`,
        });
        host = await hostProcess(dataDir);
        await waitFor(serves, { timeout: 30_000, what: "the Space back" });
        await running(); // its new app left new children, which the next case ends
      });
  },
);

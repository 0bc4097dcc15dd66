/**
 * Which runtime the host picks, and what it says: the sandbox where its tools are, dev mode when
 * asked (one line saying apps are not isolated), and a refusal naming the install line when the
 * sandbox is asked for and missing — from `npm run host` itself too.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { hostLimits, limitProblem, limitsFor } from "../../../host/apps/limits.ts";
import { chooseRuntime, INSTALL_LINE } from "../../../host/apps/sandbox.ts";
import { sandboxPresent } from "../../helpers.ts";
import { hostProcess } from "../harness.ts";

const temp = mkdtempSync(join(tmpdir(), "runtime-choice-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A PATH with node and the basics but no bubblewrap. */
function pathWithoutBwrap(): string {
  const bin = join(temp, "bin");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["node", "sh", "git", "tar", "renice", "unshare", "setpriv"]) {
    try {
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    } catch {
      /* made already */
    }
  }
  return bin;
}

describe("the host's runtime", () => {
  test("SPACE_RUNTIME=process: apps not isolated, said in one line", () => {
    const chosen = chooseRuntime(join(temp, "a"), "process");
    expect(chosen.kind).toBe("process");
    expect(chosen.notes).toHaveLength(1);
    expect(chosen.notes[0]).toMatch(/SPACE_RUNTIME=process: apps are NOT isolated/);
  });

  test("a runtime that does not exist is refused by name", () => {
    expect(() => chooseRuntime(join(temp, "b"), "docker")).toThrow('SPACE_RUNTIME must be "sandbox" or "process", got "docker".');
  });

  test.skipIf(!sandboxPresent("The default runtime's test"))(
    "where bubblewrap runs, the sandbox is the default, and says what it limits",
    () => {
      const chosen = chooseRuntime(join(temp, "c"), "");
      expect(chosen.kind).toBe("sandbox");
      expect(chosen.notes.join("\n")).toMatch(/own sandbox/);
      expect(chosen.notes.join("\n")).toMatch(/cgroup v[12]|no cgroup controller/);
    },
  );

  test("the sandbox asked for and missing: the host refuses to start, with the install line", async () => {
    const bin = pathWithoutBwrap();
    await expect(hostProcess(join(temp, "d"), { SPACE_RUNTIME: "sandbox", PATH: bin })).rejects.toThrow(
      new RegExp(
        `the host did not start:\\n.*SPACE_RUNTIME=sandbox needs bwrap.*${INSTALL_LINE.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&")}`,
        "s",
      ),
    );
  });

  test("limits: defaults from the environment, an owner's request within the ceiling", () => {
    const host = {
      defaults: { memoryMb: 2048, cpus: 2, pids: 512, diskMb: 10240 },
      max: { memoryMb: 4096, cpus: 2, pids: 1024, diskMb: 20480 },
    };
    expect(limitsFor({ memoryMb: 512 }, host)).toEqual({ memoryMb: 512, cpus: 2, pids: 512, diskMb: 10240 });
    expect(limitsFor({ memoryMb: 1e9 }, host).memoryMb).toBe(4096);
    expect(limitProblem({ memoryMb: 8192 }, host)).toBe("memory: at most 4096 MB on this host");
    expect(limitProblem({ pids: -1 }, host)).toBe("pids: expected a positive number");
    process.env.SPACE_MEMORY_MB = "lots";
    try {
      expect(() => hostLimits()).toThrow('SPACE_MEMORY_MB must be a number, got "lots".');
    } finally {
      delete process.env.SPACE_MEMORY_MB;
    }
  });
});

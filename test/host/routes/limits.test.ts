/**
 * A Space's limits, set by its owner within the host's ceiling: through the CLI and through the
 * Hub's hardware API (huggingface_hub's `request_space_hardware` shape, and this host's own
 * `{"limits": …}`). A change restarts the app, and the kernel holds it to the new numbers (its
 * cgroup, read from the host: inside, the app sees only its own cgroup namespace).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { root } from "../../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

const run = promisify(execFile);

/** This host's limits: small defaults, a ceiling above them. */
const ENV = {
  SPACE_MEMORY_MB: "256",
  SPACE_MAX_MEMORY_MB: "1024",
  SPACE_CPUS: "1",
  SPACE_PIDS: "200",
  SPACE_MAX_PIDS: "400",
  SPACE_DISK_MB: "64",
  SPACE_MAX_DISK_MB: "128",
};

/** A cgroup file of a process, from the host's side (v1: under its controller; v2: the one tree). */
function cgroupFile(pid: number, controller: string, v1: string, v2: string): string | undefined {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1Path = lines.find((l) => l.split(":")[1]?.split(",").includes(controller))?.split(":")[2];
  if (v1Path && v1Path !== "/") return readFileSync(join("/sys/fs/cgroup", controller, v1Path, v1), "utf8").trim();
  const v2Path = lines.find((l) => l.startsWith("0::"))?.slice(3);
  if (v2Path && v2Path !== "/") return readFileSync(join("/sys/fs/cgroup", v2Path, v2), "utf8").trim();
  return undefined;
}

describe.skipIf(!gitLfsPresent("Space limits tests"))("an owner sets a Space's limits within the host's ceiling", () => {
  let temp: string;
  let dataDir: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let token: string;
  let bobToken: string;
  beforeAll(async () => {
    Object.assign(process.env, ENV);
    temp = mkdtempSync(join(tmpdir(), "host-limits-"));
    dataDir = join(temp, "data");
    const accounts = new Accounts(dataDir);
    token = accounts.createToken("alice");
    bobToken = accounts.createToken("bob");
    host = await inProcessHost({ dataDir, accounts, stopGraceMs: 2000 });
    const { git } = await gitUser(temp);
    await git(await tinySpaceRepo(git, temp, "lim"), "push", "--quiet", remoteUrl(host.base, "alice/lim", "alice", token), "main");
  });
  afterAll(async () => {
    for (const key of Object.keys(ENV)) delete process.env[key];
    await host?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  const sandboxed = () => host.app.spaces.sandboxing.kind === "sandbox" && host.app.spaces.sandboxing.cgroups !== undefined;
  const rt = () => host.app.runtimes.get("alice/lim")!;
  /** What the kernel holds the running app to. */
  const enforced = () => {
    const pid = rt().child!.pid!;
    return {
      memoryMb: Number(cgroupFile(pid, "memory", "memory.limit_in_bytes", "memory.max")) / 1024 / 1024,
      pids: Number(cgroupFile(pid, "pids", "pids.max", "pids.max")),
    };
  };
  const serves = async () => (await fetch(`${host.base}/spaces/alice/lim/app/config`)).status;
  const hardware = (body: unknown, who: string | null = token) =>
    fetch(`${host.base}/api/spaces/alice/lim/hardware`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(who ? { authorization: `Bearer ${who}` } : {}) },
      body: JSON.stringify(body),
    });
  /** `npm run spaces -- …` as alice against this host: its output and exit code. */
  const cli = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", join(root, "host", "cli.ts"), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, SPACES_DATA: dataDir, SPACES_HOST: host.base, HF_TOKEN: token },
    }).then(
      ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
      (err: { stdout: string; stderr: string; code: number }) => ({ stdout: err.stdout, stderr: err.stderr, code: err.code }),
    );

  test("the CLI shows the limits and the ceiling, sets one (the app restarts with it), refuses a bad value, and goes back to the defaults", async () => {
    const shown = await cli("limits", "alice/lim");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(
      "alice/lim (cpu-basic): memory 256 MB, cpus 1 cores, pids 200 processes, disk 64 MB\n" +
        `The host's ceiling: memory 1024 MB, cpus ${host.app.spaces.sandboxing.limits.max.cpus} cores, pids 400 processes, disk 128 MB\n`,
    );
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 256, pids: 200 });
    const before = rt().child!.pid;

    const set = await cli("limits", "alice/lim", "--memory", "512", "--pids", "300");
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^alice\/lim \(custom\): memory 512 MB, cpus 1 cores, pids 300 processes, disk 64 MB\n/);
    expect(rt().child!.pid).not.toBe(before); // restarted
    expect(await serves()).toBe(200);
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 512, pids: 300 });

    for (const [args, message] of [
      [["--memory", "4096"], "memory: at most 1024 MB on this host."],
      [["--memory", "lots"], "memory: expected a positive number."],
      [["--memory"], "--memory needs a value."],
      [["--gpus", "1"], "Unknown option --gpus: use --memory, --cpus, --pids, --disk or --default."],
    ] as const) {
      const refused = await cli("limits", "alice/lim", ...args);
      expect(refused, args.join(" ")).toEqual({ stdout: "", stderr: `${message}\n`, code: 1 }); // no stack
    }
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 512, pids: 300 }); // refusals change nothing

    const reset = await cli("limits", "alice/lim", "--default");
    expect(reset.stdout).toMatch(/^alice\/lim \(cpu-basic\): memory 256 MB, cpus 1 cores, pids 200 processes, disk 64 MB\n/);
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 256, pids: 200 });
    expect(await serves()).toBe(200);
  });

  test("the Hub's hardware API: HF's CPU flavors are the host's defaults and ceiling, GPUs are refused with what is offered", async () => {
    const upgrade = await hardware({ flavor: "cpu-upgrade", sleepTimeSeconds: 3600 });
    expect(upgrade.status).toBe(200);
    const max = host.app.spaces.sandboxing.limits.max;
    expect(await upgrade.json()).toMatchObject({
      stage: "RUNNING",
      hardware: { current: "cpu-upgrade", requested: "cpu-upgrade" },
      limits: max,
      limitsMax: max,
    });
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 1024, pids: 400 });
    expect(await serves()).toBe(200);

    const gpu = await hardware({ flavor: "t4-small" });
    expect(gpu.status).toBe(400);
    expect((await gpu.json()).error).toBe(
      `This host has no "t4-small" hardware: it offers cpu-basic (memory 256 MB, cpus 1 cores, pids 200 processes, disk 64 MB) and cpu-upgrade (memory 1024 MB, cpus ${max.cpus} cores, pids 400 processes, disk 128 MB).`,
    );
    const basic = await hardware({ flavor: "cpu-basic" });
    expect(await basic.json()).toMatchObject({ hardware: { current: "cpu-basic" }, limits: { memoryMb: 256, pids: 200 } });
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 256, pids: 200 });
    // The Space info (huggingface_hub's space_info) carries the same runtime.
    const info = await (await fetch(`${host.base}/api/spaces/alice/lim`)).json();
    expect(info.runtime).toMatchObject({ hardware: { current: "cpu-basic" }, limits: { memoryMb: 256 } });
  });

  test("this host's own {limits}: set some, clear one with null; over the ceiling is a 400; only the owner may", async () => {
    const set = await hardware({ limits: { memoryMb: 768, pids: 100 } });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ hardware: { current: "custom" }, limits: { memoryMb: 768, pids: 100, diskMb: 64 } });
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 768, pids: 100 });
    const before = rt().child!.pid;

    const cleared = await hardware({ limits: { memoryMb: null } });
    expect(await cleared.json()).toMatchObject({ limits: { memoryMb: 256, pids: 100 } });
    if (sandboxed()) expect(enforced()).toEqual({ memoryMb: 256, pids: 100 });
    expect(rt().child!.pid).not.toBe(before);

    // The same limits again change nothing: the app is not restarted.
    const same = rt().child!.pid;
    expect((await hardware({ limits: { pids: 100 } })).status).toBe(200);
    expect(rt().child!.pid).toBe(same);

    for (const [body, message] of [
      [{ limits: { memoryMb: 2048 } }, "memory: at most 1024 MB on this host."],
      [{ limits: { cpus: -1 } }, "cpus: expected a positive number."],
      [{ limits: { diskMb: 100.5 } }, "disk: expected a whole number."],
      [{ limits: { gpus: 1 } }, 'Unknown limit "gpus": use memoryMb, cpus, pids, diskMb.'],
      [{ limits: [] }, 'limits: expected an object, e.g. {"memoryMb": 4096}.'],
      [
        { flavor: "cpu-basic", limits: {} },
        'Send {"flavor": "cpu-basic" | "cpu-upgrade"} or {"limits": {"memoryMb": …, "cpus": …, "pids": …, "diskMb": …}}.',
      ],
      [{ flavor: "cpu-basic", sleepTimeSeconds: "soon" }, "sleepTimeSeconds: expected a whole number of seconds."],
    ] as const) {
      const refused = await hardware(body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect((await refused.json()).error).toBe(message);
    }
    expect((await hardware({ limits: { memoryMb: 512 } }, bobToken)).status).toBe(403);
    expect((await hardware({ limits: { memoryMb: 512 } }, null)).status).toBe(401);
    // Nothing of those changed the Space.
    expect(await (await fetch(`${host.base}/api/spaces/alice/lim/runtime`)).json()).toMatchObject({
      limits: { memoryMb: 256, pids: 100 },
    });
    expect(rt().child!.pid).toBe(same);
  });
});

/**
 * A sandbox's way out to the internet: what a build's `npm ci` needs to reach the registry, and
 * what apps get when the host sets `SPACE_EGRESS=on`. The sandbox's network namespace is made by
 * the host (`unshare --net`, owned by the host's own user namespace, so nothing inside can change
 * its routes); bwrap shares it and waits on {@link BLOCK_FD} until `slirp4netns` has plugged a
 * user-mode TCP/IP stack into it. slirp4netns runs on the host and makes each connection the
 * sandbox asks for as an ordinary socket — so the sandbox reaches what the host reaches, except:
 *
 * - `--disable-host-loopback`: nothing on the host's 127.0.0.1 (the host's own port, other
 *   Spaces' apps in dev mode, a database bound to loopback);
 * - the host's other addresses and link-local ones: a route in the sandbox's namespace prohibits
 *   them (`ip route add prohibit`, set by root: nothing inside may change it), since a
 *   connection slirp4netns makes comes from the host itself — past a firewall that keeps the
 *   host's services bound to all interfaces from the outside — and 169.254.169.254 is a cloud's
 *   metadata service, with the machine's credentials;
 * - other Spaces: their apps listen in namespaces of their own, reached by Unix sockets only.
 *
 * Other machines of the host's private network stay reachable (see docs/). slirp4netns itself
 * runs in a mount namespace of its own with no capabilities left (`--enable-sandbox`) and a
 * seccomp filter (`--enable-seccomp`), in the sandbox's cgroup, and ends with the sandbox (or
 * with the host: `--exit-fd`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readlinkSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import type { Cgroup } from "./cgroups.ts";

/** The fd on which a sandbox with egress waits (bwrap `--block-fd`) until its network is plugged in. */
export const BLOCK_FD = 4;

/** The sandbox's resolver: slirp4netns's forwarder to the host's own (never the host's resolv.conf, which may name its loopback). */
export const RESOLV_CONF = "nameserver 10.0.2.3\n";

/** How to install what egress needs. */
export const EGRESS_INSTALL_LINE = "apt-get install -y slirp4netns";

/**
 * Whether slirp4netns can be run here.
 *
 * @example
 * if (!egressAvailable()) throw new Error(`needs slirp4netns: ${EGRESS_INSTALL_LINE}`);
 */
export function egressAvailable(): boolean {
  return !spawnSync("slirp4netns", ["--version"], { stdio: "ignore" }).error;
}

/**
 * Whether running apps get egress: `SPACE_EGRESS=on|off` (default off).
 *
 * @throws {Error} on another value, or "on" without slirp4netns (with the install line).
 * @example
 * appEgress("on") // → true (where slirp4netns is installed)
 */
export function appEgress(value = process.env.SPACE_EGRESS): boolean {
  const asked = value?.trim() || "off";
  if (asked !== "on" && asked !== "off") throw new Error(`SPACE_EGRESS must be "on" or "off", got ${JSON.stringify(asked.slice(0, 40))}.`);
  if (asked === "on" && !egressAvailable()) throw new Error(`SPACE_EGRESS=on needs slirp4netns: ${EGRESS_INSTALL_LINE}`);
  return asked === "on";
}

/**
 * Where a sandbox's traffic may not go though slirp4netns would take it: the host's own
 * addresses, and link-local ones (169.254.169.254, a cloud's metadata service).
 */
function prohibited(): string[] {
  const own = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === "IPv4" && !a.internal)
    .map((a) => `${a!.address}/32`);
  return [...own, "169.254.0.0/16"];
}

/** Adds a `prohibit` route for each of {@link prohibited} in the network namespace of `pid`, as root. */
function prohibitRoutes(pid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ip = spawn("nsenter", [`--net=/proc/${pid}/ns/net`, "ip", "-batch", "-"], { stdio: ["pipe", "ignore", "pipe"] });
    let errors = "";
    ip.stderr!.on("data", (d: Buffer) => (errors += d.toString()));
    ip.once("error", (err) => reject(new Error(`nsenter could not start (${err.message}): apt-get install -y util-linux iproute2`)));
    ip.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`ip route: ${errors.trim() || `code ${code}`} (apt-get install -y iproute2)`)),
    );
    ip.stdin!.on("error", () => {});
    ip.stdin!.end(
      prohibited()
        .map((range) => `route add prohibit ${range}\n`)
        .join(""),
    );
  });
}

/** bwrap's first status line on fd 3 ("child-pid"): by then `unshare --net` has made the sandbox's namespace. */
function started(sandbox: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const status = sandbox.stdio[3] as NodeJS.ReadableStream;
    let text = "";
    const read = (d: Buffer) => {
      text += d.toString();
      if (text.includes('"child-pid"')) done();
    };
    const exited = () => done(new Error("the sandbox ended before its network was plugged in"));
    const done = (err?: Error) => {
      status.off("data", read);
      sandbox.off("exit", exited);
      if (err) reject(err);
      else resolve();
    };
    status.on("data", read);
    sandbox.once("exit", exited);
  });
}

/**
 * Plugs slirp4netns into a sandbox spawned with egress (`spawnSandboxed` with `egress: true`),
 * then lets the sandbox run. slirp4netns ends when the sandbox does; it joins the sandbox's
 * cgroup, so the memory and CPU its traffic costs are the Space's.
 *
 * @throws {Error} when slirp4netns could not configure the network (the sandbox is left waiting: stop it).
 * @example
 * const child = spawnSandboxed({ uid, cgroup, staged, bwrap: args, egress: true }, env);
 * await plugEgress(child, cgroup);
 */
export async function plugEgress(sandbox: ChildProcess, cgroup?: Cgroup): Promise<void> {
  await started(sandbox);
  const pid = sandbox.pid!;
  // Never configure the host's own network: the sandbox's namespace must be another one.
  const netns = (p: number | "self") => readlinkSync(`/proc/${p}/ns/net`);
  if (netns(pid) === netns("self")) throw new Error("the sandbox has no network namespace of its own");
  const slirp = spawn(
    "slirp4netns",
    [
      "--configure",
      "--mtu=65520",
      "--disable-host-loopback",
      "--enable-sandbox",
      "--enable-seccomp",
      "--ready-fd=3",
      "--exit-fd=4",
      String(pid),
      "tap0",
    ],
    // fd 4 is its exit fd: when the host's end closes (the sandbox ended, or the host died), it ends.
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  let errors = "";
  slirp.stderr!.on("data", (d: Buffer) => (errors = (errors + d.toString()).slice(-2000)));
  for (const fd of [3, 4]) (slirp.stdio[fd] as NodeJS.EventEmitter).on("error", () => {});
  for (const dir of cgroup?.dirs ?? [])
    try {
      writeFileSync(join(dir, "cgroup.procs"), String(slirp.pid));
    } catch {
      /* it has exited already (its exit below says why) */
    }
  const end = () => {
    (slirp.stdio[4] as NodeJS.WritableStream & { destroy(): void }).destroy();
    slirp.kill();
  };
  await new Promise<void>((resolve, reject) => {
    (slirp.stdio[3] as NodeJS.ReadableStream).once("data", () => resolve());
    slirp.once("error", (err) => reject(new Error(`slirp4netns could not start (${err.message}): ${EGRESS_INSTALL_LINE}`)));
    slirp.once("exit", (code) => reject(new Error(`slirp4netns exited (code ${code}): ${errors.trim().split("\n").at(-1)}`)));
  })
    .then(() => prohibitRoutes(pid))
    .catch((err: Error) => {
      end();
      throw err;
    });
  if (sandbox.exitCode !== null || sandbox.signalCode !== null) end();
  else sandbox.once("exit", end);
  const unblock = sandbox.stdio[BLOCK_FD] as NodeJS.WritableStream;
  unblock.on("error", () => {}); // the sandbox ended meanwhile: its exit says so
  unblock.end("1");
}

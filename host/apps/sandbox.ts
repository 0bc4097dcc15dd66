/**
 * The sandbox each app and each build runs in: bubblewrap (`bwrap`, what Flatpak uses) with a
 * user, pid, mount, IPC, UTS, cgroup and network namespace of its own, started as the Space's own
 * unprivileged uid (`setpriv`), inside a cgroup of its own (`cgroups.ts`). What it sees:
 *
 * ```
 * /usr, /bin, /lib …        the system, read-only (Node, npm, CA certificates)
 * /home/user/app            the revision's build, read-only
 * /home/user/node_modules   its installed dependencies, read-only (Node and npm look up there too)
 * /data                     SPACE_DATA_DIR: its own disk (`disks.ts`), read-write
 * /tmp, /home/user, /dev/shm private, in memory (each at most SPACE_DISK_MB, and counted in its memory limit)
 * /tmp/gradio               GRADIO_TEMP_DIR: its uploads, on its disk, shared by its revisions
 * /run/space/app.sock       how the host reaches it, the only way in (the folder is on its disk)
 * ```
 *
 * Its network namespace has only a loopback of its own: it can reach no other Space, nothing on
 * the host's loopback, nothing outside — unless it has egress (`egress.ts`: builds, for npm, and
 * apps when SPACE_EGRESS=on), which reaches outside, still never the host's loopback. The app
 * listens on its port in there, as on Hugging Face (7860); `socat`, inside the sandbox, joins
 * that port to a Unix socket the host connects to.
 * Why bubblewrap and not podman or docker: see docs/sandbox.md.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { link, lstat, rm } from "node:fs/promises";
import { join } from "node:path";
import { SPACE_UID_BASE } from "../accounts/accounts.ts";
import { type Cgroup, Cgroups } from "./cgroups.ts";
import { Disks } from "./disks.ts";
import { appEgress, BLOCK_FD, EGRESS_INSTALL_LINE, egressAvailable, RESOLV_CONF } from "./egress.ts";
import { type HostLimits, hostLimits } from "./limits.ts";

/** How apps run: each in its sandbox, or (a laptop, one user) as plain processes of the host's user. */
export type RuntimeKind = "sandbox" | "process";

/** What this host runs apps with, found once at start. */
export interface Sandboxing {
  kind: RuntimeKind;
  /** Memory, CPU and process limits, when the kernel lets the host write them. */
  cgroups?: Cgroups;
  /** A disk per Space, when the host can mount one. */
  disks?: Disks;
  limits: HostLimits;
  /** What the host says at start about isolation, one line each. */
  notes: string[];
  /** Files the sandbox shows as /etc/passwd, /etc/group and /etc/resolv.conf. */
  etc?: string;
  /**
   * A root-only folder with a short path, for the links the host connects through: a Unix
   * socket's path may have at most 107 bytes, and a Space's own folders (long names, a long
   * SPACES_DATA) can be longer. connect(2) follows the link, whose own path is what counts.
   */
  links?: string;
  /** Whether running apps reach the internet (SPACE_EGRESS=on, `egress.ts`); builds always may. */
  egress?: boolean;
}

/** The sandbox's tools, and how to install them. */
const TOOLS = { bwrap: "bubblewrap", socat: "socat", setpriv: "util-linux" };
export const INSTALL_LINE = `apt-get install -y ${[...new Set(Object.values(TOOLS))].join(" ")}`;

const onPath = (command: string) => (process.env.PATH ?? "/usr/bin:/bin").split(":").some((dir) => dir && existsSync(join(dir, command)));

/** The uid the app sees as its own, as on Hugging Face. */
const INSIDE_UID = 1000;

/**
 * Picks the runtime from SPACE_RUNTIME: "sandbox" (the default where bubblewrap is installed),
 * or "process" (dev mode: apps not isolated).
 *
 * @throws {Error} when the sandbox is asked for and a tool is missing, with the install line.
 * @example
 * const sandboxing = chooseRuntime(".spaces"); // at host start
 * for (const line of sandboxing.notes) console.log(line);
 */
export function chooseRuntime(dataDir: string, asked = process.env.SPACE_RUNTIME): Sandboxing {
  const limits = hostLimits();
  if (asked && asked !== "sandbox" && asked !== "process")
    throw new Error(`SPACE_RUNTIME must be "sandbox" or "process", got ${JSON.stringify(asked.slice(0, 40))}.`);
  const missing = Object.keys(TOOLS).filter((tool) => !onPath(tool));
  const usable = !missing.length && process.platform === "linux" && sandboxWorks();
  if (asked === "sandbox" && !usable)
    throw new Error(
      missing.length
        ? `SPACE_RUNTIME=sandbox needs ${missing.join(", ")}: ${INSTALL_LINE}`
        : process.getuid?.() !== 0
          ? "SPACE_RUNTIME=sandbox: the host must run as root to give each Space a uid of its own (or set SPACE_RUNTIME=process on a one-user laptop)."
          : "SPACE_RUNTIME=sandbox: bubblewrap cannot make namespaces here (are user namespaces turned off? sysctl kernel.unprivileged_userns_clone=1).",
    );
  if (asked === "process" || !usable)
    return {
      kind: "process",
      limits,
      notes: [
        `Space host: SPACE_RUNTIME=process: apps are NOT isolated (they run as this user, with its files and network)${asked === "process" ? "" : `; to sandbox them: ${INSTALL_LINE}`}.`,
      ],
    };
  const { cgroups, note: cgroupNote } = Cgroups.detect(dataDir);
  const { disks, note: diskNote } = Disks.detect();
  const egress = appEgress();
  const etc = join(dataDir, "sandbox", "etc");
  const links = join("/run/space-links", createHash("sha256").update(dataDir).digest("hex").slice(0, 12));
  rmSync(links, { recursive: true, force: true }); // a previous host's, whose apps are gone
  mkdirSync(links, { recursive: true, mode: 0o700 });
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, "passwd"), `root:x:0:0:root:/root:/usr/sbin/nologin\nuser:x:${INSIDE_UID}:${INSIDE_UID}::/home/user:/bin/sh\n`);
  writeFileSync(join(etc, "group"), `root:x:0:\nuser:x:${INSIDE_UID}:\n`);
  writeFileSync(join(etc, "resolv.conf"), RESOLV_CONF);
  return {
    kind: "sandbox",
    cgroups,
    disks,
    limits,
    etc,
    links,
    egress,
    notes: [
      `Space host: each app and build runs in its own sandbox (bubblewrap, a uid of its own); ${egress ? "apps reach the internet (SPACE_EGRESS=on)" : "apps have no network (SPACE_EGRESS=off)"}, builds reach it for npm, never the host's loopback.`,
      cgroupNote,
      diskNote,
      ...(egressAvailable()
        ? []
        : [
            `Space host: slirp4netns is missing: builds of Spaces with dependencies cannot reach the npm registry (${EGRESS_INSTALL_LINE}).`,
          ]),
    ],
  };
}

/** Whether bwrap can make the namespaces here, as an unprivileged uid. */
function sandboxWorks(): boolean {
  if (process.getuid?.() !== 0) return false; // a uid per Space, and mounts, need root
  try {
    mkdirSync(STAGE, { recursive: true, mode: 0o755 });
    execFileSync(
      "unshare",
      ["--mount", "--propagation", "private", "setpriv", ...dropTo(SPACE_UID_BASE), "bwrap", ...systemView(), "--unshare-all", "/bin/true"],
      {
        stdio: "ignore",
        timeout: 10_000,
      },
    );
    return true;
  } catch {
    return false;
  }
}

/** setpriv's arguments to become `uid` with no groups, no capabilities, and no way back up. */
export function dropTo(uid: number): string[] {
  return ["--reuid", String(uid), "--regid", String(uid), "--clear-groups", "--no-new-privs"];
}

/** The system, read-only: /usr and Debian's merged-/usr links. */
function systemView(): string[] {
  return [
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--symlink",
    "usr/bin",
    "/bin",
    "--symlink",
    "usr/sbin",
    "/sbin",
  ];
}

/** What one sandbox shows, as host paths. */
export interface SandboxView {
  /** The revision's build (read-only at /home/user/app; a build binds its work folder there writable instead). */
  app?: string;
  /** Its installed dependencies, read-only at /home/user/node_modules: the build's own node_modules is a link to them on the host, which resolves to nothing inside, so Node and npm's PATH walk up to this one. */
  modules?: string;
  /** Read-write at /data. */
  data?: string;
  /** Read-write at /tmp/gradio. */
  uploads?: string;
  /** Read-write at /run/space: where the app's socket is made. */
  socketDir?: string;
  /** Extra read-write folders: host path → sandbox path (a build's work folder). */
  writable?: [string, string][];
  /** The host's made-up passwd, group and resolv.conf. */
  etc: string;
  /** A network namespace the host plugs slirp4netns into (`egress.ts`): bwrap shares it, and waits on fd 4 until it is. */
  egress?: boolean;
}

/** The sandbox's paths, as the app sees them. */
export const INSIDE = {
  app: "/home/user/app",
  home: "/home/user",
  data: "/data",
  uploads: "/tmp/gradio",
  socket: "/run/space/app.sock",
} as const;

/**
 * Where the host's folders are bound before bwrap starts, in a mount namespace of the sandbox's
 * own: bwrap runs as the Space's uid, which may not walk the host's path to them (SPACES_DATA
 * under a 0700 home, say), so root binds each here first, on a fresh tmpfs no one else sees.
 */
export const STAGE = "/run/space-sandbox";

/** The host folders a sandbox's bwrap binds from the stage: host path → name under {@link STAGE}. */
export type Staged = [string, string][];

/**
 * bwrap's arguments for `command` in a sandbox showing `view`; `tmpMb` caps /tmp and the home;
 * and the host folders to bind under {@link STAGE} first. The environment is the spawned
 * process's own (not argv, which `ps` shows).
 *
 * @example
 * const { staged, args } = bwrapArgs(view, 1024, ["npm", "start"]);
 * supervisor.spawn("npm", ["start"], { cwd, env }, about, { uid, cgroup, staged, bwrap: args });
 */
export function bwrapArgs(view: SandboxView, tmpMb: number, command: string[], cwd = INSIDE.app): { staged: Staged; args: string[] } {
  const staged: Staged = [];
  const stage = (path: string) => {
    const name = `s${staged.length}`;
    staged.push([path, name]);
    return `${STAGE}/${name}`;
  };
  const etc = ["ssl", "ca-certificates", "alternatives", "hosts", "nsswitch.conf", "localtime", "mime.types"].flatMap((name) => [
    "--ro-bind-try",
    `/etc/${name}`,
    `/etc/${name}`,
  ]);
  const size = String(tmpMb * 1024 * 1024);
  const ownEtc = stage(view.etc);
  const args = [
    "--unshare-all",
    // A user namespace of its own, in which it may not make another: the kernel's most used way up
    // (Docker's default seccomp profile denies it too).
    "--unshare-user",
    "--disable-userns",
    ...(view.egress ? ["--share-net", "--block-fd", String(BLOCK_FD)] : []),
    "--die-with-parent",
    "--new-session",
    "--uid",
    String(INSIDE_UID),
    "--gid",
    String(INSIDE_UID),
    "--hostname",
    "space",
    "--json-status-fd",
    "3",
    ...systemView(),
    ...etc,
    "--ro-bind",
    `${ownEtc}/passwd`,
    "/etc/passwd",
    "--ro-bind",
    `${ownEtc}/group`,
    "/etc/group",
    "--ro-bind",
    `${ownEtc}/resolv.conf`,
    "/etc/resolv.conf",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // /dev/shm too: bwrap's own is a folder of /dev's tmpfs, uncapped but by the memory cgroup, if any.
    "--size",
    size,
    "--tmpfs",
    "/dev/shm",
    "--size",
    size,
    "--tmpfs",
    "/tmp",
    "--size",
    size,
    "--tmpfs",
    "/home",
    ...(view.app ? ["--ro-bind", stage(view.app), INSIDE.app] : []),
    ...(view.modules ? ["--ro-bind", stage(view.modules), `${INSIDE.home}/node_modules`] : []),
    ...(view.data ? ["--bind", stage(view.data), INSIDE.data] : []),
    ...(view.uploads ? ["--bind", stage(view.uploads), INSIDE.uploads] : []),
    ...(view.socketDir ? ["--bind", stage(view.socketDir), "/run/space"] : []),
    ...(view.writable ?? []).flatMap(([from, to]) => ["--bind", stage(from), to]),
    "--chdir",
    cwd,
    ...command,
  ];
  return { staged, args };
}

/**
 * The app's command inside: `socat` joins the host's Unix socket to the app's port on the
 * sandbox's own loopback, then the app itself (`npm start`) takes over the shell's process.
 * socat's listen backlog is 5 unless told: a burst of connections from the proxy (32 visitors
 * at once) would find it full, and a Unix socket refuses at once (EAGAIN) where TCP would retry.
 */
export function appCommand(command: string[]): string[] {
  return [
    "/bin/sh",
    "-c",
    // socat's errors stay out of the run log: while the app starts, each of the host's readiness
    // checks would log a refused connection.
    `socat UNIX-LISTEN:${INSIDE.socket},fork,umask=077,backlog=511 TCP:127.0.0.1:"$PORT" 2>/dev/null & exec "$@"`,
    "space",
    ...command,
  ];
}

/** How the host starts a sandboxed command: as `uid`, in `cgroup`, with the host folders to stage and bwrap's arguments (which end with the command). */
export interface SandboxLaunch {
  uid: number;
  cgroup?: Cgroup;
  staged: Staged;
  bwrap: string[];
  /** In a network namespace the host makes, to plug slirp4netns into (bwrap's view had `egress`; then `plugEgress`). */
  egress?: boolean;
}

/**
 * The root shell a sandbox starts from, in a mount namespace of its own (`unshare --mount`): it
 * joins the cgroups named before the first "--", binds each host folder (path, name) before the
 * second under a fresh tmpfs at STAGE, then becomes the command after it (setpriv → bwrap). No
 * word of its arguments is the shell's: each is one "$1".
 */
const ENTER = `while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 125; shift; done; shift
mount -t tmpfs -o mode=0755,size=64k stage ${STAGE} || exit 125
while [ "$1" != -- ]; do mkdir "${STAGE}/$2" && mount --bind "$1" "${STAGE}/$2" || exit 125; shift 2; done; shift
exec "$@"`;

/**
 * Starts a sandbox: `unshare` (a mount namespace for the stage) → the root shell above (cgroups,
 * stage) → `setpriv` (the Space's uid) → `bwrap`. Its own process group (stop it with the
 * supervisor, or kill the group); stdout and stderr are piped, and fd 3 carries bwrap's JSON
 * status (its init's pid and namespaces, then its exit code).
 *
 * @example
 * const { staged, args } = bwrapArgs(view, 1024, ["npm", "ci"]);
 * const child = spawnSandboxed({ uid, cgroup, staged, bwrap: args }, { PATH: "/usr/bin:/bin", HOME: INSIDE.home });
 */
export function spawnSandboxed(sandbox: SandboxLaunch, env: NodeJS.ProcessEnv): ChildProcess {
  const entry = ["/bin/sh", "-c", ENTER, "enter", ...(sandbox.cgroup?.dirs ?? []), "--", ...sandbox.staged.flat(), "--"];
  const unshare = sandbox.egress ? ["--mount", "--net"] : ["--mount"];
  return spawn(
    "unshare",
    [...unshare, "--propagation", "private", ...entry, "setpriv", ...dropTo(sandbox.uid), "bwrap", ...sandbox.bwrap],
    {
      env,
      cwd: "/",
      detached: true,
      // fd 3: bwrap's status; fd 4 (egress): what bwrap waits on until its network is plugged in.
      stdio: ["ignore", "pipe", "pipe", "pipe", ...(sandbox.egress ? (["pipe"] as const) : [])],
    },
  );
}

/**
 * Pins the socket an app made in its socket folder (`made`, which the app may change at will) to
 * `pinned`, a path in a folder only root may change, and says whether it is a socket. The host
 * then only ever connects to `pinned`: connect(2) follows symlinks, so were the host to use
 * `made`, an app could point it at any socket on the machine (another Space's, a daemon's) and
 * have the host, as root, carry its visitors' requests there. A hard link is the socket's inode
 * itself, never a symlink's target (link(2) does not follow one); a link to anything but a
 * socket is refused and removed.
 *
 * @example
 * if (await pinSocket(join(socketDir, "app.sock"), `${socketDir}.sock`)) await appStatus(`${socketDir}.sock`, "/config");
 */
export async function pinSocket(made: string, pinned: string): Promise<boolean> {
  try {
    await link(made, pinned);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") return false; // not made yet
  }
  if ((await lstat(pinned)).isSocket()) return true;
  await rm(pinned, { force: true });
  return false;
}

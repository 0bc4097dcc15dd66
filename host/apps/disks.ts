/**
 * Each Space's disk: its persistent data and its uploads live on a file system of their own, an
 * ext4 image of `diskMb` (sparse: it takes on the host only what is written) loop-mounted at the
 * Space's disk folder. A full disk is the Space's alone: its writes fail with ENOSPC and no other
 * Space or the host notices. The image is made owned by the Space's uid, so its app can write
 * there and nowhere else.
 *
 * Where loop devices can't be mounted (the host is not root, no `mkfs.ext4`), the disk is a plain
 * folder: the host says so at start.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { chown, mkdir, rm, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Whether `dir` is a mount point (its device differs from its parent's). */
export function mounted(dir: string): boolean {
  const here = statSync(dir, { throwIfNoEntry: false });
  const parent = statSync(dirname(dir), { throwIfNoEntry: false });
  return Boolean(here && parent && here.dev !== parent.dev);
}

/**
 * @example
 * const { disks, note } = Disks.detect();
 * await disks?.attach(paths.image, paths.disk, 10240, 3000001); // before the app starts
 * await disks?.detach(paths.disk);                               // when the Space is deleted
 */
export class Disks {
  private constructor() {}

  /** Whether this host can mount a disk per Space, and one line saying so. */
  static detect(): { disks?: Disks; note: string } {
    const missing = [
      process.getuid?.() !== 0 && "the host is not root",
      !existsSync("/dev/loop-control") && "no /dev/loop-control",
      !["/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"].some(existsSync) && "no mkfs.ext4 (apt-get install e2fsprogs)",
    ].filter(Boolean);
    if (missing.length)
      return { note: `Space host: no disk limit per Space (${missing.join(", ")}): each Space's data is a plain folder.` };
    return { disks: new Disks(), note: "Space host: each Space's data and uploads are on a disk image of its own (SPACE_DISK_MB)." };
  }

  /**
   * Makes the image (once, at `diskMb`, owned by `uid`) and mounts it at `dir` unless it is.
   * A larger `diskMb` than the image's grows it.
   *
   * @throws {Error} when mkfs or mount fails.
   */
  async attach(image: string, dir: string, diskMb: number, uid: number): Promise<void> {
    await mkdir(dir, { recursive: true });
    const bytes = diskMb * 1024 * 1024;
    if (!existsSync(image)) {
      mkdirSync(dirname(image), { recursive: true });
      await truncate(image, bytes).catch(async () => {
        await run("truncate", ["-s", String(bytes), image]);
      });
      // lazy_itable_init and lazy_journal_init: mkfs writes almost nothing (4 MB for 10 GB, not 69 MB).
      await run("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", `root_owner=${uid}:${uid},lazy_itable_init=1,lazy_journal_init=1`, image]);
    } else if ((await stat(image)).size < bytes && !mounted(dir)) {
      await run("truncate", ["-s", String(bytes), image]);
      await run("e2fsck", ["-f", "-p", image]).catch(() => undefined);
      await run("resize2fs", [image]);
    }
    if (!mounted(dir)) await run("mount", ["-o", "loop,nodev,nosuid", image, dir]);
    await chown(dir, uid, uid);
  }

  /** Unmounts the Space's disk (its image stays, unless `remove`). */
  async detach(dir: string, image?: string): Promise<void> {
    if (existsSync(dir) && mounted(dir)) await run("umount", ["-l", dir]).catch(() => undefined);
    if (image) await rm(image, { force: true });
  }
}

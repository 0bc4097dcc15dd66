/**
 * The one way the host runs git on a Space's bare repository (`git http-backend`, a CGI, is its
 * own thing: `http-backend.ts`). git runs without the machine's config — Debian's git-lfs turns
 * LFS filters on system-wide in /etc/gitconfig, and a smudge filter would try to download from
 * a remote a bare repository does not have — and with no HOME of its own.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";

/** What a git run may add: its stdin, and environment on top of the clean one (an index file, an author). */
export interface GitOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
}

/**
 * Starts `git --git-dir <repo> …args` with the clean environment, for a caller that streams its
 * output (`git archive` into tar).
 *
 * @example
 * const archive = gitProcess(repo, ["archive", "--format=tar", sha]);
 * archive.stdout.pipe(tar.stdin);
 */
export function gitProcess(
  repo: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcessByStdio<Writable, Readable, Readable> {
  return spawn("git", ["--git-dir", repo, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/**
 * Runs git on a bare repository and returns its stdout; a failure throws with git's message.
 *
 * @example
 * const head = (await git(repo, ["rev-parse", "HEAD"])).toString().trim();
 */
export function git(repo: string, args: string[], { input, env }: GitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = gitProcess(repo, args, env);
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.on("error", reject);
    // "close", not "exit": only then has all of stdout been read.
    child.on("close", (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`git ${args[0]} failed (${code}): ${err.trim()}`)),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

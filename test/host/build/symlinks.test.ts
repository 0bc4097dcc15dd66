/**
 * Committed symbolic links never make the host, or `npm ci`, read outside the Space's own
 * tree: a link whose text leads out (absolute, or `..` past the top) is refused by the
 * pre-receive hook before any ref moves; a chain of links that passes that rule and still
 * leads out fails the build, and the revision before keeps serving.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, tinySpaceRepo } from "../harness.ts";

describe.skipIf(!gitLfsPresent("Space host symlink tests"))("symbolic links in a pushed Space", () => {
  let temp: string;
  let dataDir: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let token: string;
  let git: Awaited<ReturnType<typeof gitUser>>["git"];
  let fails: Awaited<ReturnType<typeof gitUser>>["fails"];
  const remote = (space: string) => remoteUrl(host.base, space, "alice", token);
  const runtime = async (space: string) =>
    (await (await fetch(`${host.base}/api/spaces/${space}/runtime`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      stage: string;
      sha: string | null;
    };

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), "host-symlinks-"));
    dataDir = join(temp, "data");
    const accounts = new Accounts(dataDir);
    token = accounts.createToken("alice");
    host = await inProcessHost({ dataDir, accounts, stopGraceMs: 1000 });
    ({ git, fails } = await gitUser(temp));
  });
  afterAll(async () => {
    await host.close();
    rmSync(temp, { recursive: true, force: true });
  });

  /** A tiny Space with `links` (path → target) committed on top. */
  const spaceWith = async (name: string, links: Record<string, string>) => {
    const dir = await tinySpaceRepo(git, temp, name);
    for (const [path, target] of Object.entries(links)) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      symlinkSync(target, join(dir, path));
    }
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "links");
    return dir;
  };

  test("a link out of the repository, absolute or relative, is refused before any ref moves, and nothing of the target is shown", async () => {
    const tokenHash = (
      JSON.parse(readFileSync(join(dataDir, "accounts.json"), "utf8")) as { users: Record<string, { tokens: { sha256: string }[] }> }
    ).users.alice!.tokens[0]!.sha256;
    const absolute = await spaceWith("abs", { "model.onnx": "/etc/passwd" });
    const said = await fails(absolute, "push", remote("alice/abs"), "main");
    expect(said).toContain('model.onnx is a symbolic link to the absolute path "/etc/passwd"');
    expect(said).toContain("pre-receive hook declined");
    expect(said).not.toContain("root:");

    // From the build folder, data/builds/<sha>/.npmrc → ../../accounts.json is the accounts file.
    const relative = await spaceWith("rel", { ".npmrc": "../../accounts.json", "docs/key": "../../session.key" });
    const saidRel = await fails(relative, "push", remote("alice/rel"), "main");
    expect(saidRel).toContain('.npmrc is a symbolic link out of the repository ("../../accounts.json")');
    expect(saidRel).not.toContain(tokenHash);
    for (const space of ["alice/abs", "alice/rel"]) {
      expect((await runtime(space)).sha).toBeNull(); // nothing was deployed
      expect((await git(temp, "ls-remote", remote(space))).stdout).toBe(""); // and no ref moved
    }
  });

  test("links inside the Space are kept; a chain that leads out fails the build and the revision before keeps serving", async () => {
    const dir = await spaceWith("links", { "docs/card.md": "../README.md", lib: "docs" });
    const pushed = await git(dir, "push", remote("alice/links"), "main");
    expect(pushed.stderr).toContain("Your Space is live");
    const good = (await git(dir, "rev-parse", "HEAD")).stdout.trim();
    expect(await runtime("alice/links")).toMatchObject({ stage: "RUNNING", sha: good });

    // Each link's text stays inside (x/y/b → z; x/y/a → x/y/b/../../.. = the top), but on the
    // files b is z at the top, so a reaches one folder above the build: the other builds.
    mkdirSync(join(dir, "z"));
    writeFileSync(join(dir, "z", "kept.txt"), "git keeps no empty folder\n");
    mkdirSync(join(dir, "x", "y"), { recursive: true });
    symlinkSync("../../z", join(dir, "x", "y", "b"));
    symlinkSync("b/../../..", join(dir, "x", "y", "a"));
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "a chain of links");
    const chain = await git(dir, "push", remote("alice/links"), "main");
    expect(chain.stderr).toContain("x/y/a is a symbolic link that leads out of the Space's files");
    expect(chain.stderr).toContain(`still serving ${good.slice(0, 12)}`);
    expect((await runtime("alice/links")).sha).toBe(good);
    expect((await fetch(`${host.base}/spaces/alice/links/app/config`)).status).toBe(200);
  });
});

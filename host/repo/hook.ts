/**
 * The program behind the bare repositories' hooks (thin shims, as gitea's and piku's). git runs
 * it with "<old> <new> <ref>" lines on stdin.
 *
 * - `pre-receive`: refuses, before any ref moves (so nothing half-pushed is kept), a push to any
 *   ref but main (other branches, tags, deleting main), and a push to main whose tree is not a
 *   Space (no README.md card, or no package.json — no index.html for `sdk: static`) or holds a
 *   symbolic link out of the repository.
 * - `post-receive`: hands the pushed refs to the host, which builds and starts the Space, and
 *   copies the host's streamed log to stdout — which git shows the pusher as `remote:` lines.
 *
 * Everything it needs arrives in the environment the host gave git http-backend.
 */
import { git } from "./git.ts";
import { symlinksIn } from "./read.ts";
import { linkOutside, mainUpdate, notASpace, refusedRefs } from "./rules.ts";

const hook = process.argv[2];
let input = "";
for await (const chunk of process.stdin) input += chunk;
const main = mainUpdate(input);

if (hook === "pre-receive") {
  const wrongRef = refusedRefs(input);
  if (wrongRef) {
    console.log(`Space host: refused: ${wrongRef}`);
    process.exit(1);
  }
  if (main) {
    // git runs the hook in the repository, the pushed objects still in quarantine: the
    // variables that name it are passed on, or the new commit could not be read.
    const quarantine = Object.fromEntries(
      ["GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH"].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]!]] : [],
      ),
    );
    const repo = process.env.GIT_DIR ?? ".";
    const top = (await git(repo, ["ls-tree", "--name-only", "-z", main], { env: quarantine })).toString().split("\0");
    const readme = top.includes("README.md")
      ? (await git(repo, ["cat-file", "blob", `${main}:README.md`], { env: quarantine }).catch(() => Buffer.alloc(0))).toString()
      : undefined;
    const refused =
      notASpace((path) => top.includes(path), readme) ??
      (await symlinksIn(repo, main, quarantine)).map(({ path, target }) => linkOutside(path, target)).find(Boolean);
    if (refused) {
      console.log(`Space host: refused: ${refused}`);
      process.exit(1);
    }
  }
} else {
  const url = process.env.SPACE_HOOK_URL;
  const token = process.env.SPACE_HOOK_TOKEN;
  const space = process.env.SPACE_ID;
  if (!url || !token || !space) {
    console.log("Space host hook: no SPACE_HOOK_URL/SPACE_HOOK_TOKEN/SPACE_ID in the environment; not deploying.");
    process.exit(0);
  }
  try {
    const body = JSON.stringify({ space, updates: input, publicUrl: process.env.SPACE_PUBLIC_URL });
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      process.stdout.write(decoder.decode(chunk, { stream: true }));
  } catch (err) {
    console.log(`Space host hook: could not reach the host (${(err as Error).message}); the push is stored but not deployed.`);
  }
}

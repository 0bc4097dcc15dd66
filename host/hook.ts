/**
 * The program behind the bare repositories' hooks (thin shims, as gitea's and piku's). git runs
 * it with "<old> <new> <ref>" lines on stdin.
 *
 * - `pre-receive`: refuses a push to main whose tree is not a Space (no README.md card or no
 *   package.json), before any ref moves, so nothing half-pushed is kept.
 * - `post-receive`: hands the pushed refs to the host, which builds and starts the Space, and
 *   copies the host's streamed log to stdout — which git shows the pusher as `remote:` lines.
 *
 * Everything it needs arrives in the environment the host gave git http-backend.
 */
import { execFileSync } from "node:child_process";

const hook = process.argv[2];
let input = "";
for await (const chunk of process.stdin) input += chunk;
const mainUpdate = input
  .split("\n")
  .map((line) => line.trim().split(" "))
  .find(([, rev, ref]) => ref === "refs/heads/main" && /^[0-9a-f]{40,64}$/.test(rev ?? "") && !/^0+$/.test(rev!));

if (hook === "pre-receive") {
  if (mainUpdate) {
    const has = (path: string) => {
      try {
        execFileSync("git", ["cat-file", "-e", `${mainUpdate[1]}:${path}`], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    };
    const missing = ["README.md", "package.json"].filter((path) => !has(path));
    if (missing.length) {
      console.log(
        `Space host: refused: a Space needs ${missing.join(" and ")} at the top of main (README.md holds the card, package.json the start script).`,
      );
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

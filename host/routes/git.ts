/**
 * git smart HTTP under /spaces/<owner>/<name>(.git): clone and fetch for whoever may read the
 * Space, push for its owner (creating it on the first push, as Hugging Face does). The real
 * `git http-backend` does the work; the hooks it runs find their way back to the host through
 * the environment given here.
 */
import { Hono, type Context } from "hono";
import { readable, writable, type HostEnv } from "../accounts/auth.ts";
import { challenged, HostError, refusal, unknownPath } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { publicBase } from "../public-url.ts";
import { gitHttpBackend } from "../repo/http-backend.ts";
import { describeBytes } from "./body.ts";
import { ensureRepo } from "../repo/repository.ts";
import { repoParams, type HostDeps } from "./deps.ts";

/** What a push's body holds besides its pack: the ref updates and capabilities, as pkt-lines. */
const PUSH_COMMANDS_BYTES = 64 * 1024;

/** A pkt-line: its length in 4 hex digits (itself included), then the payload. */
const pktLine = (payload: string) => `${(Buffer.byteLength(payload) + 4).toString(16).padStart(4, "0")}${payload}`;

/**
 * A push refused for its size before its body is read: 413, except to git itself (it says it
 * accepts a receive-pack result), which would show a 413 only as "RPC failed; HTTP 413". git is
 * answered in its own words instead: an error on side band 3, which it prints to the pusher
 * (git always asks for the side band over HTTP). Nothing was read, so nothing is stored.
 */
function tooLargePush(c: Context, maxPushBytes: number): Response {
  const message = `Space host: this push is larger than ${describeBytes(maxPushBytes)} (${maxPushBytes} bytes), the most a push may carry here (SPACE_MAX_PUSH_BYTES); nothing was stored.`;
  if (!(c.req.header("accept") ?? "").includes("application/x-git-receive-pack-result")) throw new HostError(413, message);
  return new Response(`${pktLine(`\x03${message}`)}0000`, {
    headers: { "content-type": "application/x-git-receive-pack-result", "cache-control": "no-cache" },
  });
}

/** The paths git asks for under a repository's URL. */
const GIT_PATHS = ["info/refs", "HEAD", "git-upload-pack", "git-receive-pack"];

/**
 * The git routes. Refusals are plain text, which git shows the person pushing or cloning; a 401
 * asks for Basic credentials, so git prompts for a token.
 *
 * @example
 * app.route("/", gitRoutes(deps)); // git clone http://127.0.0.1:7861/spaces/alice/demo
 */
export function gitRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError((err, c) => {
    const e = refusal(err, c, challenged);
    return c.text(`${e.message}\n`, e.status);
  });
  const serve = async (c: Context<HostEnv>, rest: string, writes: boolean) => {
    const { owner, name } = repoParams((n) => c.req.param(n));
    const space = writes ? writable(deps.accounts, c, owner, name, { create: true }) : readable(deps.accounts, c, owner, name, true);
    const paths = spacePaths(deps.dataDir, space.owner, space.name);
    // A push over SPACE_MAX_PUSH_BYTES: git's own limit refuses the pack with a message the
    // pusher sees (receive.maxInputSize); the body's size is the backstop, before and while it is read.
    const limit = rest === "git-receive-pack" ? deps.maxPushBytes + PUSH_COMMANDS_BYTES : undefined;
    if (limit !== undefined && Number(c.req.header("content-length") ?? 0) > limit) return tooLargePush(c, deps.maxPushBytes);
    await ensureRepo(paths);
    const env = {
      SPACE_HOOK_URL: `${deps.selfUrl()}/_internal/deploy`,
      SPACE_HOOK_TOKEN: deps.hookToken,
      SPACE_ID: `${space.owner}/${space.name}`,
      // The share URL the pusher is shown is built from the address they pushed to.
      SPACE_PUBLIC_URL: publicBase(c),
    };
    return gitHttpBackend(c.req.raw, {
      projectRoot: `${deps.dataDir}/repos`,
      pathInfo: `/${space.owner}/${space.name}.git/${rest}`,
      remoteUser: c.var.user,
      env,
      ...(limit !== undefined ? { config: { "receive.maxInputSize": String(deps.maxPushBytes) }, maxBodyBytes: limit } : {}),
    });
  };
  app.get("/spaces/:owner/:repo/info/refs", (c) => {
    const service = c.req.query("service");
    if (service !== "git-upload-pack" && service !== "git-receive-pack")
      throw new HostError(400, "Only smart HTTP is served: ask for info/refs?service=git-upload-pack or git-receive-pack.");
    return serve(c, "info/refs", service === "git-receive-pack");
  });
  app.get("/spaces/:owner/:repo/HEAD", (c) => serve(c, "HEAD", false));
  app.post("/spaces/:owner/:repo/git-upload-pack", (c) => serve(c, "git-upload-pack", false));
  app.post("/spaces/:owner/:repo/git-receive-pack", (c) => serve(c, "git-receive-pack", true));
  for (const path of GIT_PATHS) app.all(`/spaces/:owner/:repo/${path}`, unknownPath);
  return app;
}

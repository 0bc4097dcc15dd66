/**
 * The post-receive hook's way in: after a push to main, `host/hook.ts` posts the updated refs
 * here with this process's hook token, and the deploy's build log streams back as the response,
 * which git shows the pusher as `remote:` lines, ending with the share URL and the app's origin.
 */
import { Hono } from "hono";
import { timingSafeEqual } from "node:crypto";
import type { HostEnv } from "../accounts/auth.ts";
import { appOrigin } from "../apps/origin.ts";
import { HostError } from "../errors.ts";
import { BODY_CAPS, jsonObject } from "./body.ts";
import { mainUpdate } from "../repo/rules.ts";
import { describePolicy } from "../rollout/policy.ts";
import type { HostDeps } from "./deps.ts";

/**
 * The /_internal routes (refusals as `{"error": …}`, mounted with the API).
 *
 * @example
 * api.route("/", internalRoutes(deps)); // host/repo/hook.ts posts to /_internal/deploy
 */
export function internalRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.post("/_internal/deploy", async (c) => {
    const sent = Buffer.from(c.req.header("authorization") ?? "");
    const expected = Buffer.from(`Bearer ${deps.hookToken}`);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) throw new HostError(403, "Not for you.");
    const {
      space: id = "",
      updates = "",
      publicUrl,
    } = (await jsonObject(c, BODY_CAPS.hook)) as { space?: string; updates?: string; publicUrl?: string };
    const [owner = "", name = ""] = id.split("/");
    const space = deps.accounts.space(owner, name);
    if (!space) throw new HostError(404, `No Space ${id}.`);
    const sha = mainUpdate(updates);
    if (!sha) return c.text("Nothing to deploy: only pushes to main are built.\n");
    const rt = deps.spaces.runtime(id);
    const encoder = new TextEncoder();
    const base = (publicUrl || deps.selfUrl()).replace(/\/+$/, "");
    const share = `${base}/spaces/${id}`;
    const origin = appOrigin(base, deps.accounts.subdomainOf(owner, name));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (text: string) => controller.enqueue(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
        const stop = rt.buildLog.follow((line) => send(line.data));
        const problem = await deps.spaces.deploy(space, sha).then(
          () => undefined,
          (err: unknown) => {
            if (err instanceof HostError) return err.message;
            throw err;
          },
        );
        stop();
        send(
          problem
            ? `Deploy failed: ${problem}${rt.sha ? ` (still serving ${rt.sha.slice(0, 12)})` : ""}`
            : `Your Space is live: ${share}\nIts app, on its own origin: ${origin}/`,
        );
        if (!problem && rt.rollout?.active && rt.rollout.candidateSha === sha) {
          send(`Rollout started: ${sha.slice(0, 12)} next to ${rt.rollout.stableSha.slice(0, 12)}, ${describePolicy(rt.rollout.policy)}.`);
          send(
            `Watch it: ${share}?tab=rollout (or GET ${share.replace(/\/spaces\//, "/api/spaces/")}/runtime); npm run spaces -- promote|rollback ${id}`,
          );
        }
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
  });
  return app;
}

/**
 * The host's HTTP API for Spaces, with Hugging Face's paths: the runtime (stage, revision),
 * variables and secrets (owner only; a change restarts the app), the build and run logs as
 * server-sent events of `{"data": line, "timestamp": …}`, and the files at HEAD.
 */
import { Hono } from "hono";
import { readable, writable, type HostEnv } from "../auth.ts";
import { HostError } from "../errors.ts";
import { listTree, spacePaths } from "../repos.ts";
import type { LogLine } from "../runtime.ts";
import { sseResponse } from "../../src/gradio/sse.ts";
import type { HostDeps } from "./deps.ts";

/** One log line as Hugging Face's log API frames it. */
const logFrame = (line: LogLine) => `data: ${JSON.stringify(line)}\n\n`;

/** The /api/spaces routes. */
export function apiRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  const { accounts, spaces } = deps;

  app.get("/api/spaces/:owner/:name/runtime", (c) => {
    const space = readable(accounts, c, c.req.param("owner"), c.req.param("name"));
    return c.json(spaces.runtime(`${space.owner}/${space.name}`).toJSON());
  });

  // Variables are shown to the owner; secrets only by name, never their values.
  app.get("/api/spaces/:owner/:name/variables", (c) => {
    const space = writable(accounts, c, c.req.param("owner"), c.req.param("name"));
    return c.json({ variables: space.variables, secrets: Object.keys(space.secrets) });
  });
  for (const kind of ["variables", "secrets"] as const) {
    app.post(`/api/spaces/:owner/:name/${kind}`, async (c) => {
      const { owner, name } = writable(accounts, c, c.req.param("owner"), c.req.param("name"));
      const { key, value } = (await c.req.json().catch(() => ({}))) as { key?: unknown; value?: unknown };
      if (typeof key !== "string" || typeof value !== "string") throw new HostError(422, 'Send {"key": "NAME", "value": "…"}');
      try {
        accounts.setEnv(owner, name, kind, key, value);
      } catch (err) {
        throw new HostError(422, (err as Error).message);
      }
      const rt = spaces.runtime(`${owner}/${name}`);
      const problem = rt.sha ? await spaces.restart(accounts.space(owner, name)!) : undefined;
      if (problem) throw new HostError(500, `Saved, but the app did not restart: ${problem}`);
      return c.json({ ok: true, restarted: Boolean(rt.sha) });
    });
  }

  app.get("/api/spaces/:owner/:name/tree", async (c) => {
    const space = readable(accounts, c, c.req.param("owner"), c.req.param("name"));
    return c.json(await listTree(spacePaths(deps.dataDir, space.owner, space.name).repo));
  });

  app.get("/api/spaces/:owner/:name/logs/:kind", (c) => {
    const space = readable(accounts, c, c.req.param("owner"), c.req.param("name"));
    const kind = c.req.param("kind");
    if (kind !== "build" && kind !== "run") throw new HostError(404, `No ${kind.slice(0, 40)} log: ask for logs/build or logs/run.`);
    const rt = spaces.runtime(`${space.owner}/${space.name}`);
    const log = kind === "build" ? rt.buildLog : rt.runLog;
    return sseResponse((stream) => {
      for (const line of log.lines) stream.write(logFrame(line));
      return log.follow((line) => stream.write(logFrame(line)));
    }, ": keep-alive\n\n");
  });
  return app;
}

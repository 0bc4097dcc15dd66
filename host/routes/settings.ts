/**
 * A Space's settings and controls, with Hugging Face's paths and shapes: the runtime (stage,
 * revision, and a rollout's numbers and decisions), variables, secrets and hardware (owner only;
 * a change restarts the app), restart and pause (`restart_space`, `pause_space`), promote and roll back a
 * rollout (owner only), and the build and run logs as server-sent events of
 * `{"data": line, "timestamp": …}`.
 */
import { existsSync } from "node:fs";
import { Hono } from "hono";
import { sseResponse } from "../../src/gradio/sse.ts";
import type { SpaceRecord } from "../accounts/accounts.ts";
import { readable, writable, type HostEnv } from "../accounts/auth.ts";
import { appOrigin } from "../apps/origin.ts";
import { publicBase } from "../public-url.ts";
import { HostError } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { resolveRevision } from "../repo/read.ts";
import { type LogLine, recordedInRuntime } from "../spaces/runtime.ts";
import type { HostDeps } from "./deps.ts";
import { deleteEnv, setEnv, setLimits, setSleepTime, setVisibility } from "./changes.ts";
import { runtimeJSON } from "./hardware.ts";
import { BODY_CAPS, jsonObject } from "./body.ts";
import { hubSpace, idOf } from "./hub.ts";

/** One log line as Hugging Face's log API frames it. */
const logFrame = (line: LogLine) => `data: ${JSON.stringify(line)}\n\n`;

/**
 * The settings routes.
 *
 * @example
 * // huggingface_hub against this host (HF_ENDPOINT=http://127.0.0.1:7861):
 * // HfApi().add_space_secret("alice/demo", "API_KEY", "…"); HfApi().pause_space("alice/demo")
 */
export function settingsRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  const { accounts, spaces } = deps;

  app.get("/api/spaces/:owner/:name/runtime", (c) => {
    const space = readable(accounts, c, c.req.param("owner"), c.req.param("name"));
    // With where its app is, which the Hub gives in the Space's info only.
    return c.json({ ...runtimeJSON(spaces, space), host: appOrigin(publicBase(c), accounts.subdomainOf(space.owner, space.name)) });
  });

  // The Hub's shapes (huggingface_hub's get_space_variables, add_space_variable,
  // add_space_secret, delete_space_secret…): variables are shown to the owner as
  // {KEY: {value, description?, updatedAt}}; secrets only as {KEY: {description?, updatedAt}},
  // never their values.
  const listed = (space: SpaceRecord, kind: "variables" | "secrets") =>
    Object.fromEntries(
      Object.keys(space[kind]).map((key) => [
        key,
        { ...(kind === "variables" ? { value: space.variables[key] } : {}), ...(space.envInfo?.[kind]?.[key] ?? {}) },
      ]),
    );
  for (const kind of ["variables", "secrets"] as const) {
    app.get(`/api/spaces/:owner/:name/${kind}`, (c) =>
      c.json(listed(writable(accounts, c, c.req.param("owner"), c.req.param("name")), kind)),
    );
    app.post(`/api/spaces/:owner/:name/${kind}`, async (c) => {
      const space = writable(accounts, c, c.req.param("owner"), c.req.param("name"));
      const { owner, name } = space;
      const { key, value, description } = await jsonObject(c, BODY_CAPS.settings);
      if (
        typeof key !== "string" ||
        typeof value !== "string" ||
        (description !== undefined && description !== null && typeof description !== "string")
      ) {
        throw new HostError(422, 'Send {"key": "NAME", "value": "…", "description": "…" (optional)}');
      }
      await setEnv(deps, space, kind, key, value, description ?? undefined);
      return c.json(kind === "variables" ? listed(accounts.space(owner, name)!, kind) : {});
    });
    app.delete(`/api/spaces/:owner/:name/${kind}`, async (c) => {
      const space = writable(accounts, c, c.req.param("owner"), c.req.param("name"));
      const { owner, name } = space;
      const { key } = await jsonObject(c, BODY_CAPS.settings);
      if (typeof key !== "string") throw new HostError(422, 'Send {"key": "NAME"}');
      await deleteEnv(deps, space, kind, key);
      return c.json(kind === "variables" ? listed(accounts.space(owner, name)!, kind) : {});
    });
  }

  // request_space_hardware: HF's {"flavor": "cpu-upgrade"} or this host's {"limits": {"memoryMb": 4096}}
  // (`hardware.ts`); answers the runtime, as the Hub does.
  app.post("/api/spaces/:owner/:name/hardware", async (c) => {
    const space = hubSpace(deps, c, "write");
    await setLimits(deps, space, await jsonObject(c, BODY_CAPS.settings));
    return c.json(runtimeJSON(spaces, accounts.space(space.owner, space.name)!));
  });

  // update_repo_settings / update_repo_visibility: PUT {"private": bool} (HF's gated and xetEnabled are not this host's).
  app.put("/api/spaces/:owner/:name/settings", async (c) => {
    const space = hubSpace(deps, c, "write");
    const body = await jsonObject(c, BODY_CAPS.settings);
    if (body.private !== undefined) setVisibility(deps, space, body.private);
    return c.json({ private: accounts.space(space.owner, space.name)!.private });
  });

  // set_space_sleep_time: {"seconds": n} (-1: never); answers the runtime, whose gcTimeout says it.
  app.post("/api/spaces/:owner/:name/sleeptime", async (c) => {
    const space = hubSpace(deps, c, "write");
    setSleepTime(deps, space, (await jsonObject(c, BODY_CAPS.settings)).seconds);
    return c.json(runtimeJSON(spaces, accounts.space(space.owner, space.name)!));
  });

  // A rollout under way (`rollout/`): the owner promotes the new revision or rolls it back.
  app.post("/api/spaces/:owner/:name/rollout/:action{promote|rollback}", async (c) => {
    const space = writable(accounts, c, c.req.param("owner"), c.req.param("name"));
    const action = c.req.param("action") as "promote" | "rollback";
    await spaces[action](space, c.var.user!); // a HostError 409 when it cannot
    return c.json(spaces.runtime(`${space.owner}/${space.name}`).rollout!.toJSON());
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

  // restart_space (?factory=true builds main's head again) and pause_space; both answer the runtime.
  app.post("/api/spaces/:owner/:name/restart", async (c) => {
    const space = hubSpace(deps, c, "write");
    const rt = spaces.runtime(idOf(space));
    const repo = spacePaths(deps.dataDir, space.owner, space.name).repo;
    const head = existsSync(repo) ? await resolveRevision(repo, "refs/heads/main") : undefined;
    if (c.req.query("factory") === "true" || !rt.sha) {
      if (!head) throw new HostError(400, `${idOf(space)} has nothing to run yet: commit or push its files first.`);
      await spaces.deploy(space, head).catch(recordedInRuntime);
    } else await spaces.restart(space).catch(recordedInRuntime);
    return c.json(runtimeJSON(spaces, space));
  });
  app.post("/api/spaces/:owner/:name/pause", async (c) => {
    const space = hubSpace(deps, c, "write");
    await spaces.pause(space);
    return c.json(runtimeJSON(spaces, space));
  });
  return app;
}

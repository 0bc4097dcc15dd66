/**
 * The Space host's app: who is asking (`auth.ts`), then the route modules — pages, the API, the
 * Hub API the official clients speak, git, Git LFS, the apps themselves and the hooks' way in — and one error handler that turns every
 * refusal into its status (`errors.ts`). It plays huggingface.co/spaces: the same
 * /spaces/<owner>/<name> URL is the Space's page and its git remote.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { Accounts } from "./accounts.ts";
import { identify, type HostEnv } from "./auth.ts";
import { HostError, hostErrorResponse } from "./errors.ts";
import { Lifecycle, type LifecycleOptions } from "./spaces/lifecycle.ts";
import type { SpaceRuntime } from "./spaces/runtime.ts";
import { apiRoutes } from "./routes/api.ts";
import { appRoutes } from "./routes/app.ts";
import type { HostDeps } from "./routes/deps.ts";
import { gitRoutes } from "./routes/git.ts";
import { hubRoutes } from "./routes/hub.ts";
import { internalRoutes } from "./routes/internal.ts";
import { lfsRoutes } from "./routes/lfs.ts";
import { pageRoutes } from "./routes/pages.ts";

/** Options of {@link createHostApp}: where state lives, and the lifecycle's timings. */
export interface HostOptions extends LifecycleOptions {
  /** Users, tokens and Spaces (default: SPACES_DATA/accounts.json). */
  accounts?: Accounts;
  /** The host's own address as its hooks reach it, e.g. http://127.0.0.1:7861 (known once listening). */
  selfUrl: () => string;
  /** How long an API request to a sleeping Space is held while it wakes (default 30 s). */
  wakeHoldMs?: number;
  /** The largest file a push may carry (default SPACE_MAX_FILE_BYTES, or 5 GB as on Hugging Face). */
  maxFileBytes?: number;
}

/** The host app, with its Spaces' lifecycle (restore at start, shutdown at stop). */
export type HostApp = Hono<HostEnv> & { spaces: Lifecycle; runtimes: Map<string, SpaceRuntime> };

/** The key that signs session cookies, made once per data folder so sessions survive restarts. */
function sessionKey(dataDir: string): string {
  const file = join(dataDir, "session.key");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
  return readFileSync(file, "utf8").trim();
}

/**
 * @example
 * const app = createHostApp({ dataDir: ".spaces", selfUrl: () => "http://127.0.0.1:7861" });
 * serve({ fetch: app.fetch, port: 7861 });
 * await app.spaces.restore(console.log);
 * // git push http://alice:$TOKEN@localhost:7861/spaces/alice/demo main
 */
export function createHostApp({
  accounts,
  selfUrl,
  wakeHoldMs = 30_000,
  maxFileBytes = Number(process.env.SPACE_MAX_FILE_BYTES ?? 5e9),
  ...lifecycle
}: HostOptions): HostApp {
  accounts ??= new Accounts(lifecycle.dataDir);
  const spaces = new Lifecycle(accounts, lifecycle);
  const deps: HostDeps = {
    dataDir: lifecycle.dataDir,
    accounts,
    spaces,
    sessionKey: sessionKey(lifecycle.dataDir),
    hookToken: randomBytes(24).toString("hex"),
    selfUrl,
    maxFileBytes,
    wakeHoldMs,
  };
  const app = new Hono<HostEnv>() as HostApp;
  app.spaces = spaces;
  app.runtimes = spaces.runtimes;
  app.onError(hostErrorResponse);
  app.notFound((c) => hostErrorResponse(new HostError(404, `Not found: ${c.req.path.slice(0, 200)}`), c));
  app.use(identify(accounts, deps.sessionKey));
  for (const routes of [internalRoutes, apiRoutes, hubRoutes, lfsRoutes, gitRoutes, appRoutes, pageRoutes]) app.route("/", routes(deps));
  return app;
}

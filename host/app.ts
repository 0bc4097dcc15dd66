/**
 * The Space host's app: who is asking (`accounts/auth.ts`), then the route modules — the API
 * (the Hub's repository, file and settings routes, and the hooks' way in), Git LFS, git, the
 * apps themselves and the pages — each answering refusals in its own clients' dialect
 * (`errors.ts`). It plays huggingface.co/spaces: the same /spaces/<owner>/<name> URL is the
 * Space's page and its git remote, and each app has an origin of its own as on hf.space
 * (`routes/app.ts`, docs/origins.md).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { Accounts } from "./accounts/accounts.ts";
import { identify, type HostEnv } from "./accounts/auth.ts";
import { appDomain } from "./apps/origin.ts";
import { envNumber } from "./config.ts";
import { HostError, jsonError, pageError, unknownPath } from "./errors.ts";
import { Lifecycle, type LifecycleOptions } from "./spaces/lifecycle.ts";
import type { SpaceRuntime } from "./spaces/runtime.ts";
import { accountPageRoutes } from "./routes/account-pages.ts";
import { appOrigins, appRoutes } from "./routes/app.ts";
import type { HostDeps } from "./routes/deps.ts";
import { fileRoutes } from "./routes/files.ts";
import { gitRoutes } from "./routes/git.ts";
import { internalRoutes } from "./routes/internal.ts";
import { lfsRoutes } from "./routes/lfs.ts";
import { newSpaceRoutes } from "./routes/new-space.ts";
import { pageRoutes } from "./routes/pages.ts";
import { repoRoutes } from "./routes/repos.ts";
import { settingsRoutes } from "./routes/settings.ts";
import { renamedSpaces, spaceSettingsRoutes } from "./routes/space-settings.ts";

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
  /** The largest push — a git pack, an LFS batch upload in total — (default SPACE_MAX_PUSH_BYTES, or 5 GB). */
  maxPushBytes?: number;
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
 * Stops the host at start when HOST_APP_DOMAIN is no domain, or would swallow the host's own
 * public name (every name under it is an app's, so the host's pages would all answer 404).
 */
function checkAppDomain(): void {
  const domain = appDomain().replace(/:\d+$/, "");
  const publicUrl = process.env.HOST_PUBLIC_URL;
  const hostName = publicUrl ? new URL(publicUrl).hostname.toLowerCase() : "";
  if (hostName && (hostName === domain || hostName.endsWith(`.${domain}`)))
    throw new Error(`HOST_APP_DOMAIN=${domain} holds the host's own name (${hostName}, HOST_PUBLIC_URL): apps need a domain of their own.`);
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
  maxFileBytes = envNumber("SPACE_MAX_FILE_BYTES", 5e9),
  maxPushBytes = envNumber("SPACE_MAX_PUSH_BYTES", 5e9),
  ...lifecycle
}: HostOptions): HostApp {
  checkAppDomain();
  accounts ??= new Accounts(lifecycle.dataDir);
  // Users' token hashes, every Space's secrets, the cookie key, private repositories: the host's
  // alone. A sandbox never walks this path (root binds what it shows), so no one else needs to.
  chmodSync(lifecycle.dataDir, 0o700);
  const spaces = new Lifecycle(accounts, lifecycle);
  const deps: HostDeps = {
    dataDir: lifecycle.dataDir,
    accounts,
    spaces,
    sessionKey: sessionKey(lifecycle.dataDir),
    hookToken: randomBytes(24).toString("hex"),
    selfUrl,
    maxFileBytes,
    maxPushBytes,
    wakeHoldMs,
  };
  const app = new Hono<HostEnv>() as HostApp;
  app.spaces = spaces;
  app.runtimes = spaces.runtimes;
  app.use(identify(accounts, deps.sessionKey));
  // A name under HOST_APP_DOMAIN is an app's origin: none of the host's own routes answers there.
  app.use(appOrigins(deps));
  app.use(renamedSpaces(deps)); // a renamed Space's old name: 307 to the new one
  // The API answers in JSON (`{"error": …}`, as the Hub does), its unknown paths too.
  const api = new Hono<HostEnv>();
  api.onError(jsonError);
  for (const routes of [internalRoutes, settingsRoutes, repoRoutes, fileRoutes]) api.route("/", routes(deps));
  for (const path of ["/api/*", "/_internal/*", "/spaces/:owner/:name/resolve/*", "/spaces/:owner/:name/raw/*"]) api.all(path, unknownPath);
  app.route("/", newSpaceRoutes(deps)); // its /api/…/duplicate before the API's catch-all
  app.route("/", api);
  for (const routes of [lfsRoutes, gitRoutes, appRoutes, spaceSettingsRoutes, pageRoutes, accountPageRoutes]) app.route("/", routes(deps));
  // Any other path is the pages': a page for a browser, text otherwise.
  app.notFound((c) => pageError(new HostError(404, `Not found: ${c.req.path.slice(0, 200)}`), c));
  app.onError(pageError);
  return app;
}

/**
 * A Space's settings page for its owner (`GET /spaces/<owner>/<name>/settings`, `pages/space-settings.ts`)
 * and its forms (`POST …/settings/<section>`, each CSRF-checked, answered 303 back to the page or
 * the page again with the message and a 4xx). Anyone but the owner gets 404, as for a private
 * Space. The changes themselves are `changes.ts`'s, which the Hub API shares.
 *
 * Also the redirects of renamed Spaces ({@link renamedSpaces}): a request for an old name's page,
 * git remote, app path or API answers 307 to the same path under the new name.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { SpaceRecord } from "../accounts/accounts.ts";
import { canRead, checkNames, formGuard, refuseReadOnly, type HostEnv } from "../accounts/auth.ts";
import { isValidName } from "../accounts/names.ts";
import { HostError, pageError } from "../errors.ts";
import { type SettingsSection, spaceSettingsPage } from "../pages/space-settings.ts";
import { BODY_CAPS, hostForm } from "./body.ts";
import { deleteEnv, renameSpace, setEnv, setLimits, setSleepTime, setVisibility } from "./changes.ts";
import type { HostDeps } from "./deps.ts";

/** A Space's id in a host or API path, with what comes after it: /spaces/o/n…, /api/spaces/o/n…, o/n.git too. */
const SPACE_PATH = /^(\/(?:api\/)?spaces\/)([^/]+)\/([^/]+?)(\.git)?(\/.*)?$/;

/**
 * Middleware: a request for a renamed Space's old name answers 307 (method and body kept: git's
 * pushes, API posts) to the same path and query under its new name — when no Space has the old
 * name since, and the caller may read the Space (a stranger asking for a private one goes on to
 * its 404, or git's 401).
 *
 * @example
 * app.use(renamedSpaces(deps)); // GET /spaces/alice/old/info/refs?… → 307 /spaces/alice/new/info/refs?…
 */
export function renamedSpaces({ accounts }: HostDeps): MiddlewareHandler<HostEnv> {
  return async (c, next) => {
    const match = SPACE_PATH.exec(c.req.path);
    const [, prefix = "", owner = "", name = "", git = "", rest = ""] = match ?? [];
    if (!match || !isValidName(owner) || !isValidName(name) || accounts.space(owner, name)) return next();
    const to = accounts.renamedTo(owner, name);
    const space = to && accounts.space(to.owner, to.name);
    if (!space || !canRead(c.var.user, space)) return next();
    const query = new URL(c.req.url).search;
    return c.redirect(`${prefix}${space.owner}/${space.name}${git}${rest}${query}`, 307);
  };
}

/** The words of `?saved=`, by section. */
const SAVED: Record<string, string> = {
  variables: "variables",
  secrets: "secrets",
  visibility: "visibility",
  limits: "resources",
  sleep: "sleep time",
  rename: "the Space was renamed",
};

/**
 * The settings page's routes.
 *
 * @example
 * app.route("/", spaceSettingsRoutes(deps)); // GET /spaces/alice/demo/settings
 */
export function spaceSettingsRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError(pageError);
  const { accounts, spaces } = deps;

  /** The Space if `user` owns it; 404 otherwise (a stranger learns nothing, not even that it exists). */
  const owned = (c: Context<HostEnv>, user: string | undefined): SpaceRecord => {
    const [owner, name] = [c.req.param("owner") ?? "", c.req.param("name") ?? ""];
    checkNames(owner, name);
    const space = accounts.space(owner, name);
    if (!space || user === undefined || user !== space.owner) throw new HostError(404, `Repository not found: ${owner}/${name}.`);
    return space;
  };
  const page = (c: Context<HostEnv>, space: SpaceRecord, more: { error?: Parameters<typeof spaceSettingsPage>[0]["error"] } = {}) => {
    c.header("cache-control", "no-store");
    return spaceSettingsPage({
      space,
      user: c.var.user!,
      csrf: c.var.csrf,
      host: spaces.sandboxing.limits,
      hostSleepSeconds: spaces.hostSleepAfterMs / 1000,
      saved: SAVED[c.req.query("saved") ?? ""],
      edit: c.req.query("edit"),
      ...more,
    });
  };

  app.get("/spaces/:owner/:name/settings", (c) => c.html(page(c, owned(c, c.var.user))));

  /**
   * A form of section `section`: checked to be the owner's before its body is read, then its CSRF
   * token; `act` makes the change and may say where to go next. A refusal shows the page again.
   */
  const post = (
    path: string,
    section: SettingsSection,
    act: (c: Context<HostEnv>, space: SpaceRecord, fields: Record<string, string>) => Promise<string | undefined> | string | undefined,
    cap: number = BODY_CAPS.form,
  ) =>
    app.post(`/spaces/:owner/:name/settings/${path}`, formGuard(), async (c) => {
      owned(c, c.var.user ?? c.var.unconfirmed); // a stranger's body is never read
      const fields = await hostForm(c, cap);
      const space = owned(c, c.var.user);
      try {
        refuseReadOnly(c); // a session made with a read token changes nothing
        const next = await act(c, space, fields);
        return c.redirect(next ?? `/spaces/${space.owner}/${space.name}/settings?saved=${section}#${section}`, 303);
      } catch (err) {
        if (!(err instanceof HostError)) throw err;
        const { value: _value, csrf: _csrf, ...kept } = fields; // a secret's value is never sent back
        const shown = section === "secrets" ? kept : { ...kept, ...(fields.value !== undefined ? { value: fields.value } : {}) };
        const now = accounts.space(space.owner, space.name) ?? space;
        return c.html(page(c, now, { error: { section, message: err.message, fields: shown } }), err.status);
      }
    });

  for (const kind of ["variables", "secrets"] as const) {
    post(
      kind,
      kind,
      async (_c, space, { key = "", value = "", description = "" }) => {
        await setEnv(deps, space, kind, key.trim(), value, description.trim() || undefined);
        return undefined;
      },
      BODY_CAPS.settings,
    );
    post(`${kind}/delete`, kind, async (_c, space, { key = "" }) => {
      await deleteEnv(deps, space, kind, key);
      return undefined;
    });
  }
  post("visibility", "visibility", (_c, space, { visibility }) => {
    if (visibility !== "public" && visibility !== "private") throw new HostError(400, "Choose public or private.");
    setVisibility(deps, space, visibility === "private");
    return undefined;
  });
  // Empty fields go back to the host's default; the ceiling is checked by `hardware.ts`.
  post("limits", "limits", async (_c, space, fields) => {
    const limits = Object.fromEntries(
      (["memoryMb", "cpus", "pids", "diskMb"] as const).map((key) => {
        const text = (fields[key] ?? "").trim();
        return [key, text === "" ? null : Number(text)];
      }),
    );
    await setLimits(deps, space, { limits });
    return undefined;
  });
  post("sleep", "sleep", (_c, space, { seconds = "" }) => {
    setSleepTime(deps, space, seconds.trim() === "" ? null : Number(seconds));
    return undefined;
  });
  post("rename", "rename", async (c, space, { name = "" }) => {
    const moved = await renameSpace(deps, space, space.owner, name.trim(), c.var.user);
    return `/spaces/${moved.owner}/${moved.name}/settings?saved=rename`;
  });
  // Deleting asks for the Space's id typed in full, as on Hugging Face.
  post("delete", "delete", async (_c, space, { confirm = "" }) => {
    const id = `${space.owner}/${space.name}`;
    if (confirm.trim() !== id) throw new HostError(400, `To delete it, type ${id} exactly; nothing was deleted.`);
    await spaces.remove(space);
    return `/spaces/${space.owner}`;
  });
  return app;
}

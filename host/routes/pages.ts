/**
 * The host's pages: the front door (`/`), an owner's Spaces (`/spaces/<owner>`), sign-in and
 * sign-out, and each Space's page (`/spaces/<owner>/<name>`) with its app in an iframe.
 */
import { Hono, type Context } from "hono";
import {
  canRead,
  checkNames,
  checkSignInNonce,
  formGuard,
  readable,
  signIn,
  signInNonce,
  signOut,
  writable,
  type HostEnv,
} from "../accounts/auth.ts";
import { HostError, pageError } from "../errors.ts";
import { spacesPage, type SpaceSummary } from "../pages/home.ts";
import { spaceMenus } from "../pages/new-space.ts";
import { safeNext, signInPage } from "../pages/sign-in.ts";
import { SPACE_SCRIPT_PATH, spaceScript } from "../pages/script.ts";
import { spacePage } from "../pages/space.ts";
import { publicBase } from "../public-url.ts";
import { appOrigin } from "../apps/origin.ts";
import { appUrl } from "./app.ts";
import { BODY_CAPS, formBody, hostForm } from "./body.ts";
import type { HostDeps } from "./deps.ts";

/**
 * The page routes; a refusal is a page for a browser (text for anything else).
 *
 * @example
 * app.route("/", pageRoutes(deps));
 */
export function pageRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError(pageError);
  const { accounts, spaces } = deps;

  /** The Spaces this visitor may see, newest first, optionally of one owner. */
  const visible = (c: Context<HostEnv>, owner?: string): SpaceSummary[] =>
    accounts
      .spaces()
      .filter((s) => canRead(c.var.user, s) && (owner === undefined || s.owner === owner))
      .map((s) => {
        const id = `${s.owner}/${s.name}`;
        const rt = spaces.runtimes.get(id);
        return { id, private: s.private, stage: rt?.stage ?? "NO_APP_FILE", card: rt?.card ?? {} };
      });
  const list = (c: Context<HostEnv>, heading: string, owner?: string) =>
    c.html(
      spacesPage({
        heading,
        spaces: visible(c, owner),
        search: (c.req.query("search") ?? "").slice(0, 200),
        user: c.var.user,
        here: c.req.path,
        origin: publicBase(c),
        csrf: c.var.csrf,
        admin: accounts.isAdmin(c.var.user),
      }),
    );

  app.get("/", (c) => list(c, "Spaces"));
  app.get("/spaces", (c) => c.redirect("/", 301));
  app.get("/spaces/:owner", (c) => {
    const owner = c.req.param("owner");
    checkNames(owner, "x");
    return list(c, `${owner}'s Spaces`, owner);
  });

  app.get("/login", (c) => c.html(signInPage({ next: safeNext(c.req.query("next")), nonce: signInNonce(c, deps.sessionKey) })));
  app.post("/login", formGuard(), async (c) => {
    const { user = "", token = "", next = "", csrf } = await formBody(c, BODY_CAPS.form);
    try {
      checkSignInNonce(c, deps.sessionKey, csrf);
      await signIn(c, accounts, deps.sessionKey, user.trim(), token.trim());
    } catch (err) {
      if (!(err instanceof HostError)) throw err;
      // Asked again, with a new nonce.
      return c.html(signInPage({ next: safeNext(next), error: err.message, user, nonce: signInNonce(c, deps.sessionKey) }), err.status);
    }
    return c.redirect(safeNext(next), 303);
  });
  app.post("/logout", formGuard(), async (c) => {
    await hostForm(c); // 16 KB at most, before the caller is known: the token is in it
    signOut(c);
    return c.redirect("/", 303);
  });

  // The Space page's script: revalidated (no-cache) so a new host's bundle is picked up.
  app.get(SPACE_SCRIPT_PATH, (c) => {
    const { body, etag } = spaceScript();
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    return c.body(new Uint8Array(body), 200, {
      "content-type": "text/javascript; charset=utf-8",
      etag,
      "cache-control": "no-cache",
    });
  });
  app.get("/spaces/:owner/:name", (c) => {
    const space = readable(accounts, c, c.req.param("owner"), c.req.param("name"));
    const id = `${space.owner}/${space.name}`;
    const app = {
      origin: appOrigin(publicBase(c), accounts.subdomainOf(space.owner, space.name)),
      url: appUrl(c, deps, space),
    };
    // The iframe's URL holds the owner's pass: no cache keeps it.
    c.header("cache-control", "no-store");
    const menus = spaceMenus({
      id,
      base: publicBase(c),
      user: c.var.user,
      csrf: c.var.csrf,
      created: c.req.query("created") !== undefined,
    });
    return c.html(spacePage(id, spaces.runtime(id).card ?? {}, c.var.user, app, c.var.csrf, menus));
  });
  // The owner's buttons on the Space page's Rollout tab.
  app.post("/spaces/:owner/:name/rollout/:action{promote|rollback}", formGuard(), async (c) => {
    await hostForm(c); // 16 KB at most, before the caller is known: the token is in it
    const space = writable(accounts, c, c.req.param("owner"), c.req.param("name"));
    const action = c.req.param("action") as "promote" | "rollback";
    await spaces[action](space, c.var.user!); // a HostError 409 when it cannot
    return c.redirect(`/spaces/${space.owner}/${space.name}?tab=rollout`, 303);
  });
  return app;
}

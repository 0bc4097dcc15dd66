/**
 * A Space's app, in two forms (docs/origins.md):
 *
 * - **its own origin**, `<owner>-<name>.<HOST_APP_DOMAIN>` (`appOrigins`): where its pages run.
 *   The host's session never reaches it; the owner of a private Space gets in with a pass the
 *   host signs (`?__sign=`, traded for a cookie of that origin), API clients with their token.
 * - **the path form**, `/spaces/<owner>/<name>/app/…` on the host (`appRoutes`), for API clients
 *   (@gradio/client, curl). A browser navigating there is sent to the app's origin, and nothing
 *   the path form answers can act as a page of the host: no cookie of the app's is kept, and
 *   every answer is sandboxed (`Content-Security-Policy: sandbox`, an opaque origin).
 *
 * Either way the app is woken if asleep (a browser is told so, an API client is held until it
 * answers), then proxied (`apps/proxy.ts`) — or, for a static Space (`sdk: static`), its
 * revision's files served (`apps/static-files.ts`).
 */
import { join } from "node:path";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { setCookie } from "hono/cookie";
import type { SpaceRecord } from "../accounts/accounts.ts";
import { canWrite, readable, type HostEnv } from "../accounts/auth.ts";
import { COOKIE_PASS_MS, makePass, PASS_COOKIE, PASS_PARAM, type PassHolder, passHolder } from "../apps/app-pass.ts";
import { appOrigin, subdomainIn } from "../apps/origin.ts";
import { proxyToApp, type AppForm } from "../apps/proxy.ts";
import { serveStaticFile } from "../apps/static-files.ts";
import { HostError, jsonError, pageError, wantsPage } from "../errors.ts";
import { wakingPage } from "../pages/layout.ts";
import { spacePaths } from "../paths.ts";
import { publicBase } from "../public-url.ts";
import type { HostDeps } from "./deps.ts";

/**
 * App pages and APIs for the Space's owner only (the monitor; the review queue): the host
 * answers 404 to anyone else before the request reaches the app, and the app checks the
 * X-Space-User the host sets as well.
 */
const OWNER_ONLY = /^\/(monitor|review|gradio_api\/(monitor|review))(\/|$)/;

/** What a browser loads as a document (a tab, a frame), as opposed to a script's fetch. */
function isNavigation(c: Context): boolean {
  const mode = c.req.header("sec-fetch-mode");
  const dest = c.req.header("sec-fetch-dest");
  return mode === "navigate" || ["document", "iframe", "frame", "embed", "object"].includes(dest ?? "");
}

/**
 * The URL of a Space's app on its own origin, for the caller: with a pass in it when they own
 * the Space (so a private Space opens without a token typed), plain otherwise.
 *
 * @example
 * appUrl(c, deps, space) // → "http://alice-demo.spaces.localhost:7861/?__sign=…" for alice
 */
export function appUrl(c: Context<HostEnv>, deps: HostDeps, space: SpaceRecord, path = "/", search = ""): string {
  const { user, token } = c.var;
  const url = new URL(`${appOrigin(publicBase(c), deps.accounts.subdomainOf(space.owner, space.name))}${path || "/"}${search}`);
  url.searchParams.delete(PASS_PARAM);
  if (canWrite(user, space.owner) && token)
    url.searchParams.set(PASS_PARAM, makePass(deps.sessionKey, "url", `${space.owner}/${space.name}`, { user: user!, tokenId: token.id }));
  return url.href;
}

/** Wakes the Space if it sleeps, checks its owner-only paths, and proxies. */
async function serve(c: Context<HostEnv>, deps: HostDeps, space: SpaceRecord, path: string, form: AppForm): Promise<Response> {
  const id = `${space.owner}/${space.name}`;
  if (OWNER_ONLY.test(path) && !canWrite(c.var.user, space.owner)) throw new HostError(404, "Not found.");
  const rt = deps.spaces.runtime(id);
  const waking = deps.spaces.wake(space, rt);
  if (rt.waking) {
    if (c.req.method === "GET" && wantsPage(c)) return c.html(wakingPage(id), 503, { "retry-after": "3" });
    await Promise.race([waking, new Promise((r) => setTimeout(r, deps.wakeHoldMs))]);
  }
  deps.spaces.touch(space, rt);
  // A static Space (sdk: static) is its files, served here; any other is its app, proxied.
  if (rt.card?.sdk === "static" && rt.serving && rt.sha)
    return serveStaticFile(c, join(spacePaths(deps.dataDir, space.owner, space.name).builds, rt.sha), rt.sha, path, form);
  return proxyToApp(c, rt, form, path);
}

/**
 * Middleware, after `identify`: a request for a name under HOST_APP_DOMAIN is that app's, whatever
 * its path, and never reaches the host's own routes. Who is asking there: a token's user, or the
 * user of this origin's pass cookie — never the host's session.
 *
 * @example
 * app.use(identify(accounts, key));
 * app.use(appOrigins(deps)); // http://alice-demo.spaces.localhost:7861/config → alice/demo's app
 */
export function appOrigins(deps: HostDeps): MiddlewareHandler<HostEnv> {
  return async (c, next) => {
    // Either name says it is an app's: a script on an app's origin can set X-Forwarded-Host on
    // its own requests, and must not reach the host's routes by naming the host there.
    const host = c.req.header("host");
    const forwarded = c.req.header("x-forwarded-host");
    const subdomain = subdomainIn(host) ?? subdomainIn(forwarded);
    if (subdomain === undefined) return next();
    const onError = (err: unknown) => (wantsPage(c) ? pageError(err as Error, c) : jsonError(err as Error, c));
    try {
      const space = deps.accounts.spaceBySubdomain(subdomain);
      if (!space) throw new HostError(404, "No Space here.");
      const id = `${space.owner}/${space.name}`;
      const url = new URL(c.req.url);
      const sign = url.searchParams.get(PASS_PARAM);
      if (sign !== null && (c.req.method === "GET" || c.req.method === "HEAD")) {
        // The host's pass, traded for this origin's cookie; the URL then drops it (history, Referer).
        const holder = livePass(deps, passHolder(deps.sessionKey, "url", id, sign));
        const secure = publicBase(c).startsWith("https:") || /(^|\.)localhost$/.test(new URL(c.req.url).hostname);
        if (holder)
          setCookie(c, PASS_COOKIE, makePass(deps.sessionKey, "cookie", id, holder), {
            path: "/",
            httpOnly: true,
            maxAge: COOKIE_PASS_MS / 1000,
            // In the Space page's iframe the app is a third party: only a partitioned cookie is kept there.
            ...(secure ? { sameSite: "None", secure: true, partitioned: true } : { sameSite: "Lax" }),
          });
        url.searchParams.delete(PASS_PARAM);
        c.header("cache-control", "no-store");
        return c.redirect(`${url.pathname}${url.search}`, 303);
      }
      const user = c.var.via === "token" ? c.var.user : passCounts(c) ? cookiePassUser(c, deps, id) : undefined;
      c.set("user", user);
      if (c.var.via !== "token") c.set("via", undefined); // a pass is no host session
      if (space.private && !canWrite(user, space.owner)) throw new HostError(404, "No Space here.");
      const scheme = new URL(publicBase(c)).protocol.slice(0, -1);
      return await serve(c, deps, space, c.req.path === "/" ? "" : c.req.path, {
        prefix: "",
        host: subdomainHost(host, forwarded),
        scheme,
      });
    } catch (err) {
      return onError(err);
    }
  };
}

/**
 * Whether this origin's pass cookie may speak for the visitor: on the app's own pages and their
 * requests, and on a plain navigation from elsewhere (the Space page's iframe, a link) — whose
 * answer only the app's origin can read. Never on another site's fetch or form post: every app
 * of the host is same-site with the others under HOST_APP_DOMAIN, and Gradio answers CORS for any
 * origin with credentials, so a hostile app's script could otherwise read a private app as its owner.
 */
function passCounts(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site === undefined || site === "none" || site === "same-origin") return true;
  return (c.req.method === "GET" || c.req.method === "HEAD") && isNavigation(c);
}

/**
 * The user of a valid pass among this origin's pass cookies: another app under the same domain
 * may set one with `Domain=` to shadow it, which must not hide (nor stand for) the real one.
 */
function cookiePassUser(c: Context, deps: HostDeps, id: string): string | undefined {
  for (const part of (c.req.header("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== PASS_COOKIE) continue;
    const holder = livePass(deps, passHolder(deps.sessionKey, "cookie", id, part.slice(eq + 1).trim()));
    if (holder) return holder.user;
  }
  return undefined;
}

/** The pass's holder while the token it was made from still works (not revoked, the account not disabled). */
const livePass = (deps: HostDeps, holder: PassHolder | undefined): PassHolder | undefined =>
  holder && deps.accounts.tokenLive(holder.user, holder.tokenId) ? holder : undefined;

/** The app origin's host as the visitor named it (with its port), for the app's Gradio root. */
const subdomainHost = (host: string | undefined, forwarded: string | undefined): string =>
  (subdomainIn(host) !== undefined ? host! : forwarded!.split(",")[0]!.trim()).toLowerCase();

/**
 * The path form's routes. A refusal (a private Space, an app that is down) is a page for a
 * browser and JSON for API clients.
 *
 * @example
 * app.route("/", appRoutes(deps)); // new Client("http://127.0.0.1:7861/spaces/alice/demo/app/")
 */
export function appRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError((err, c) => (wantsPage(c) ? pageError(err, c) : jsonError(err, c)));
  const pathForm = async (c: Context<HostEnv>) => {
    const space = readable(deps.accounts, c, c.req.param("owner")!, c.req.param("name")!);
    // The path after /spaces/<owner>/<name>/app, whatever percent-encoding the names came in.
    const rest = c.req.path.split("/").slice(5);
    const path = rest.length ? `/${rest.join("/")}` : "";
    if (isNavigation(c)) {
      c.header("cache-control", "no-store");
      return c.redirect(appUrl(c, deps, space, path || "/", new URL(c.req.url).search), 302);
    }
    const base = new URL(publicBase(c));
    return serve(c, deps, space, path, {
      prefix: `/spaces/${space.owner}/${space.name}/app`,
      host: base.host,
      scheme: base.protocol.slice(0, -1),
      pathForm: true,
    });
  };
  app.all("/spaces/:owner/:name/app", pathForm);
  app.all("/spaces/:owner/:name/app/*", pathForm);
  return app;
}

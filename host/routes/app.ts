/**
 * A Space's app at /spaces/<owner>/<name>/app/…: woken if asleep (a browser is told so, an API
 * client is held until it answers), then proxied (`apps/proxy.ts`).
 */
import { Hono, type Context } from "hono";
import { canWrite, readable, type HostEnv } from "../accounts/auth.ts";
import { HostError, jsonError, pageError, wantsPage } from "../errors.ts";
import { wakingPage } from "../pages/layout.ts";
import { proxyToApp } from "../apps/proxy.ts";
import type { HostDeps } from "./deps.ts";

/**
 * App pages and APIs for the Space's owner only (the monitor; the review queue): the host
 * answers 404 to anyone else before the request reaches the app, and the app checks the
 * X-Space-User the host sets as well.
 */
const OWNER_ONLY = /^\/(monitor|review|gradio_api\/(monitor|review))(\/|$)/;

/**
 * The app routes. A refusal (a private Space, an app that is down) is a page for a browser
 * opening the app, and JSON for its API clients.
 *
 * @example
 * app.route("/", appRoutes(deps)); // new Client("http://127.0.0.1:7861/spaces/alice/demo/app/")
 */
export function appRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError((err, c) => (wantsPage(c) ? pageError(err, c) : jsonError(err, c)));
  const serve = async (c: Context<HostEnv>) => {
    const space = readable(deps.accounts, c, c.req.param("owner")!, c.req.param("name")!);
    const id = `${space.owner}/${space.name}`;
    // The path after /spaces/<owner>/<name>/app, whatever percent-encoding the names came in.
    const rest = c.req.path.split("/").slice(5);
    const path = rest.length ? `/${rest.join("/")}` : "";
    if (OWNER_ONLY.test(path) && !canWrite(c.var.user, space.owner)) throw new HostError(404, "Not found.");
    const rt = deps.spaces.runtime(id);
    const waking = deps.spaces.wake(space, rt);
    if (rt.waking) {
      if (c.req.method === "GET" && wantsPage(c)) return c.html(wakingPage(id), 503, { "retry-after": "3" });
      await Promise.race([waking, new Promise((r) => setTimeout(r, deps.wakeHoldMs))]);
    }
    deps.spaces.touch(space, rt);
    return proxyToApp(c, rt, `/spaces/${id}/app`, path);
  };
  app.all("/spaces/:owner/:name/app", serve);
  app.all("/spaces/:owner/:name/app/*", serve);
  return app;
}

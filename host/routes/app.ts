/**
 * A Space's app at /spaces/<owner>/<name>/app/…: woken if asleep (a browser is told so, an API
 * client is held until it answers), then proxied (`proxy.ts`).
 */
import { Hono, type Context } from "hono";
import { readable, type HostEnv } from "../auth.ts";
import { wakingPage } from "../pages/layout.ts";
import { proxyToApp } from "../proxy.ts";
import type { HostDeps } from "./deps.ts";

/** The app routes. */
export function appRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  const serve = async (c: Context<HostEnv>) => {
    const space = readable(deps.accounts, c, c.req.param("owner")!, c.req.param("name")!);
    const id = `${space.owner}/${space.name}`;
    const rt = deps.spaces.runtime(id);
    const waking = deps.spaces.wake(space, rt);
    if (rt.waking) {
      if (c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html")) return c.html(wakingPage(id), 503, { "retry-after": "3" });
      await Promise.race([waking, new Promise((r) => setTimeout(r, deps.wakeHoldMs))]);
    }
    deps.spaces.touch(space, rt);
    // The path after /spaces/<owner>/<name>/app, whatever percent-encoding the names came in.
    const rest = c.req.path.split("/").slice(5);
    return proxyToApp(c, rt, `/spaces/${id}/app`, rest.length ? `/${rest.join("/")}` : "");
  };
  app.all("/spaces/:owner/:name/app", serve);
  app.all("/spaces/:owner/:name/app/*", serve);
  return app;
}

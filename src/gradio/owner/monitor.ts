/**
 * The owner's monitor over HTTP: `GET /gradio_api/monitor` (the JSON report) and `GET /monitor`
 * (its charts), for the Space's owner only (`./access.ts`), and `POST /monitor/login`, the
 * sign-in form that sets the owner's cookie when `MONITOR_TOKEN` is set.
 */
import type { Context, Env, Hono } from "hono";
import { setCookie } from "hono/cookie";
import { InputError } from "../../errors.ts";
import type { Monitor, SnapshotQuery } from "../../monitor/index.ts";
import { renderMonitorLogin, renderMonitorPage } from "../../monitor/page.ts";
import { API_PREFIX } from "../protocol.ts";
import { OWNER_COOKIE as COOKIE, ownerOnly, sameSecret as same } from "./access.ts";

/**
 * Reads `?minutes=&bucket=&revision=`; anything else, or a value out of range, is a 400.
 *
 * @example
 * snapshotQuery(new URL("http://x/?minutes=1440")) // → { minutes: 1440, bucket: "minute" }
 */
export function snapshotQuery(url: URL): SnapshotQuery {
  const params = url.searchParams;
  for (const key of params.keys()) {
    if (!["minutes", "bucket", "revision", "__theme"].includes(key))
      throw new InputError(`Unknown monitor parameter "${key.slice(0, 40)}": use minutes, bucket or revision.`, 400);
  }
  const minutesText = params.get("minutes") ?? "60";
  const minutes = Number(minutesText);
  if (!/^\d+$/.test(minutesText) || minutes < 1 || minutes > 43_200)
    throw new InputError(`minutes must be a whole number from 1 to 43200 (30 days), got ${JSON.stringify(minutesText.slice(0, 40))}.`, 400);
  const bucket = params.get("bucket") ?? (minutes > 1440 ? "hour" : "minute");
  if (bucket !== "minute" && bucket !== "hour")
    throw new InputError(`bucket must be "minute" or "hour", got ${JSON.stringify(bucket.slice(0, 40))}.`, 400);
  const revision = params.get("revision") ?? undefined;
  if (revision !== undefined && !/^[\w.-]{1,100}$/.test(revision))
    throw new InputError("revision must be a revision name (letters, digits, '.', '-', '_').", 400);
  return { minutes, bucket, ...(revision ? { revision } : {}) };
}

/**
 * Adds the monitor's routes to `app`.
 *
 * @example
 * monitorRoutes(app, monitor, { title: "Fashion-MNIST classifier", root: (c) => publicRoot(c.req.raw) });
 */
export function monitorRoutes<E extends Env>(
  app: Hono<E>,
  monitor: Monitor,
  { title, root }: { title: string; root: (c: Context) => string },
): void {
  const area = { name: "The monitor", realm: "monitor" };

  app.get(`${API_PREFIX}/monitor`, ownerOnly(area), async (c) => c.json(await monitor.snapshot(snapshotQuery(new URL(c.req.url)))));

  app.get("/monitor", ownerOnly({ ...area, signIn: (c) => renderMonitorLogin({ root: root(c) }) }), async (c) => {
    c.header("cache-control", "no-store");
    return c.html(renderMonitorPage(await monitor.snapshot(snapshotQuery(new URL(c.req.url))), { title, root: root(c) }));
  });

  app.post("/monitor/login", async (c) => {
    const token = process.env.MONITOR_TOKEN;
    if (!token || process.env.SPACE_ID) throw new InputError("Not found.", 404);
    // Only the sign-in form of this Space's own page: a cross-site form cannot set the cookie.
    const site = c.req.header("sec-fetch-site");
    if (site && site !== "same-origin") throw new InputError("Sign in from the monitor's own page.", 403);
    const form = await c.req.parseBody();
    const sent = typeof form.token === "string" ? form.token : "";
    if (!same(sent, token)) return c.html(renderMonitorLogin({ root: root(c), error: "That is not the monitor token." }), 401);
    setCookie(c, COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: root(c).startsWith("https:"),
      maxAge: 30 * 86_400,
    });
    return c.redirect(`${root(c)}/monitor`, 303);
  });
}

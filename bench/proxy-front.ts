/**
 * The host's per-request share-URL work in front of one app, for `npm run bench -- --only speed`:
 * who is asking (`identify`) and `proxyToApp` (header rewriting, piped on Node's kept-alive sockets) to a
 * Space already serving on `appPort`. The host's lifecycle lookups (readable, wake, touch) are
 * map reads and are left out. Usage: tsx bench/proxy-front.ts <appPort> <port>
 */
import { serve } from "@hono/node-server";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { Accounts } from "../host/accounts/accounts.ts";
import { identify, type HostEnv } from "../host/accounts/auth.ts";
import { proxyToApp } from "../host/apps/proxy.ts";
import type { SpaceRuntime } from "../host/spaces/runtime.ts";

const [appPort = "7870", port = "7871"] = process.argv.slice(2);
const accounts = new Accounts(mkdtempSync(join(tmpdir(), "proxy-front-")));
const rt = {
  address: `127.0.0.1:${appPort}`,
  serving: true,
  stage: "RUNNING",
  sessions: new Map<string, string>(),
  events: new Map<string, string>(),
} as unknown as SpaceRuntime;
const app = new Hono<HostEnv>();
app.use(identify(accounts, "bench-session-key"));
app.all("/spaces/bench/space/app/*", (c) =>
  proxyToApp(
    c,
    rt,
    { prefix: "/spaces/bench/space/app", host: `127.0.0.1:${port}`, scheme: "http", pathForm: true },
    `/${c.req.path.split("/").slice(5).join("/")}`,
  ),
);
app.get("/bench/stats", (c) => c.json({ cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage()) }));
serve({ fetch: app.fetch, port: Number(port), hostname: "127.0.0.1" }, () => console.log("ready"));
process.on("SIGINT", () => process.exit(0));

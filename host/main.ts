/**
 * `npm run host`: the Space host. Port from HOST_PORT (default 7861), state under SPACES_DATA
 * (default .spaces/). At start it stops whatever a previous host left running and brings every
 * Space back; at SIGTERM or SIGINT it stops taking requests, stops every app, and exits.
 */
import { serve } from "@hono/node-server";
import { resolve } from "node:path";
import { createHostApp } from "./app.ts";
import { appDomain } from "./apps/origin.ts";
import { envNumber } from "./config.ts";

const port = envNumber("HOST_PORT", 7861);
const dataDir = resolve(process.env.SPACES_DATA ?? ".spaces");
let self = `http://127.0.0.1:${port}`;
let app: ReturnType<typeof createHostApp>;
try {
  app = createHostApp({ dataDir, selfUrl: () => self });
} catch (err) {
  // A setting the host cannot run with (SPACE_RUNTIME=sandbox without bubblewrap, a limit that is not a number): one line, no stack.
  console.error(`Space host: ${(err as Error).message}`);
  process.exit(1);
}
for (const line of app.spaces.sandboxing.notes) console.log(line);
const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST_BIND ?? "0.0.0.0" }, (info) => {
  self = `http://127.0.0.1:${info.port}`;
  console.log(`Space host on ${self} (data in ${dataDir}); each app on its own origin, <owner>-<name>.${appDomain()} (HOST_APP_DOMAIN)`);
  void app.spaces.restore((line) => console.log(line)).then(() => console.log("Space host: every Space is back."));
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping every Space, then exiting.`);
    server.close(); // no new connections
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    await app.spaces.shutdown();
    if ("closeAllConnections" in server) server.closeAllConnections(); // log streams that would never end
    process.exit(0);
  });
}

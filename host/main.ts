/**
 * `npm run host`: the Space host. Port from HOST_PORT (default 7861), state under SPACES_DATA
 * (default .spaces/).
 */
import { serve } from "@hono/node-server";
import { resolve } from "node:path";
import { Accounts } from "./accounts.ts";
import { createHostApp } from "./server.ts";

const port = Number(process.env.HOST_PORT ?? 7861);
const dataDir = resolve(process.env.SPACES_DATA ?? ".spaces");
let self = `http://127.0.0.1:${port}`;
const app = createHostApp({ dataDir, accounts: new Accounts(dataDir), selfUrl: () => self });
const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST_BIND ?? "0.0.0.0" }, (info) => {
  self = `http://127.0.0.1:${info.port}`;
  console.log(`Space host on ${self} (data in ${dataDir})`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => server.close(() => process.exit(0)));

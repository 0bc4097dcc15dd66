/** Writes `host/pages/dist/space.js`, the Space page's bundled script (part of `npm run build:ui`). */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { bundleSpaceScript, SPACE_SCRIPT_DIST } from "./script.ts";

const body = await bundleSpaceScript();
mkdirSync(dirname(SPACE_SCRIPT_DIST), { recursive: true });
writeFileSync(SPACE_SCRIPT_DIST, body);
console.log(`host/pages/dist/space.js  ${(body.length / 1024).toFixed(1)} KB`);

/** `npm run build:ui`: bundles `ui/` into `ui/dist/` (`app.js`, `app.css`, the owner pages' scripts), which the Space serves as they are. */
import { mkdirSync, writeFileSync } from "node:fs";
import { bundleUi, UI_DIST } from "./page.ts";

mkdirSync(UI_DIST, { recursive: true });
for (const [name, body] of Object.entries(await bundleUi())) {
  writeFileSync(`${UI_DIST}${name}`, body);
  console.log(`ui/dist/${name}  ${(body.length / 1024).toFixed(1)} KB`);
}

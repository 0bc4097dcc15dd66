/** The committed web UI bundle (ui/dist/) is what ui/ builds to now: a Space serves it as it is. */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { bundleUi, UI_DIST, UI_FILES } from "../../src/gradio/page.ts";

test("ui/dist/ is fresh: rebuild it with `npm run build:ui` after changing ui/", async () => {
  const fresh = await bundleUi();
  expect(Object.keys(fresh).sort()).toEqual([...UI_FILES].sort());
  for (const name of UI_FILES) {
    const shipped = readFileSync(`${UI_DIST}${name}`);
    expect(Buffer.from(fresh[name]!).equals(shipped), `ui/dist/${name} is stale: run npm run build:ui`).toBe(true);
  }
});

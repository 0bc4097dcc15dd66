/**
 * The Space page's script: the committed bundle (host/pages/dist/space.js) is what
 * host/pages/client/space.ts builds to now, it is valid JavaScript, and the page loads it by
 * `src` whoever views it (nothing a user wrote ends up in a script).
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { bundleSpaceScript, SPACE_SCRIPT_DIST, SPACE_SCRIPT_PATH } from "../../../host/pages/script.ts";
import { spacePage } from "../../../host/pages/space.ts";

describe("the Space page's script", () => {
  test("host/pages/dist/space.js is fresh: rebuild it with `npm run build:ui` after changing host/pages/client/", async () => {
    const fresh = await bundleSpaceScript();
    expect(Buffer.from(fresh).equals(readFileSync(SPACE_SCRIPT_DIST)), "host/pages/dist/space.js is stale: run npm run build:ui").toBe(
      true,
    );
  });

  test("it is valid JavaScript, and the page loads it by src whoever views it", () => {
    expect(() => new Function(readFileSync(SPACE_SCRIPT_DIST, "utf8"))).not.toThrow();
    for (const user of [undefined, "alice"]) {
      const origin = "http://alice-demo.spaces.localhost:7861";
      const page = spacePage("alice/demo", { title: 'A "quoted" </script> title', app_port: 7860 }, user, {
        origin,
        url: `${origin}/?__sign=a"b<c`,
      });
      expect(page.match(/<script[^>]*>/g)).toEqual([`<script type="module" src="${SPACE_SCRIPT_PATH}">`]);
      expect(page).not.toContain("</script> title");
      expect(page).toContain('<body data-space="alice/demo">');
      // The app is embedded from its own origin, its URL escaped.
      expect(page).toContain(`<iframe title="A &#34;quoted&#34; &#60;/script&#62; title" src="${origin}/?__sign=a&#34;b&#60;c"`);
    }
  });
});

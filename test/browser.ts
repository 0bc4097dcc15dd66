/**
 * Browser tests run Debian's own Chromium (`apt-get install chromium`) through playwright-core:
 * no browser is ever downloaded. Without /usr/bin/chromium the browser tests are skipped with a
 * printed reason, except on CI (`CI=true`), where a missing browser must fail the run instead
 * of passing it silently.
 *
 * @example
 * import { hasChromium, launchBrowser } from "./browser.ts";
 * describe.skipIf(!hasChromium)("the page", () => { … const browser = await launchBrowser(); … });
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";

const require = createRequire(import.meta.url);

export const CHROMIUM_PATH = "/usr/bin/chromium";

const MISSING = `${CHROMIUM_PATH} is missing (apt-get install chromium)`;

function chromiumPresent(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === "true") throw new Error(`Browser tests cannot run on CI: ${MISSING}.`);
  console.warn(`Skipping browser tests: ${MISSING}`);
  return false;
}

/** True when the browser tests can run; false (with a warning printed) when they are skipped. Throws on CI without Chromium. */
export const hasChromium: boolean = chromiumPresent();

/**
 * Starts headless Chromium. The fake media flags give the page a webcam (a test pattern) and
 * grant it without a prompt; the others keep the browser from calling home during tests.
 * Each `launch()` gets a fresh, empty user-data dir; use a new context per test for isolation.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
    ],
  });
}

/** Runs axe-core in the page; returns every violation, compactly. */
export async function axeViolations(page: Page) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
          }>;
        };
      }
    ).axe;
    const { violations } = await axe.run();
    return violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`),
    }));
  });
}

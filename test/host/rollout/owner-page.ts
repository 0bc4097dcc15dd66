/** The rollout tests' way onto the Space page as its owner. */
import type { Browser, Page } from "playwright-core";

/**
 * Signs alice in with `token` and opens alice/clf's Rollout tab, as its owner would.
 *
 * @example
 * const page = await openRolloutTab(browser, host.base, token);
 * await page.getByRole("button", { name: "Promote" }).click();
 */
export async function openRolloutTab(browser: Browser, base: string, token: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  await page.goto(`${base}/login?next=${encodeURIComponent("/spaces/alice/clf?tab=rollout")}`);
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/spaces/alice/clf?tab=rollout`);
  return page;
}

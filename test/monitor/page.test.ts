/**
 * The `/monitor` page (issue 10): what its HTML says, that it stays small for a whole day, and
 * in Chromium that every chart is drawn, in both themes, with no serious accessibility fault.
 *
 * The fixture is 90 minutes of simulated traffic over two revisions that went through the real
 * DriftDetector: an early low-confidence episode whose alert ended, then 20 minutes of a flood
 * of "Bag" with many out-of-domain inputs, alerting now on two tests.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { renderMonitorLogin, renderMonitorPage } from "../../src/monitor/page.ts";
import type { Bucket, MonitorSnapshot } from "../../src/monitor/snapshot.ts";
import { axeViolations, hasChromium, launchBrowser } from "../browser.ts";
import { fixture, root } from "../helpers.ts";

const artifacts = join(root, "test/artifacts");
const load = (): MonitorSnapshot => JSON.parse(readFileSync(fixture("monitor-snapshot.json"), "utf8"));
const options = { title: "Fashion-MNIST classifier", root: "http://localhost:7860" };
const CHARTS = ["timeline", "classes", "confidence", "ood", "latency", "requests", "revisions"];
const LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** The snapshot of a period without any traffic yet, before a reference exists. */
const emptySnapshot = (): MonitorSnapshot => ({
  drift: { alert: false, since: null, reasons: [], window: 200, history: [] },
  totals: { requests: 0, errors: 0, out_of_domain: 0 },
  revisions: [],
  buckets: [],
  confidence_bins: Array.from({ length: 11 }, (_, i) => i / 10),
  reference: null,
  labels: LABELS,
  period: { from: "2025-03-14T10:00:00.000Z", to: "2025-03-14T11:00:00.000Z", bucket: "minute" },
});

/** A day of minute buckets (two revisions for the last six hours): the page's size budget. */
function daySnapshot(): MonitorSnapshot {
  const s = load();
  const from = Date.parse("2025-03-13T11:30:00.000Z");
  const template = s.buckets;
  const buckets: Bucket[] = [];
  for (let m = 0; m < 1440; m++) {
    const b = template[m % template.length]!;
    const start = new Date(from + m * 60_000).toISOString();
    buckets.push({ ...b, start, revision: m < 1080 ? "3f9c2ab" : "8d41e07" });
    if (m >= 1080 && m < 1200) buckets.push({ ...b, start, revision: "3f9c2ab", requests: 3, errors: 0, classes: { ...b.classes } });
  }
  return { ...s, buckets, period: { from: new Date(from).toISOString(), to: s.period.to, bucket: "minute" } };
}

describe("the monitor page's HTML", () => {
  const html = renderMonitorPage(load(), options);

  test("is a whole document with its title and links back to the Space and to the JSON", () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain("<title>Monitor · Fashion-MNIST classifier</title>");
    expect(html).toContain('href="http://localhost:7860/"');
    expect(html).toContain('href="http://localhost:7860/gradio_api/monitor"');
    for (const m of [60, 1440, 10080]) expect(html).toContain(`href="?minutes=${m}"`);
    expect(html).toContain("14 Mar 10:00</time> – <time");
  });

  test("the banner says drift, since when, and each reason's detail and test", () => {
    const s = load();
    expect(html).toContain("Drift since");
    expect(html).toContain("14 Mar 11:10 UTC");
    expect(s.drift.reasons).toHaveLength(2);
    for (const r of s.drift.reasons) {
      expect(html).toContain(r.detail);
      expect(html).toContain(
        r.test === "binomial" ? `binomial, ${r.value} of ${r.dof}` : `chi-squared ${r.value.toFixed(1)}, ${r.dof} dof`,
      );
    }
    expect(html).toMatch(/p = \d\.\de-\d+/);
    expect(html).not.toContain("No drift detected");
  });

  test("every label is in the legend, and every chart is an img with a summary", () => {
    const legend = html.match(/<ul class="legend">(.*?)<\/ul>/)![1]!;
    for (const label of LABELS) expect(legend).toContain(`</span>${label} <span class="num">`);
    for (const chart of CHARTS) expect(html).toMatch(new RegExp(`data-chart="${chart}"[^>]*role="img" aria-label="[^"]{20,}"`));
    expect(html).toContain("reference</text>");
  });

  test("a snapshot without alerts shows the green banner", () => {
    const s = load();
    s.drift = { ...s.drift, alert: false, since: null, reasons: [] };
    expect(renderMonitorPage(s, options)).toContain("No drift detected");
  });

  test("a <script> in a label, a revision, a reason or the title is escaped", () => {
    const s = load();
    const evil = "<script>alert(1)</script>";
    s.labels[8] = evil;
    for (const b of s.buckets) b.classes[evil] = b.classes.Bag!;
    s.reference!.classes[evil] = 0.1;
    s.revisions[0]!.revision = evil;
    s.drift.reasons[0]!.detail = `${evil}: 74 %`;
    const out = renderMonitorPage(s, { ...options, title: evil });
    expect(out).not.toContain(evil);
    expect(out).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(out.match(/<script>/g)).toHaveLength(1); // the theme's inline script, nothing else
    expect(out.match(/<script[ >]/g)).toHaveLength(2); // and the refresh module (ui/owner/monitor.ts)
    expect(out).toContain('<script type="module" src="http://localhost:7860/assets/monitor.js"></script>');
  });

  test("buckets of two revisions in the same minute are one column", () => {
    const s = load();
    const b = s.buckets[10]!;
    s.buckets.splice(11, 0, { ...b, revision: "8d41e07", requests: 5, errors: 5, classes: Object.fromEntries(LABELS.map((l) => [l, 0])) });
    const out = renderMonitorPage(s, options);
    expect(out).toContain(`10:10–10:11 UTC · ${b.requests + 5} requests, ${b.errors + 5} errors`);
  });

  test("an empty period without a reference shows the empty states, not broken charts", () => {
    const out = renderMonitorPage(emptySnapshot(), options);
    expect(out.match(/No requests yet in this period/g)!.length).toBeGreaterThanOrEqual(5);
    expect(out).toContain("Collecting the first requests as the reference");
    expect(out).not.toContain("NaN");
    expect(out).not.toContain("Infinity");
    for (const chart of CHARTS) expect(out).toContain(`data-chart="${chart}"`);
  });

  test("a day of minute buckets stays under 150 KB, in at most 120 columns", () => {
    const day = renderMonitorPage(daySnapshot(), options);
    const size = Buffer.byteLength(day);
    console.log(`monitor page: ${Buffer.byteLength(html)} bytes for 90 buckets, ${size} bytes for 1440 minutes`);
    expect(size).toBeLessThan(150_000);
    expect(day).toContain("per 12 minutes");
    expect(day).not.toContain("NaN");
  });
});

describe("the monitor's sign-in page", () => {
  test("posts the token to /monitor/login and says what was wrong", () => {
    const html = renderMonitorLogin({ root: "http://localhost:7860" });
    expect(html).toContain('<form method="post" action="http://localhost:7860/monitor/login">');
    expect(html).toContain('<label for="token">Monitor token</label><input type="password" id="token" name="token"');
    expect(html).toContain("Open the monitor</button>");
    expect(html).not.toContain('role="alert"');
    const failed = renderMonitorLogin({ root: "", error: "Wrong token <b>" });
    expect(failed).toContain('<p class="error" role="alert">Wrong token &#60;b&#62;</p>');
    expect(failed).toContain('action="/monitor/login"');
  });
});

describe.skipIf(!hasChromium)("the monitor page in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
    mkdirSync(artifacts, { recursive: true });
  });
  afterAll(() => browser?.close());

  async function open(html: string, colorScheme: "light" | "dark", width = 1280) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // The page's script, as the app serves it: the committed bundle.
    await page.route("**/assets/monitor.js", (route) =>
      route.fulfill({
        path: join(root, "ui/dist/monitor.js"),
        contentType: "text/javascript; charset=utf-8",
        headers: { "access-control-allow-origin": "*" }, // a module script from another origin than about:blank
      }),
    );
    await page.setContent(html);
    return { page, context, errors };
  }

  for (const scheme of ["light", "dark"] as const) {
    test(`draws every chart in the ${scheme} theme, with no serious axe violation`, async () => {
      const { page, context, errors } = await open(renderMonitorPage(load(), options), scheme);
      for (const chart of CHARTS) {
        const box = await page.locator(`svg[data-chart="${chart}"]`).boundingBox();
        expect(box, chart).not.toBeNull();
        expect(box!.width * box!.height, chart).toBeGreaterThan(0);
      }
      // The refresh checkbox appears only with JavaScript, and does not reload by itself.
      expect(await page.locator("#auto-refresh").isVisible()).toBe(true);
      await page.screenshot({ path: join(artifacts, scheme === "light" ? "monitor.png" : "monitor-dark.png"), fullPage: true });
      const serious = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(serious).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  test("the empty page and the sign-in page have no serious axe violation", async () => {
    for (const html of [renderMonitorPage(emptySnapshot(), options), renderMonitorLogin({ root: "", error: "That token is not right." })]) {
      for (const scheme of ["light", "dark"] as const) {
        const { page, context } = await open(html, scheme);
        const serious = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
        expect(serious).toEqual([]);
        await context.close();
      }
    }
  });
});

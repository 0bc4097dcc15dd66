/**
 * The owner's monitor: counts that survive a restart, a corrupt store moved aside, drift alerts
 * on shifted streams of real predictions and silence on in-domain ones, and access refused to
 * everyone but the owner.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Image, Interface, Label, launch, loadClassifier, oodOf, type Classifier, type ImageFile, type Server } from "../../src/index.ts";
import { DriftDetector } from "../../src/monitor/drift.ts";
import { Monitor } from "../../src/monitor/index.ts";
import type { MonitorSnapshot } from "../../src/monitor/snapshot.ts";
import { dataUrl, fashionImages, noisePng, root } from "../helpers.ts";

const temp = mkdtempSync(join(tmpdir(), "monitor-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("the store", () => {
  test("counts per minute and revision, latency percentiles, and totals that survive a restart", async () => {
    const file = join(temp, "counts.sqlite3");
    const t0 = Date.parse("2026-12-01T10:00:30Z");
    let monitor = await Monitor.open({ file, labels: ["a", "b"], revision: "r1" });
    for (let i = 0; i < 100; i++)
      monitor.record({ durationMs: i < 98 ? 3 : 400, prediction: { label: i % 4 ? "a" : "b", confidence: 0.9, outOfDomain: i === 0 } }, t0);
    monitor.record({ durationMs: 5, error: true }, t0 + 60_000);
    await monitor.close();
    monitor = await Monitor.open({ file, labels: ["a", "b"], revision: "r2" });
    monitor.record({ durationMs: 2, prediction: { label: "b", confidence: 0.5, outOfDomain: false } }, t0 + 61_000);
    const report = await monitor.snapshot({ minutes: 10, bucket: "minute" }, t0 + 120_000);
    await monitor.close();
    expect(report.totals).toEqual({ requests: 102, errors: 1, out_of_domain: 1 });
    expect(report.buckets.map((b) => [b.start, b.revision, b.requests])).toEqual([
      ["2026-12-01T10:00:00.000Z", "r1", 100],
      ["2026-12-01T10:01:00.000Z", "r1", 1],
      ["2026-12-01T10:01:00.000Z", "r2", 1],
    ]);
    const first = report.buckets[0]!;
    expect(first.classes).toEqual({ a: 75, b: 25 });
    expect(first.mean_confidence).toBeCloseTo(0.9);
    expect(first.confidence[9]).toBe(100);
    expect(first.latency_ms.p50).toBeGreaterThan(2.5);
    expect(first.latency_ms.p50).toBeLessThan(3.6);
    expect(first.latency_ms.p99).toBeGreaterThan(330);
    expect(report.revisions.map((r) => [r.revision, r.requests, r.errors])).toEqual([
      ["r1", 101, 1],
      ["r2", 1, 0],
    ]);
    const hourly = await Monitor.open({ file, labels: ["a", "b"] });
    expect(
      (await hourly.snapshot({ minutes: 120, bucket: "hour" }, t0 + 120_000)).buckets.map((b) => [b.start, b.revision, b.requests]),
    ).toEqual([
      ["2026-12-01T10:00:00.000Z", "r1", 101],
      ["2026-12-01T10:00:00.000Z", "r2", 1],
    ]);
    await hourly.close();
  });

  test("a corrupt store is moved aside with a log line and a fresh one starts; no crash", async () => {
    const file = join(temp, "corrupt.sqlite3");
    writeFileSync(file, "this is not a database ".repeat(100));
    const lines: string[] = [];
    const monitor = await Monitor.open({ file, labels: ["a"], log: (l) => lines.push(l) });
    monitor.record({ durationMs: 1, prediction: { label: "a", confidence: 1, outOfDomain: false } });
    expect((await monitor.snapshot({ minutes: 5, bucket: "minute" })).totals.requests).toBe(1);
    await monitor.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Monitor: .*corrupt\.sqlite3 could not be read \(.*\); moved it to .*corrupt\.sqlite3\.corrupt-.* and started a new one\.$/,
    );
    expect(readdirSync(temp).filter((f) => f.startsWith("corrupt.sqlite3.corrupt-"))).toHaveLength(1);
  });
});

describe("drift on streams of real predictions (small versions of npm run eval's)", () => {
  let model: Classifier;
  type Seen = { label: number; confidence: number; outOfDomain: boolean };
  const see = async (png: Buffer): Promise<Seen> => {
    const probs = await model.classify(png);
    const [label, confidence] = Object.entries(probs).reduce((a, b) => (b[1] > a[1] ? b : a));
    return { label: model.info.labels.indexOf(label), confidence, outOfDomain: oodOf(probs)!.out_of_domain };
  };
  let inDomain: Seen[];
  beforeAll(async () => {
    model = await loadClassifier(`${root}/model.onnx`);
    inDomain = await Promise.all(fashionImages().map(({ bytes }) => see(bytes)));
  });
  afterAll(() => model.close());
  const detector = () =>
    new DriftDetector({
      labels: model.info.labels,
      reference: model.info.driftReference,
      confidenceBins: model.info.driftReference!.confidenceBins,
    });
  let seed = 7;
  const shuffled = <T>(xs: T[]) =>
    [...xs]
      .map((x) => {
        seed = (seed * 16807) % 2147483647;
        return [x, seed] as const;
      })
      .sort((a, b) => a[1] - b[1])
      .map(([x]) => x);
  /** Feeds `before` then `after`; the number of `after` requests until the first alert (or Infinity). */
  const delay = (before: Seen[], after: Seen[]) => {
    const d = detector();
    for (const o of before) expect(d.observe(o).alert).toBe(false);
    const at = after.findIndex((o) => d.observe(o).alert);
    return at < 0 ? Infinity : at + 1;
  };

  test("3,000 in-domain predictions in random order: no alert", () => {
    const d = detector();
    const stream = Array.from({ length: 15 }, () => shuffled(inDomain)).flat();
    expect(stream.filter((o) => d.observe(o).alert)).toHaveLength(0);
  });

  test("a flood of one class, inverted garments and noise each alert within 200 requests", async () => {
    const before = shuffled([...inDomain, ...inDomain]).slice(0, 300);
    const bags = inDomain.filter((o) => model.info.labels[o.label] === "Bag");
    const flood = Array.from({ length: 200 }, (_, i) => bags[i % bags.length]!);
    const inverted = await Promise.all(
      fashionImages()
        .slice(0, 200)
        .map(async ({ bytes }) => see(await sharp(bytes).negate({ alpha: false }).png().toBuffer())),
    );
    const noise = await Promise.all(Array.from({ length: 200 }, (_, i) => see(noisePng(28, 28, i + 1))));
    const delays = { flood: delay(before, flood), inverted: delay(before, inverted), noise: delay(before, noise) };
    console.log("drift detection delay (requests):", delays);
    for (const [stream, n] of Object.entries(delays)) expect(n, stream).toBeLessThanOrEqual(200);
  });
});

describe("the monitor over HTTP", () => {
  let model: Classifier;
  let server: Server;
  const file = join(temp, "http.sqlite3");
  const start = async () => {
    const iface = new Interface({
      fn: (img: ImageFile) => model.classify(img),
      inputs: new Image(),
      outputs: new Label({ numTopClasses: 3, model: model.info }),
      title: "Fashion",
    });
    return launch(iface, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: file });
  };
  const monitor = (query = "", headers: Record<string, string> = {}) => fetch(`${server.url}/gradio_api/monitor${query}`, { headers });
  beforeAll(async () => {
    model = await loadClassifier(`${root}/model.onnx`);
    server = await start();
  });
  afterAll(async () => {
    await server.close();
    await model.close();
  });

  test("predictions are counted, the report has its documented shape, and it survives a restart", async () => {
    const images = fashionImages().slice(0, 20);
    for (const { bytes } of images)
      await fetch(`${server.url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl(bytes)] }) });
    await fetch(`${server.url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl(noisePng(28, 28, 9))] }) });
    await fetch(`${server.url}/api/predict`, { method: "POST", body: "{broken" });
    const report = (await (await monitor()).json()) as MonitorSnapshot;
    expect(report.totals.requests).toBe(21); // the malformed body never reached the model
    expect(report.totals.out_of_domain).toBeGreaterThanOrEqual(1);
    expect(report.drift).toMatchObject({ alert: false, since: null, reasons: [], window: 200 });
    expect(report.reference).toMatchObject({ source: "model metadata (5000 held-out images)", out_of_domain_rate: 0.05 });
    expect(report.labels).toEqual(model.info.labels);
    expect(Object.values(report.buckets.at(-1)!.classes).reduce((a, b) => a + b, 0)).toBe(21);
    await server.close();
    server = await start();
    expect(((await (await monitor()).json()) as MonitorSnapshot).totals.requests).toBe(21);
  });

  test("nonsense parameters are a 400 that says what is allowed", async () => {
    for (const [query, message] of [
      ["?minutes=abc", 'minutes must be a whole number from 1 to 43200 (30 days), got "abc".'],
      ["?minutes=0", 'minutes must be a whole number from 1 to 43200 (30 days), got "0".'],
      ["?bucket=week", 'bucket must be "minute" or "hour", got "week".'],
      ["?revision=../x", "revision must be a revision name (letters, digits, '.', '-', '_')."],
      ["?drop=table", 'Unknown monitor parameter "drop": use minutes, bucket or revision.'],
    ]) {
      const res = await monitor(query);
      expect(res.status, query).toBe(400);
      expect(await res.json(), query).toEqual({ detail: message });
    }
  });

  test("only the owner: this machine without a token, the MONITOR_TOKEN with one, the host's signed-in owner on a host", async () => {
    expect((await monitor("", { "x-forwarded-for": "203.0.113.9" })).status).toBe(404); // relayed for someone else
    // Another site's page in the owner's browser, on this machine: refused, whatever CORS allows.
    expect((await monitor("", { origin: "http://evil.example", "sec-fetch-site": "cross-site" })).status).toBe(404);
    expect((await monitor("", { origin: "http://evil.example" })).status).toBe(404);
    expect((await monitor("", { origin: server.url, "sec-fetch-site": "same-origin" })).status).toBe(200); // the Space's own page
    process.env.MONITOR_TOKEN = "s3cret-monitor";
    try {
      const refused = await monitor();
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="monitor"');
      expect(JSON.stringify(await refused.json())).not.toContain("totals");
      expect((await monitor("", { authorization: "Bearer wrong" })).status).toBe(401);
      expect((await monitor("", { authorization: "Bearer s3cret-monitor" })).status).toBe(200);
      // The page asks for the token, and its form sets a cookie that opens it.
      const page = await fetch(`${server.url}/monitor`);
      expect(page.status).toBe(401);
      expect(await page.text()).toContain("Monitor token");
      const wrong = await fetch(`${server.url}/monitor/login`, {
        method: "POST",
        body: new URLSearchParams({ token: "nope" }),
        redirect: "manual",
      });
      expect(wrong.status).toBe(401);
      const signIn = await fetch(`${server.url}/monitor/login`, {
        method: "POST",
        body: new URLSearchParams({ token: "s3cret-monitor" }),
        redirect: "manual",
      });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.get("set-cookie")!;
      expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
      const opened = await fetch(`${server.url}/monitor`, { headers: { cookie: cookie.split(";")[0]! } });
      expect(opened.status).toBe(200);
      expect(await opened.text()).toContain("<svg");
      const crossSite = await fetch(`${server.url}/monitor/login`, {
        method: "POST",
        body: new URLSearchParams({ token: "s3cret-monitor" }),
        headers: { "sec-fetch-site": "cross-site" },
        redirect: "manual",
      });
      expect(crossSite.status).toBe(403);
    } finally {
      delete process.env.MONITOR_TOKEN;
    }
    Object.assign(process.env, { SPACE_ID: "alice/fashion", SPACE_AUTHOR_NAME: "alice" });
    try {
      expect((await monitor()).status).toBe(404); // on a host, being local proves nothing: the host is local
      expect((await monitor("", { "x-space-user": "bob" })).status).toBe(404);
      expect((await monitor("", { "x-space-user": "alice" })).status).toBe(200);
    } finally {
      delete process.env.SPACE_ID;
      delete process.env.SPACE_AUTHOR_NAME;
    }
  });

  test("with the monitor off there is no monitor route, and the Space serves as before", async () => {
    const iface = new Interface({
      fn: (img: ImageFile) => model.classify(img),
      inputs: new Image(),
      outputs: new Label({ model: model.info }),
    });
    const off = await launch(iface, { port: 0, host: "127.0.0.1", quiet: true, monitorFile: false });
    try {
      expect((await fetch(`${off.url}/gradio_api/monitor`)).status).toBe(404);
      const res = await fetch(`${off.url}/api/predict`, {
        method: "POST",
        body: JSON.stringify({ data: [dataUrl(fashionImages()[0]!.bytes)] }),
      });
      expect(res.status).toBe(200);
    } finally {
      await off.close();
    }
    expect(existsSync(file)).toBe(true);
  });
});

/**
 * The review queue (issue 11) against a real SQLite file and the real model: which inputs enter,
 * the bounds (oldest unreviewed evicted first), two reviewers at once (409), bad input, a corrupt
 * picture, the export (layout, manifest, .tar.gz, the CLI), access, and /report.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { list as tarList } from "tar";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp, Image, Interface, Label, loadClassifier, type Classifier, type ImageFile } from "../../src/index.ts";
import { exportDataset, labelFolder } from "../../src/review/export.ts";
import { reasonsFor, reviewPolicy, ReviewQueue, type Prediction } from "../../src/review/index.ts";
import { dataUrl, fashionImages, parseCsv, root } from "../helpers.ts";

const run = promisify(execFile);
const temp = mkdtempSync(join(tmpdir(), "review-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
const png = fashionImages()[0]!.bytes;
const pred = (label: string, confidence: number, ood = false): Prediction => ({
  label,
  confidences: [
    { label, confidence },
    { label: "Bag", confidence: 1 - confidence },
  ],
  ood: { score: ood ? 0.99 : 0.2, out_of_domain: ood },
});
let n = 0;
const open = (options: Partial<Parameters<typeof ReviewQueue.open>[0]> = {}) =>
  ReviewQueue.open({ file: join(temp, `q${++n}`, "monitor.sqlite3"), labels: LABELS, minFreeBytes: 0, ...options });

describe("what enters the queue", () => {
  const live = reviewPolicy({ REVIEW_LIVE: "1" });

  test("off by default: only flags; REVIEW_LIVE=1 turns sampling on with the documented defaults", () => {
    expect(reviewPolicy({})).toEqual({ live: false, lowConfidence: 0.6, outOfDomain: true, sample: 0.01 });
    expect(reasonsFor(pred("Shirt", 0.3, true), reviewPolicy({}), () => 0)).toEqual([]);
    expect(live).toEqual({ live: true, lowConfidence: 0.6, outOfDomain: true, sample: 0.01 });
    expect(() => reviewPolicy({ REVIEW_SAMPLE: "2" })).toThrow("REVIEW_SAMPLE must be a number from 0 to 1");
  });

  test("low confidence, out of domain, and a random sample of the rest", () => {
    expect(reasonsFor(pred("Shirt", 0.59), live, () => 0.5)).toEqual(["low_confidence"]);
    expect(reasonsFor(pred("Shirt", 0.6), live, () => 0.5)).toEqual([]);
    expect(reasonsFor(pred("Bag", 0.99, true), live, () => 0.5)).toEqual(["out_of_domain"]);
    expect(reasonsFor(pred("Bag", 0.3, true), live, () => 0.5)).toEqual(["low_confidence", "out_of_domain"]);
    expect(reasonsFor(pred("Bag", 0.99), live, () => 0.009)).toEqual(["sample"]);
    expect(reasonsFor(pred("Bag", 0.99), live, () => 0.011)).toEqual([]);
    expect(reasonsFor(pred("Bag", 0.99, true), { ...live, outOfDomain: false }, () => 0.5)).toEqual([]);
  });

  test("offer() keeps what the policy picks, with its picture beside the database", async () => {
    const queue = await open({ policy: live });
    expect(
      await queue.offer(
        pred("Bag", 0.99),
        async () => ({ bytes: png, format: "png" }),
        () => 0.5,
      ),
    ).toBeUndefined();
    const item = await queue.offer(pred("Shirt", 0.4), async () => ({ bytes: png, format: "png" }));
    expect(item).toMatchObject({
      reasons: ["low_confidence"],
      prediction: "Shirt",
      confidence: 0.4,
      status: "pending",
      version: 1,
      revision: "local",
      ood_score: 0.2,
    });
    expect(readFileSync(queue.imagePath(item!))).toEqual(png);
    expect(queue.imagePath(item!)).toBe(join(queue.dir, `${item!.id}.png`));
    queue.close();
  });
});

describe("bounds", () => {
  test("over REVIEW_MAX_ITEMS the oldest unreviewed items go first; reviewed ones stay", async () => {
    const queue = await open({ maxItems: 5 });
    const items = [];
    for (let i = 0; i < 5; i++)
      items.push((await queue.add({ bytes: png, format: "png" }, pred("Bag", 0.9), ["flag"], new Date(Date.UTC(2026, 0, 1, 0, i))))!);
    await queue.decide(items[0]!.id, { action: "accept", version: 1 }); // the oldest, but reviewed
    for (let i = 5; i < 8; i++)
      await queue.add({ bytes: png, format: "png" }, pred("Bag", 0.9), ["flag"], new Date(Date.UTC(2026, 0, 1, 0, i)));
    const left = (await queue.list({ limit: 100 })).map((i) => i.created_at.slice(14, 16));
    expect(left.sort()).toEqual(["00", "04", "05", "06", "07"]);
    expect(readdirSync(queue.dir).length).toBe(5); // evicted pictures are gone too
    queue.close();
  });

  test("over REVIEW_MAX_BYTES likewise; a queue of reviewed items only refuses new ones without failing", async () => {
    const lines: string[] = [];
    const queue = await open({ maxBytes: png.length * 3, log: (l) => lines.push(l) });
    const a = (await queue.add({ bytes: png, format: "png" }, pred("Bag", 0.9), ["flag"], new Date(1000)))!;
    for (let i = 2; i <= 4; i++) await queue.add({ bytes: png, format: "png" }, pred("Bag", 0.9), ["flag"], new Date(i * 1000));
    expect(await queue.store.usage()).toEqual({ items: 3, bytes: png.length * 3 });
    expect((await queue.list()).some((i) => i.id === a.id)).toBe(false);
    for (const item of await queue.list()) await queue.decide(item.id, { action: "label", label: "Coat", version: item.version });
    expect(await queue.add({ bytes: png, format: "png" }, pred("Bag", 0.9), ["flag"])).toBeUndefined();
    expect(lines.join("\n")).toContain("the queue is full of reviewed items");
    queue.close();
  });

  test("a nearly full disk: nothing is added, the Space goes on", async () => {
    const lines: string[] = [];
    const queue = await open({ minFreeBytes: Number.MAX_SAFE_INTEGER, log: (l) => lines.push(l) });
    expect(await queue.add({ bytes: png, format: "png" }, pred("Bag", 0.9), ["flag"])).toBeUndefined();
    expect(lines[0]).toMatch(/not keeping an input, the disk under .* has \d+ MB free/);
    queue.close();
  });
});

describe("over HTTP, with the real model", () => {
  let model: Classifier;
  let queue: ReviewQueue;
  let app: ReturnType<typeof createApp>;
  const api = "/gradio_api/review";
  // app.request() has no socket, so "this machine" cannot be told: the owner shows the token.
  const OWNER = { authorization: "Bearer owner-token" };
  const req = (path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { ...OWNER, ...(init.headers as Record<string, string>) } });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    req(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
  const saved = process.env.MONITOR_TOKEN;

  beforeAll(async () => {
    process.env.MONITOR_TOKEN = "owner-token";
    model = await loadClassifier(join(root, "model.onnx"));
    queue = await open();
    const iface = new Interface({
      fn: (img: ImageFile) => model.classify(img),
      inputs: new Image({ label: "image" }),
      outputs: new Label({ label: "prediction", numTopClasses: 3, model: model.info }),
      flaggingDir: join(temp, "flagged"),
    });
    app = createApp(iface, { review: queue, report: { dir: join(temp, "no-report"), card: join(temp, "no-card.md") } });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.MONITOR_TOKEN;
    else process.env.MONITOR_TOKEN = saved;
    queue.close();
    await model.close();
  });

  test("a flag enters the queue with the prediction the page showed", async () => {
    const { bytes, label } = fashionImages()[1]!;
    const predicted = (await (await post("/api/predict", { data: [dataUrl(bytes)] })).json()).data[0];
    const res = await post("/gradio_api/flag", { data: [dataUrl(bytes)], output: [predicted] });
    expect(res.status).toBe(200);
    const listed = await (await req(`${api}?reason=flag`)).json();
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ reasons: ["flag"], prediction: predicted.label, status: "pending" });
    expect(listed.items[0].confidence).toBeCloseTo(predicted.confidences[0].confidence);
    expect(listed.classes).toEqual(LABELS);
    expect(listed.counts.status).toEqual({ pending: 1 });
    const image = await req(`${api}/${listed.items[0].id}/image`);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await image.arrayBuffer())).toEqual(Buffer.from(bytes));
    expect(label).toBeTruthy();
  });

  test("two reviewers decide the same item: the second gets 409 and the item as it is", async () => {
    const item = (await queue.add({ bytes: png, format: "png" }, pred("Shirt", 0.5), ["low_confidence"]))!;
    const [a, b] = await Promise.all([
      post(`${api}/${item.id}`, { action: "label", label: "Coat", version: 1 }),
      post(`${api}/${item.id}`, { action: "accept", version: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect((await loser.json()).detail).toMatch(/changed since you saw it \(version 1, now 2: .*\)\. Reload it and decide again\./);
    const now = await (await req(`${api}/${item.id}`)).json();
    expect(now.version).toBe(2);
    expect((await post(`${api}/${item.id}`, { action: "label", label: "Pullover", version: 2 })).status).toBe(200);
    expect(await (await req(`${api}/${item.id}`)).json()).toMatchObject({ status: "relabeled", label: "Pullover", version: 3 });
  });

  test("bad input: an unknown class is 422 with the classes, an unknown id 404, a bad body 422", async () => {
    const item = (await queue.add({ bytes: png, format: "png" }, pred("Shirt", 0.5), ["flag"]))!;
    const res = await post(`${api}/${item.id}`, { action: "label", label: "Hat", version: 1 });
    expect(res.status).toBe(422);
    expect((await res.json()).detail).toBe(
      `"Hat" is not a class of this model. Its classes: ${LABELS.map((l) => JSON.stringify(l)).join(", ")}.`,
    );
    expect((await post(`${api}/0123456789abcdef`, { action: "accept", version: 1 })).status).toBe(404);
    expect((await req(`${api}/../../etc/passwd`)).status).toBe(404);
    expect((await req(`${api}/nope/image`)).status).toBe(404);
    expect((await post(`${api}/${item.id}`, { action: "accept" })).status).toBe(422);
    expect((await post(`${api}/${item.id}`, { action: "burn", version: 1 })).status).toBe(422);
    expect((await req(`${api}/${item.id}`, { method: "POST", body: "{" })).status).toBe(400);
    expect((await req(`${api}?status=maybe`)).status).toBe(400);
    expect((await req(`${api}?label=Hat`)).status).toBe(422);
  });

  test("a corrupt picture is listed and served as it is, removable, and left out of the export", async () => {
    const bad = (await queue.add({ bytes: new TextEncoder().encode("not a picture"), format: "png" }, pred("Bag", 0.7), ["flag"]))!;
    expect((await req("/review")).status).toBe(200);
    expect((await req(`${api}/${bad.id}/image`)).status).toBe(200);
    const accepted = await post(`${api}/${bad.id}`, { action: "accept", version: 1 });
    expect(accepted.status).toBe(200);
    const out = join(temp, "export-with-bad");
    const result = await exportDataset(queue, out);
    expect(result.skipped.map((s) => s.id)).toEqual([bad.id]);
    const discarded = await post(`${api}/${bad.id}`, { action: "discard", version: 2 });
    expect(await discarded.json()).toMatchObject({ status: "discarded", bytes: 0 });
    expect(existsSync(queue.imagePath(bad))).toBe(false);
    expect((await req(`${api}/${bad.id}/image`)).status).toBe(404);
  });

  test("only the owner: a token, the Space's owner, this machine; never cross-site", async () => {
    const env = { ...process.env };
    try {
      process.env.MONITOR_TOKEN = "s3cret";
      const refused = await app.request(api);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="review"');
      expect((await app.request("/review")).status).toBe(401);
      expect((await app.request(api, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
      expect((await app.request(api, { headers: { cookie: "monitor_token=s3cret" } })).status).toBe(200);
      expect((await post(`${api}/0123456789abcdef`, { action: "accept", version: 1 }, { authorization: "Bearer wrong" })).status).toBe(401);
      delete process.env.MONITOR_TOKEN;
      Object.assign(process.env, { SPACE_ID: "alice/demo", SPACE_AUTHOR_NAME: "alice" });
      expect((await app.request(api)).status).toBe(404);
      expect((await app.request(api, { headers: { "x-space-user": "bob" } })).status).toBe(404);
      expect((await app.request(api, { headers: { "x-space-user": "alice" } })).status).toBe(200);
      expect(
        (await app.request(`${api}/export.tar.gz`, { headers: { "x-space-user": "alice", "sec-fetch-site": "cross-site" } })).status,
      ).toBe(403);
    } finally {
      process.env = env;
    }
  });

  test("/report without a report says how to make one", async () => {
    const res = await app.request("/report");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("No report yet");
    expect(html).toContain("npm run eval");
    expect(html).toContain("No <code>model-card.md</code>");
  });

  test("/report with the committed report and card: public, escaped, pictures served", async () => {
    const withReport = createApp(new Interface({ fn: () => "", inputs: new Image(), outputs: new Label() }), {
      report: { dir: join(root, "report"), card: join(root, "model-card.md") },
    });
    const html = await (await withReport.request("/report")).text();
    expect(html).toContain("Intended use:");
    expect(html).toContain("Not for:");
    expect(html).toMatch(/92\.\d\d %/);
    expect(html).toContain("Top losses");
    const picture = await withReport.request("/report/confusion-matrix.png");
    expect(picture.headers.get("content-type")).toBe("image/png");
    expect((await withReport.request("/report/..%2Freport.json")).status).toBe(404);
  });
});

describe("export", () => {
  test("folder per label, PNGs, a manifest; the .tar.gz holds the same; nothing reviewed is a clear message", async () => {
    const queue = await open();
    await expect(exportDataset(queue, join(temp, "empty"))).rejects.toThrow("Nothing reviewed yet: 0 item(s) wait on /review.");
    const jpeg = await (await import("sharp")).default(png).jpeg().toBuffer();
    const a = (await queue.add({ bytes: png, format: "png" }, pred("Shirt", 0.41), ["low_confidence"]))!;
    const b = (await queue.add({ bytes: jpeg, format: "jpeg" }, pred("Bag", 0.97, true), ["out_of_domain"]))!;
    const c = (await queue.add({ bytes: png, format: "png" }, pred("Coat", 0.8), ["flag"]))!;
    await queue.decide(a.id, { action: "label", label: "T-shirt/top", version: 1 });
    await queue.decide(b.id, { action: "accept", version: 1 });
    await queue.decide(c.id, { action: "discard", version: 1 });
    const out = join(temp, "dataset");
    const result = await exportDataset(queue, out);
    expect(result).toMatchObject({ count: 2, labels: { "T-shirt/top": 1, Bag: 1 }, skipped: [] });
    expect(labelFolder("T-shirt/top")).toBe("T-shirt_top");
    expect(readdirSync(out).sort()).toEqual(["Bag", "T-shirt_top", "manifest.csv"]);
    expect(readdirSync(join(out, "Bag"))).toEqual([`${b.id}.png`]);
    expect(
      readFileSync(join(out, "Bag", `${b.id}.png`))
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG"); // the JPEG became a PNG
    const rows = parseCsv(readFileSync(join(out, "manifest.csv"), "utf8"));
    expect(rows[0]).toEqual(["path", "label", "predicted", "confidence", "reason", "reviewed_at"]);
    expect(rows.slice(1).map((r) => r.slice(0, 5))).toEqual([
      [`T-shirt_top/${a.id}.png`, "T-shirt/top", "Shirt", "0.4100", "low_confidence"],
      [`Bag/${b.id}.png`, "Bag", "Bag", "0.9700", "out_of_domain"],
    ]);
    expect(rows[1]![5]).toMatch(/^\d{4}-\d\d-\d\dT/);

    const iface = new Interface({ fn: () => "", inputs: new Image(), outputs: new Label() });
    const app = createApp(iface, { review: queue });
    process.env.MONITOR_TOKEN = "t";
    const res = await app.request("/gradio_api/review/export.tar.gz", { headers: { authorization: "Bearer t" } });
    delete process.env.MONITOR_TOKEN;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="reviewed.tar.gz"');
    const archive = join(temp, "reviewed.tar.gz");
    writeFileSync(archive, Buffer.from(await res.arrayBuffer()));
    const entries: string[] = [];
    await tarList({ file: archive, onReadEntry: (e) => void entries.push(e.path) });
    expect(entries.filter((e) => !e.endsWith("/")).sort()).toEqual([
      `reviewed/Bag/${b.id}.png`,
      `reviewed/T-shirt_top/${a.id}.png`,
      "reviewed/manifest.csv",
    ]);
    queue.close();
  });

  test("npm run review -- export DIR", async () => {
    const queue = await open();
    const file = queue.store.file;
    const item = (await queue.add({ bytes: png, format: "png" }, pred("Shirt", 0.41), ["flag"]))!;
    queue.close();
    const cli = (args: string[]) =>
      run(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "src/review/cli.ts"), ...args], { cwd: root }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const empty = await cli(["export", join(temp, "cli-out"), "--file", file]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("Nothing reviewed yet: 1 item(s) wait on /review.");
    const again = await ReviewQueue.open({ file, labels: LABELS });
    await again.decide(item.id, { action: "label", label: "Coat", version: 1 });
    again.close();
    const ok = await cli(["export", join(temp, "cli-out"), "--file", file]);
    expect(ok.stdout).toContain("Exported 1 reviewed picture(s)");
    expect(readdirSync(join(temp, "cli-out", "Coat"))).toEqual([`${item.id}.png`]);
    mkdirSync(join(temp, "nothing"), { recursive: true });
    expect((await cli(["export", "x", "--file", join(temp, "nothing", "monitor.sqlite3")])).stderr).toContain("No review queue at");
  });
});

/** Flagging's dataset: whole rows only, never interleaved, images copied beside the CSV. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { createApp, Image, Interface, Label } from "../../src/index.ts";
import { CsvLogger } from "../../src/gradio/flagging.ts";
import { parseCsv } from "../helpers.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "flag-test-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = tempDir();
  const uploads = tempDir();
  const logger = new CsvLogger(join(dir, "flagged"), [new Image({ label: "image" })], [new Label({ label: "prediction" })]);
  const image = (n: number) => {
    const path = join(uploads, `img${n}.png`);
    writeFileSync(path, `fake png ${n}`);
    return { path, meta: { _type: "gradio.FileData" } };
  };
  return { dir: join(dir, "flagged"), logger, image };
}

test("50 concurrent flags give 50 whole rows under one header, each with its own image copy", async () => {
  const { dir, logger, image } = setup();
  const output = { label: 'Bag, "quoted"', confidences: [{ label: "Bag", confidence: 0.9 }] };
  await Promise.all(Array.from({ length: 50 }, (_, n) => logger.flag([image(n)], [output], async (p) => p)));
  const rows = parseCsv(readFileSync(join(dir, "dataset1.csv"), "utf8"));
  expect(rows[0]).toEqual(["image", "prediction", "timestamp"]);
  expect(rows).toHaveLength(51);
  const copies = rows.slice(1).map((r) => readFileSync(join(dir, r[0]!), "utf8"));
  expect(new Set(copies).size).toBe(50); // every flag kept its own image
  for (const r of rows.slice(1)) {
    expect(JSON.parse(r[1]!)).toEqual(output);
    expect(Number.isNaN(Date.parse(r[2]!))).toBe(false);
  }
});

test("a row cut short by a crash is removed before the next append; earlier rows survive", async () => {
  const { dir, logger, image } = setup();
  await logger.flag([image(1)], [{ label: "Coat" }], async (p) => p);
  appendFileSync(join(dir, "dataset1.csv"), 'image/half.png,"{""label"":'); // the process died mid-write
  await new CsvLogger(dir, [new Image({ label: "image" })], [new Label({ label: "prediction" })]).flag(
    [image(2)],
    [{ label: "Dress" }],
    async (p) => p,
  );
  const rows = parseCsv(readFileSync(join(dir, "dataset1.csv"), "utf8"));
  expect(rows.map((r) => r[1])).toEqual(["prediction", '{"label":"Coat"}', '{"label":"Dress"}']);
});

test("POST /gradio_api/flag copies only files the server holds", async () => {
  const dir = tempDir();
  const iface = new Interface({ fn: () => ({ a: 1 }), inputs: new Image({ label: "image" }), outputs: new Label(), flaggingDir: dir });
  const app = createApp(iface, { uploadDir: tempDir() });
  const res = await app.request("/gradio_api/flag", {
    method: "POST",
    body: JSON.stringify({ data: [{ path: "/etc/passwd", meta: { _type: "gradio.FileData" } }], output: [{ label: "a" }] }),
  });
  expect(res.status).toBe(403);
  const never = createApp(
    new Interface({ fn: () => ({ a: 1 }), inputs: new Image(), outputs: new Label(), flaggingMode: "never", flaggingDir: dir }),
    { uploadDir: tempDir() },
  );
  expect((await never.request("/gradio_api/flag", { method: "POST", body: JSON.stringify({ data: [null], output: [null] }) })).status).toBe(
    404,
  );
});

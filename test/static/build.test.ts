/**
 * `npm run build:static` without a browser: what the build refuses (Node-only code the page would
 * reach, with its file and line), and the browser's resize held to sharp's, pixel by pixel.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, expect, test } from "vitest";
import { bandsOf, fitTo } from "../../src/browser/resize.ts";
import { buildStatic, StaticBuildError } from "../../src/static/build.ts";
import { root } from "../helpers.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A project with its own app.ts, on this framework (src/ linked). */
function project(app: string): string {
  const dir = mkdtempSync(join(tmpdir(), "static-app-"));
  dirs.push(dir);
  symlinkSync(join(root, "src"), join(dir, "src"));
  mkdirSync(join(dir, "pictures"));
  writeFileSync(join(dir, "pictures", "a.png"), readFileSync(join(root, "examples", "bag.png")));
  writeFileSync(join(dir, "app.ts"), app);
  return dir;
}

test("Node-only code the app reaches stops the build, each use named by file and line, with what to do instead", async () => {
  const dir = project(`import { readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Interface, Label } from "./src/index.ts";
const folder = "pictures";
console.log(readdirSync(folder), hostname(), process.env.HOME);
`);
  const err = await buildStatic({ root: dir, out: join(dir, "out") }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StaticBuildError);
  const text = (err as StaticBuildError).message;
  expect(text).toMatch(/app\.ts:2:\d+: app\.ts imports node:os, which only Node has\. A static Space runs in the visitor's browser/);
  expect(text).toMatch(/app\.ts:5:\d+: readdirSync needs a folder named in the code \(a string\)/);
  expect(text).toMatch(/app\.ts:5:\d+: process\.env exists only in Node/);
});

test("a readdirSync of a folder named in the code is listed at build time, and the folder and the model are copied", async () => {
  const dir = project(`import { readdirSync } from "node:fs";
import { Image, Interface, Label, loadClassifier } from "./src/index.ts";
const model = await loadClassifier("model.onnx");
await new Interface({ fn: (i) => model.classify(i), inputs: new Image(), outputs: new Label(), examples: readdirSync("pictures").map((f) => \`pictures/\${f}\`) }).launch();
`);
  writeFileSync(join(dir, "model.onnx"), readFileSync(join(root, "model.onnx")));
  const out = join(dir, "out");
  const built = await buildStatic({ root: dir, out, title: "Pictures" });
  expect(readdirSync(join(out, "pictures"))).toEqual(["a.png"]);
  expect(built.files.map((f) => f.path)).toEqual(
    expect.arrayContaining([
      "index.html",
      "app.js",
      "app.css",
      "sw.js",
      "theme.js",
      "README.md",
      "model.onnx",
      "ort/ort-wasm-simd-threaded.wasm",
    ]),
  );
  // The listing is in the bundle; no import of a Node built-in is (onnxruntime-web keeps a
  // require("node:os") behind a `typeof navigator` check that a browser never passes).
  const js = readFileSync(join(out, "app.js"), "utf8");
  expect(/pictures"?:\["a\.png"\]/.test(js), "the listing of pictures/ in app.js").toBe(true);
  expect(/from\s*["']node:|import\(\s*["']node:/.test(js), "an import of node: in app.js").toBe(false);
  expect(readFileSync(join(out, "README.md"), "utf8")).toMatch(/^---\ntitle: Pictures\nsdk: static\napp_file: index.html\n---\n/);
});

/** sharp's pixels for `fit`, as the server's decode.ts asks for them, and the browser's from the same RGBA. */
async function bothWays(png: Buffer, channels: 1 | 3, fit: "squish" | "crop" | "pad", size: [number, number]) {
  const sharpFit = { squish: "fill", crop: "cover", pad: "contain" } as const;
  let pipeline = sharp(png).resize(size[1], size[0], { fit: sharpFit[fit], background: { r: 0, g: 0, b: 0 } });
  pipeline = channels === 1 ? pipeline.greyscale() : pipeline.toColourspace("srgb");
  const server = (await pipeline.removeAlpha().raw().toBuffer()) as Uint8Array;
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const browser = fitTo(bandsOf(data, info.width, info.height, channels), size, fit).data;
  return Math.max(...server.map((v, i) => Math.abs(v - browser[i]!)));
}

const wave = (width: number, height: number, bands: 1 | 3) => {
  const data = new Uint8Array(width * height * bands);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let b = 0; b < bands; b++) data[(y * width + x) * bands + b] = Math.round(127 + 120 * Math.sin(x / 7 + b) * Math.cos(y / 11));
  return sharp(data, { raw: { width, height, channels: bands } })
    .png()
    .toBuffer();
};

test("the browser resizes as sharp does: within one level on the examples and on downscales by powers of two", async () => {
  for (const name of readdirSync(join(root, "examples")).filter((f) => /\.(png|jpe?g|webp|gif)$/i.test(f))) {
    expect(await bothWays(readFileSync(join(root, "examples", name)), 1, "crop", [28, 28]), name).toBeLessThanOrEqual(1);
  }
  for (const bands of [1, 3] as const)
    for (const channels of [1, 3] as const)
      for (const fit of ["squish", "crop", "pad"] as const) {
        expect(await bothWays(await wave(224, 224, bands), channels, fit, [28, 28]), `${bands}→${channels} ${fit}`).toBeLessThanOrEqual(1);
        expect(await bothWays(await wave(112, 112, bands), channels, fit, [28, 28]), `${bands}→${channels} ${fit}`).toBeLessThanOrEqual(1);
      }
  // Other ratios land within a few levels (docs/static-space.md).
  expect(await bothWays(await wave(100, 60, 1), 1, "pad", [28, 28])).toBeLessThanOrEqual(6);
});

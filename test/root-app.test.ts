/** app.ts itself, as `npm start` runs it: a child process on a free port. */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { expect, onTestFinished, test } from "vitest";
import { dataUrl, fixture, root } from "./helpers.ts";

/** Starts `tsx app.ts` in `dir` with PORT=0 and resolves with its URL and process. */
async function startApp(dir: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "app.ts"], {
    cwd: dir,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = output.match(/Running on local URL:\s+(http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`app.ts exited with ${code}:\n${output}`)));
  });
  onTestFinished(() => void child.kill("SIGKILL"));
  return { url, child, output: () => output };
}

const predict = async (url: string, image: Uint8Array) => {
  const res = await fetch(`${url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl(image)] }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { data: [{ label: string; confidences: { label: string; confidence: number }[] }] };
};

const squash = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "");

test("app.ts classifies each of its examples as the class it is named after, then stops cleanly on SIGTERM", async () => {
  const { url, child, output } = await startApp(root);
  // The pictures app.ts shows, by its own rule (examples/gradio/ holds the ported Gradio demos).
  const examples = readdirSync(join(root, "examples")).filter((f) => /\.(png|jpe?g|webp|gif)$/i.test(f));
  expect(examples.length).toBeGreaterThanOrEqual(4);
  for (const name of examples) {
    const { data } = await predict(url, readFileSync(join(root, "examples", name)));
    expect(squash(data[0].label), name).toBe(squash(name.replace(/\.\w+$/, "")));
    expect(data[0].confidences).toHaveLength(3); // numTopClasses: 3
  }
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  child.kill("SIGTERM");
  expect(await exit).toEqual({ code: 0, signal: null });
  expect(output()).toContain("SIGTERM: finishing in-flight requests, then exiting.");
});

test("swapping model.onnx for an RGB 224×224 model with three labels needs no code change", async () => {
  const dir = mkdtempSync(join(tmpdir(), "space-swap-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(root, "app.ts"), join(dir, "app.ts"));
  cpSync(fixture("rgb-tiny.onnx"), join(dir, "model.onnx"));
  for (const shared of ["src", "node_modules", "examples", "package.json"]) symlinkSync(join(root, shared), join(dir, shared));
  const { url } = await startApp(dir);
  const blue = await sharp({ create: { width: 640, height: 480, channels: 3, background: "blue" } })
    .jpeg()
    .toBuffer();
  const { data } = await predict(url, blue);
  expect(data[0].label).toBe("blue");
  expect(data[0].confidences.map((c) => c.label).sort()).toEqual(["blue", "green", "red"]);
});

/**
 * The reviewed items as a dataset: one folder per label with the pictures as PNG
 * (`<label>/<id>.png`, what fastai's `parent_label` and torchvision's `ImageFolder` read) and a
 * `manifest.csv` (path, label, predicted, confidence, reason, reviewed_at). A label's folder
 * name has `/` and `\` written as `_` ("T-shirt/top" → `T-shirt_top/`); the manifest keeps the
 * label itself, and `training/train.py --extra DIR` reads it from there.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { create } from "tar";
import { InputError } from "../errors.ts";
import type { ReviewQueue } from "./index.ts";

/**
 * A label as a folder name.
 *
 * @example
 * labelFolder("T-shirt/top") // → "T-shirt_top"
 */
export const labelFolder = (label: string): string =>
  label.replace(/[/\\\x00-\x1f]/g, "_").replace(/^\.+$/, (dots) => "_".repeat(dots.length)) || "_";

const csvCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** What {@link exportDataset} wrote. */
export interface ExportResult {
  dir: string;
  /** Pictures written. */
  count: number;
  /** Per label. */
  labels: Record<string, number>;
  /** Reviewed items left out: their picture could not be read (corrupt or gone). */
  skipped: { id: string; why: string }[];
}

/**
 * Writes every reviewed (accepted or relabeled) item to `dir`. Nothing reviewed is a 404 with a
 * message that says what to do.
 *
 * @example
 * await exportDataset(queue, "data/reviewed") // → { dir: "data/reviewed", count: 20, labels: { Bag: 3, … }, skipped: [] }
 */
export async function exportDataset(queue: ReviewQueue, dir: string): Promise<ExportResult> {
  const items = await queue.store.reviewed();
  if (!items.length) {
    const pending = await queue.store.count({ status: "pending" });
    throw new InputError(
      `Nothing reviewed yet: ${pending} item(s) wait on /review. Accept (Enter) or relabel (a digit) some, then export again.`,
      404,
    );
  }
  await mkdir(dir, { recursive: true });
  const result: ExportResult = { dir, count: 0, labels: {}, skipped: [] };
  const lines = ["path,label,predicted,confidence,reason,reviewed_at"];
  for (const item of items) {
    const label = item.label ?? item.prediction;
    const rel = `${labelFolder(label)}/${item.id}.png`;
    let png: Buffer;
    try {
      png = await sharp(queue.imagePath(item)).png().toBuffer();
    } catch (err) {
      result.skipped.push({ id: item.id, why: (err as Error).message });
      continue;
    }
    await mkdir(join(dir, labelFolder(label)), { recursive: true });
    await writeFile(join(dir, rel), png);
    lines.push(
      [rel, label, item.prediction, item.confidence.toFixed(4), item.reasons.join(";"), item.reviewed_at ?? ""].map(csvCell).join(","),
    );
    result.count++;
    result.labels[label] = (result.labels[label] ?? 0) + 1;
  }
  await writeFile(join(dir, "manifest.csv"), `${lines.join("\n")}\n`);
  return result;
}

/**
 * The dataset as a `.tar.gz` file (one top folder, `reviewed/`), in a temporary folder that
 * `cleanup` removes.
 *
 * @example
 * const { file, cleanup } = await exportArchive(queue);
 */
export async function exportArchive(queue: ReviewQueue): Promise<{ file: string; result: ExportResult; cleanup: () => Promise<void> }> {
  const temp = await mkdtemp(join(tmpdir(), "review-export-"));
  const cleanup = () => rm(temp, { recursive: true, force: true });
  try {
    const result = await exportDataset(queue, join(temp, "reviewed"));
    const file = join(temp, "reviewed.tar.gz");
    await create({ gzip: true, file, cwd: temp, portable: true }, ["reviewed"]);
    return { file, result, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

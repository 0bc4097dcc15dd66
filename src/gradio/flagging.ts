/**
 * Flagging (gradio flagging.py CSVLogger): a row per flag in `<dir>/dataset1.csv` — one column
 * per component label, then `timestamp` — with input files copied under `<dir>/<label>/`.
 * Rows are appended one at a time, each with a single write and an fsync, so concurrent flags
 * never interleave; a row cut short by a crash (never acknowledged) is removed before the next
 * append, so the file only ever holds whole rows.
 */
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, mkdir, open, type FileHandle } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import type { Component } from "../components/component.ts";

const csvCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const csvRow = (cells: string[]) => `${cells.map(csvCell).join(",")}\n`;

/** Where an input file the flag names lives on disk (already checked against the allowed folders). */
export type ResolveFile = (path: string) => Promise<string>;

/**
 * Appends flagged rows to a CSV dataset.
 *
 * @example
 * const logger = new CsvLogger(".gradio/flagged", iface.inputs, iface.outputs);
 * await logger.flag([{ path: "/tmp/gradio-x/ab/cat.png" }], [{ label: "Bag" }], resolve) // → 1 (the row number)
 */
export class CsvLogger {
  readonly file: string;
  private tail: Promise<unknown> = Promise.resolve();
  private rows = 0;

  constructor(
    readonly dir: string,
    private readonly inputs: Component[],
    private readonly outputs: Component[],
  ) {
    this.file = join(dir, "dataset1.csv");
  }

  private headers(): string[] {
    const label = (c: Component, i: number, kind: string) => c.label ?? (kind === "output" ? "output" : c.type) + (i ? ` ${i}` : "");
    return [...this.inputs.map((c, i) => label(c, i, "input")), ...this.outputs.map((c, i) => label(c, i, "output")), "timestamp"];
  }

  /** Flags one run: its input wire values (files are copied) and output wire values. Resolves with the row count. */
  flag(inputs: unknown[], outputs: unknown[], resolveFile: ResolveFile): Promise<number> {
    // One flag at a time: rows never interleave, and the header is written exactly once.
    const run = this.tail.then(() => this.write(inputs, outputs, resolveFile));
    this.tail = run.catch(() => {});
    return run;
  }

  /** Copies an allowed file to `<dir>/<folder>/<uuid><ext>` (fsynced); returns its path relative to `dir`. */
  private async copyIn(path: string, folder: string, resolveFile: ResolveFile): Promise<string> {
    const source = await resolveFile(path);
    await mkdir(join(this.dir, folder), { recursive: true });
    const target = join(this.dir, folder, `${randomUUID()}${extname(source).toLowerCase() || ".png"}`);
    await copyFile(source, target, constants.COPYFILE_EXCL);
    await fsync(target);
    return relative(this.dir, target);
  }

  private async write(inputs: unknown[], outputs: unknown[], resolveFile: ResolveFile): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const cells: string[] = [];
    // Each component says how its value is stored (gradio Component.flag); files are copied here.
    for (const [i, component] of this.inputs.entries()) {
      cells.push(
        await component.flag(inputs[i], { saveFile: (path) => this.copyIn(path, component.label ?? component.type, resolveFile) }),
      );
    }
    for (const [i, component] of this.outputs.entries())
      cells.push(await component.flag(outputs[i], { saveFile: (path) => this.copyIn(path, component.label ?? "output", resolveFile) }));
    cells.push(new Date().toISOString());

    const handle = await open(this.file, "a+");
    try {
      const { size } = await handle.stat();
      const whole = size === 0 ? 0 : await endOfLastLine(handle, size);
      if (whole < size) await handle.truncate(whole); // half a row from a crash: it was never acknowledged
      const prefix = whole === 0 ? csvRow(this.headers()) : "";
      await handle.write(prefix + csvRow(cells)); // one write: O_APPEND keeps it whole against other writers
      await handle.sync();
    } finally {
      await handle.close();
    }
    return ++this.rows;
  }
}

/** The offset just after the file's last newline (0 if it has none). */
async function endOfLastLine(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(4096);
  for (let end = size; end > 0; end -= chunk.length) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
  }
  return 0;
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `npm run review -- export DIR`: the reviewed items of this Space's queue as a dataset in DIR
 * (`<label>/<id>.png` + `manifest.csv`), for `training/train.py --extra DIR`.
 * `npm run review -- stats`: the queue's counts. The queue is the one the Space uses:
 * `monitor.sqlite3` under SPACE_DATA_DIR, else `.gradio/` (or `--file PATH`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { exportDataset } from "./export.ts";
import { ReviewQueue } from "./index.ts";

const USAGE = "Usage: npm run review -- export DIR [--file monitor.sqlite3] | stats [--file monitor.sqlite3]";
const args = process.argv.slice(2);
const at = args.indexOf("--file");
const file = at >= 0 ? args.splice(at, 2)[1] : join(process.env.SPACE_DATA_DIR || ".gradio", "monitor.sqlite3");
const [command, dir] = args;

if (!file || !existsSync(file)) {
  console.error(`No review queue at ${file ?? "(no --file)"}: start the Space (npm start) and flag something first, or pass --file.`);
  process.exit(1);
}
// Relabelling is not done here, so the queue needs no class list.
const queue = await ReviewQueue.open({ file, labels: [], policy: { live: false, lowConfidence: 0, outOfDomain: false, sample: 0 } });
try {
  if (command === "export" && dir) {
    const result = await exportDataset(queue, dir);
    console.log(
      `Exported ${result.count} reviewed picture(s) to ${dir}: ${Object.entries(result.labels)
        .map(([l, n]) => `${l} ${n}`)
        .join(", ")}.`,
    );
    for (const s of result.skipped) console.warn(`  skipped ${s.id}: its picture could not be read (${s.why})`);
    console.log(`Retrain with: /usr/bin/python3 training/train.py --extra ${dir} --out model.onnx`);
  } else if (command === "stats") {
    console.log(JSON.stringify(await queue.store.counts(), null, 2));
  } else {
    console.error(USAGE);
    process.exitCode = 2;
  }
} catch (err) {
  if (!(err instanceof InputError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
} finally {
  queue.close();
}

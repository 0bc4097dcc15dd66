/**
 * The other revision, for shared-database.test.ts: a process that takes the lock of the monitor's
 * file (argv[2]) in a write transaction and holds it, its main thread blocked as by a slow disk.
 * `long MS`: holds it MS ms, then commits (meta key "writer" = "committed"). `killed`: first writes
 * pages into the file itself (a tiny page cache spills them), then holds it until it is killed.
 */
import { SharedDatabase } from "../../src/sqlite/shared-database.ts";

const [file, mode, ms] = process.argv.slice(2);
const db = SharedDatabase.open(file!);
const block = (time: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, time);
await db.run((d) => {
  d.exec("BEGIN IMMEDIATE");
  if (mode === "killed") {
    d.exec("PRAGMA cache_size = 2");
    d.run("UPDATE buckets SET requests = requests + 1000");
    for (let start = 1; start <= 300; start++) {
      d.run("INSERT INTO buckets VALUES (?, 'killed', 1, 0, 0, 0, 0, ?, '[]', '[]')", [start, "x".repeat(3000)]);
    }
    console.log("holding");
    for (;;) block(60_000);
  }
  d.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('writer', 'committed')");
  console.log("holding");
  block(Number(ms));
  d.exec("COMMIT");
});
console.log("committed");
db.close();
process.exit(0);

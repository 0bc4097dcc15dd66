/**
 * Rolls back a transaction that a killed process left half-written in a SQLite file.
 *
 * SQLite would do this itself when it finds a "hot" rollback journal, but node-sqlite3-wasm's VFS
 * takes one `.lock` folder for every lock level and answers "is it reserved?" by whether that
 * folder exists — which it does, because the reader holds it. So SQLite never sees a journal as
 * hot, and a transaction that had written some pages when its process was killed stays half in
 * the file (measured: a killed UPDATE of 2 000 rows left 1 992 of them changed). This replays the
 * journal as SQLite's pager does (https://www.sqlite.org/fileformat.html#the_rollback_journal):
 * only call it while holding the file's lock, when no live process can be writing.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";

const MAGIC = Buffer.from("d9d505f920a163d7", "hex");

const powerOfTwo = (n: number, min: number, max: number) => n >= min && n <= max && (n & (n - 1)) === 0;

/** SQLite's page checksum: the nonce plus every 200th byte, from the end (pager.c pager_cksum). */
function checksum(page: Buffer, nonce: number): number {
  let sum = nonce;
  for (let i = page.length - 200; i > 0; i -= 200) sum = (sum + page[i]!) >>> 0;
  return sum;
}

/**
 * Puts back the pages saved in `<file>-journal`, truncates the file to its size before the
 * transaction, and deletes the journal. Returns how many pages were put back (0: no journal, or
 * one whose transaction never reached the database file).
 *
 * @example
 * // holding monitor.sqlite3.lock, after removing a lock whose process was killed:
 * rollBackHotJournal("/data/monitor.sqlite3") // → 3
 */
export function rollBackHotJournal(file: string): number {
  const journal = `${file}-journal`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(journal);
  } catch {
    return 0;
  }
  let restored = 0;
  let originalPages: number | undefined;
  let pageSize = 0;
  const fd = openSync(file, "r+");
  try {
    let header = 0;
    // A journal may hold several segments, each with its header at a sector boundary.
    segments: while (header + 28 <= bytes.length && bytes.subarray(header, header + 8).equals(MAGIC)) {
      let records = bytes.readUInt32BE(header + 8);
      const nonce = bytes.readUInt32BE(header + 12);
      const pages = bytes.readUInt32BE(header + 16);
      const sector = bytes.readUInt32BE(header + 20);
      pageSize = bytes.readUInt32BE(header + 24);
      if (!powerOfTwo(sector, 32, 65_536) || !powerOfTwo(pageSize, 512, 65_536)) break;
      originalPages ??= pages;
      const size = pageSize + 8;
      let at = header + sector;
      // 0xffffffff: written without syncing, "as many records as the file holds".
      if (records === 0xffffffff) records = Math.floor((bytes.length - at) / size);
      for (let i = 0; i < records; i++, at += size) {
        // A record cut short or with a wrong checksum was never synced: nothing after it counts.
        if (at + size > bytes.length) break segments;
        const pgno = bytes.readUInt32BE(at);
        const page = bytes.subarray(at + 4, at + 4 + pageSize);
        if (pgno === 0 || checksum(page, nonce) !== bytes.readUInt32BE(at + 4 + pageSize)) break segments;
        writeSync(fd, page, 0, pageSize, (pgno - 1) * pageSize);
        restored++;
      }
      header = Math.ceil(at / sector) * sector;
    }
    if (restored && originalPages !== undefined) {
      ftruncateSync(fd, originalPages * pageSize);
      fsyncSync(fd);
    }
  } finally {
    closeSync(fd);
  }
  unlinkSync(journal);
  return restored;
}

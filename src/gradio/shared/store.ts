/**
 * Shared mode's uploads and flags. An upload is kept on the replica that took it and in Redis
 * (`file:<sha256>/<name>`, with a TTL and a size cap); a replica that runs a job naming a file it
 * does not have copies it from Redis into its own upload folder first (`materialize`). A flag is
 * appended to the `flags` Stream, and one elected replica (lock `flag-writer`) writes the Stream
 * to its CSV through the embedded CsvLogger, acking each entry after its row is on disk; a
 * journal beside the CSV makes a re-delivered entry (the writer died between row and ack) a
 * no-op, so every flag becomes exactly one row.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Redis } from "ioredis";
import { InputError } from "../../errors.ts";
import type { BackendContext } from "../backend.ts";
import { saveUploads, type Upload } from "../uploads.ts";
import type { Keys } from "./keys.ts";
import { unavailable } from "./unavailable.ts";

const UPLOAD_PATH = /([0-9a-f]{64})[\\/]([^\\/]+)$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Uploads that every replica can read. */
export class SharedUploads {
  constructor(
    private readonly cmd: Redis,
    private readonly keys: Keys,
    private readonly uploadDir: string,
    private readonly options: { ttlMs: number; maxBytes: number },
  ) {}

  async save(files: (File | Upload)[], dir: string): Promise<string[]> {
    const bytesOf = async (file: File | Upload) => (file instanceof File ? Buffer.from(await file.arrayBuffer()) : Buffer.from(file.bytes));
    for (const file of files) {
      if ((file instanceof File ? file.size : file.bytes.length) > this.options.maxBytes) {
        throw new InputError(
          `Upload too large for the shared queue: the limit is ${Math.round(this.options.maxBytes / 2 ** 20)} MB. Send a smaller image.`,
          413,
        );
      }
    }
    const paths = await saveUploads(files, dir);
    const pipe = this.cmd.pipeline();
    for (const [i, path] of paths.entries()) {
      const [, sha, name] = UPLOAD_PATH.exec(path)!;
      pipe.set(this.keys.file(`${sha}/${name}`), await bytesOf(files[i]!), "PX", this.options.ttlMs);
    }
    const results = await pipe.exec().catch((err: unknown) => [[err, null]] as [unknown, unknown][]);
    const failed = (results ?? []).find(([err]) => err);
    if (failed) throw unavailable(failed[0]);
    return paths;
  }

  /** The job's inputs with every uploaded file's path pointing into this replica's upload folder (copied from Redis when missing). */
  async materialize<T>(value: T): Promise<T> {
    if (Array.isArray(value)) return (await Promise.all(value.map((v) => this.materialize(v)))) as T;
    if (typeof value !== "object" || value === null) return value;
    const object = value as Record<string, unknown>;
    const match = typeof object.path === "string" ? UPLOAD_PATH.exec(object.path) : null;
    if (!match) return value;
    const [, sha, name] = match as unknown as [string, string, string];
    const local = join(this.uploadDir, sha, name);
    if (!existsSync(local)) {
      let bytes: Buffer | null;
      try {
        bytes = await this.cmd.getBuffer(this.keys.file(`${sha}/${name}`));
      } catch (err) {
        throw unavailable(err);
      }
      // Content-addressed: bytes that do not hash to their folder's name are not the upload.
      if (!bytes || createHash("sha256").update(bytes).digest("hex") !== sha) return value;
      await mkdir(dirname(local), { recursive: true });
      const partial = `${local}.${randomBytes(6).toString("hex")}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, local);
    }
    return { ...object, path: local } as T;
  }
}

type Entry = [id: string, fields: string[]];
interface Journal {
  id: string;
  size: number;
}

/** The flags Stream and its one writer. */
export class SharedFlags {
  private closed = false;
  private writer = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly cmd: Redis,
    private readonly conn: Redis,
    private readonly keys: Keys,
    private readonly ctx: BackendContext,
    private readonly consumer: string,
    private readonly uploads: SharedUploads,
  ) {
    this.loop = this.run();
  }

  /** Appends the flag and waits (15 s at most) for its row: null if the writer has not written it yet (it will). */
  async flag(inputs: unknown[], outputs: unknown[]): Promise<number | null> {
    const id = randomUUID();
    try {
      await this.cmd.xadd(
        this.keys.flags,
        "MAXLEN",
        "~",
        100_000,
        "*",
        "id",
        id,
        "in",
        JSON.stringify(inputs),
        "out",
        JSON.stringify(outputs),
      );
    } catch (err) {
      throw unavailable(err);
    }
    for (let i = 0; i < 600; i++) {
      const reply = await this.cmd.get(this.keys.flagReply(id)).catch(() => null);
      if (reply !== null) {
        const { row, error, status } = JSON.parse(reply) as { row?: number | null; error?: string; status?: number };
        if (error) throw new InputError(error, (status ?? 422) as 422);
        return row ?? null;
      }
      await sleep(25);
    }
    return null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.writer)
      await this.cmd
        .eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          this.keys.flagWriter,
          this.consumer,
        )
        .catch(() => {});
    await this.loop;
  }

  private async run(): Promise<void> {
    const { flags, flagGroup, flagWriter } = this.keys;
    let fresh = true;
    while (!this.closed) {
      try {
        const got = await this.cmd.set(flagWriter, this.consumer, "PX", 10_000, "NX");
        this.writer =
          got === "OK" || ((await this.cmd.get(flagWriter)) === this.consumer && (await this.cmd.pexpire(flagWriter, 10_000)) === 1);
        if (!this.writer) {
          fresh = true;
          await sleep(1000);
          continue;
        }
        await this.cmd.xgroup("CREATE", flags, flagGroup, "0", "MKSTREAM").catch(() => {});
        if (fresh) {
          // A new writer first takes what an old one left unacked (it held the lock: it is gone).
          const [, claimed] = (await this.cmd.xautoclaim(flags, flagGroup, this.consumer, 0, "0-0", "COUNT", 100)) as [string, Entry[]];
          for (const entry of claimed) if (entry?.[1]) await this.write(entry);
          fresh = false;
        }
        const result = (await this.conn.xreadgroup("GROUP", flagGroup, this.consumer, "COUNT", 20, "BLOCK", 1000, "STREAMS", flags, ">")) as
          | [string, Entry[]][]
          | null;
        for (const [, entries] of result ?? []) for (const entry of entries) await this.write(entry);
      } catch {
        fresh = true;
        await sleep(500);
      }
    }
  }

  private async write([streamId, list]: Entry): Promise<void> {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]!] = list[i + 1]!;
    const journalFile = join(dirname(this.ctx.flagFile), ".shared-flags.journal");
    const size = statSync(this.ctx.flagFile, { throwIfNoEntry: false })?.size ?? 0;
    const journal = existsSync(journalFile) ? (JSON.parse(readFileSync(journalFile, "utf8")) as Journal) : undefined;
    let reply: { row?: number | null; error?: string; status?: number };
    if (journal?.id === streamId && size > journal.size) {
      reply = { row: null }; // written before the last writer died, never acked: not again
    } else {
      mkdirSync(dirname(journalFile), { recursive: true });
      const fd = openSync(journalFile, "w");
      writeSync(fd, JSON.stringify({ id: streamId, size } satisfies Journal));
      fsyncSync(fd);
      closeSync(fd);
      try {
        const inputs = await this.uploads.materialize(JSON.parse(fields.in ?? "[]") as unknown[]);
        reply = { row: await this.ctx.flagLocal(inputs, JSON.parse(fields.out ?? "[]") as unknown[]) };
      } catch (err) {
        reply = { error: (err as Error).message, status: err instanceof InputError ? err.status : 500 };
      }
    }
    await this.cmd
      .multi()
      .set(this.keys.flagReply(fields.id ?? streamId), JSON.stringify(reply), "PX", 60_000)
      .xack(this.keys.flags, this.keys.flagGroup, streamId)
      .exec();
  }
}

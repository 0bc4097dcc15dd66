/**
 * The Git LFS object store and batch API, basic transfer
 * (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md): the client asks where to
 * upload or download objects, then PUTs or GETs each one. Objects are stored by their SHA-256
 * and checked against it (and their declared size, and the host's size cap) before they are
 * kept; a partial or wrong upload never becomes an object.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, link, mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HostError } from "../errors.ts";

export const OID = /^[0-9a-f]{64}$/;

/** Where a Space's LFS object lives. */
export const objectPath = (objectsDir: string, oid: string) => join(objectsDir, oid.slice(0, 2), oid.slice(2, 4), oid);

/** A size in the units people read. */
const human = (bytes: number) =>
  bytes >= 1e9 ? `${+(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${+(bytes / 1e6).toFixed(2)} MB` : `${bytes} bytes`;

/**
 * Answers a batch request: for uploads, where to PUT objects not yet stored (and where to
 * verify); for downloads, where to GET them. A bad or oversized object gets its own error, as
 * the spec has it, so the others still go through.
 *
 * `signUpload` adds a query to each upload href that authorizes that one PUT by itself, like
 * the Hub's presigned storage URLs: `@huggingface/hub` and `huggingface_hub` PUT to the href
 * without the action's headers.
 *
 * @throws {HostError} 422 when the request itself is not a batch request.
 * @example
 * await batch({ operation: "download", objects: [{ oid, size }] }, dir, "http://h/spaces/a/b.git/info/lfs", { Authorization: "Basic …" }, 5e9)
 */
export async function batch(
  body: unknown,
  objectsDir: string,
  baseUrl: string,
  header: Record<string, string>,
  maxBytes: number,
  signUpload: (oid: string) => string = () => "",
) {
  const { operation, objects } = (body ?? {}) as { operation?: unknown; objects?: unknown };
  if (operation !== "upload" && operation !== "download")
    throw new HostError(422, `operation must be "upload" or "download", got ${JSON.stringify(operation) ?? "nothing"}`);
  if (!Array.isArray(objects)) throw new HostError(422, "objects must be a list of {oid, size}");
  const answers = await Promise.all(
    objects.map(async (object: { oid?: unknown; size?: unknown } | null) => {
      const { oid, size } = object ?? {};
      if (typeof oid !== "string" || !OID.test(oid) || typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
        return {
          oid: String(oid),
          size: Number(size),
          error: { code: 422, message: "oid must be 64 lowercase hex characters and size a whole number of bytes" },
        };
      }
      if (size > maxBytes)
        return { oid, size, error: { code: 422, message: `${human(size)} is over this host's limit of ${human(maxBytes)} per file` } };
      const have = await stat(objectPath(objectsDir, oid)).then(
        (s) => s.size === size,
        () => false,
      );
      const href = `${baseUrl}/objects/${oid}`;
      if (operation === "upload") {
        return have
          ? { oid, size } // already stored: no actions, the client skips it
          : {
              oid,
              size,
              authenticated: true,
              actions: {
                upload: { href: `${href}${signUpload(oid)}`, header, expires_in: 3600 },
                verify: { href: `${baseUrl}/verify`, header, expires_in: 3600 },
              },
            };
      }
      return have
        ? { oid, size, authenticated: true, actions: { download: { href, header, expires_in: 3600 } } }
        : { oid, size, error: { code: 404, message: `Object ${oid} does not exist on this Space` } };
    }),
  );
  return { transfer: "basic", objects: answers, hash_algo: "sha256" };
}

/**
 * Stores an uploaded object after checking its SHA-256, its length (when the client said it)
 * and the size cap. Written aside and renamed, so a reader never sees half an object; an
 * interrupted or refused upload leaves nothing behind.
 *
 * @throws {HostError} 413 over the cap, 422 when the bytes do not match, 400 when cut off.
 */
export async function storeObject(
  objectsDir: string,
  oid: string,
  body: ReadableStream<Uint8Array> | null,
  { size, maxBytes }: { size?: number; maxBytes: number },
): Promise<void> {
  if (!OID.test(oid)) throw new HostError(422, `oid must be 64 lowercase hex characters, got ${oid.slice(0, 80)}`);
  if (!body) throw new HostError(400, "The upload has no body.");
  if (size !== undefined && size > maxBytes)
    throw new HostError(413, `${human(size)} is over this host's limit of ${human(maxBytes)} per file.`);
  const target = objectPath(objectsDir, oid);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.${randomBytes(6).toString("hex")}.partial`;
  const hash = createHash("sha256");
  let received = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > maxBytes) return done(new HostError(413, `The upload is over this host's limit of ${human(maxBytes)} per file.`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream), check, createWriteStream(partial));
    if (size !== undefined && received !== size) throw new HostError(400, `The upload was cut off: ${received} of ${size} bytes arrived.`);
    const actual = hash.digest("hex");
    if (actual !== oid) throw new HostError(422, `The uploaded bytes hash to ${actual}, not ${oid}.`);
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    throw err instanceof HostError ? err : new HostError(400, `The upload was cut off: ${(err as Error).message}.`);
  }
}

/** A stored object as a stream, with its size; undefined when absent. */
export async function readObject(
  objectsDir: string,
  oid: string,
): Promise<{ size: number; stream: ReadableStream<Uint8Array> } | undefined> {
  if (!OID.test(oid)) return undefined;
  const path = objectPath(objectsDir, oid);
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  return { size: info.size, stream: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array> };
}

/** Whether the object is stored with exactly this size (the verify step). */
export async function hasObject(objectsDir: string, oid: string, size: unknown): Promise<boolean> {
  if (!OID.test(oid) || typeof size !== "number") return false;
  return stat(objectPath(objectsDir, oid)).then(
    (s) => s.size === size,
    () => false,
  );
}

/**
 * Puts the object in the file `source` (already known to hash to `oid`) into a store without
 * copying its bytes where the filesystem allows: a hard link, as objects are never changed in
 * place (an upload is written aside and renamed over). Across filesystems (EXDEV) or where links
 * are not allowed, the bytes are copied, aside and renamed, so a reader never sees half an
 * object. An object already stored is left as it is.
 *
 * @returns how it got there: "linked", "copied", or "present".
 * @example
 * await linkObject(objectPath(sourceLfs, oid), targetLfs, oid); // → "linked"
 */
export async function linkObject(source: string, objectsDir: string, oid: string): Promise<"linked" | "copied" | "present"> {
  if (!OID.test(oid)) throw new HostError(422, `oid must be 64 lowercase hex characters, got ${oid.slice(0, 80)}`);
  const target = objectPath(objectsDir, oid);
  if (await stat(target).catch(() => undefined)) return "present";
  await mkdir(dirname(target), { recursive: true });
  try {
    await link(source, target);
    return "linked";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return "present";
    if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw err;
  }
  const partial = `${target}.${randomBytes(6).toString("hex")}.partial`;
  try {
    await copyFile(source, partial);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return "copied";
}

/**
 * Stores the file at `file` as an object, once: it is hashed, and copied (aside, hashed again
 * and renamed) only when the store does not have it yet, so a file changed meanwhile never
 * becomes an object under another's oid.
 *
 * @returns its oid and size.
 * @example
 * const { oid, size } = await storeFile(templatesLfs, "/srv/app/model.onnx");
 */
export async function storeFile(objectsDir: string, file: string): Promise<{ oid: string; size: number }> {
  const hashed = async (path: string) => {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { oid: hash.digest("hex"), size };
  };
  const { oid, size } = await hashed(file);
  if (await hasObject(objectsDir, oid, size)) return { oid, size };
  const target = objectPath(objectsDir, oid);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.${randomBytes(6).toString("hex")}.partial`;
  try {
    await copyFile(file, partial);
    if ((await hashed(partial)).oid !== oid) throw new Error(`${file} changed while it was being stored; try again.`);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return { oid, size };
}

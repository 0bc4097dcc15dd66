/**
 * The Git LFS batch API, basic transfer (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md):
 * the client asks where to upload or download objects, then PUTs or GETs each one. Objects are
 * stored by their SHA-256 and checked against it before they are kept.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export const LFS_TYPE = "application/vnd.git-lfs+json";
const OID = /^[0-9a-f]{64}$/;

/** Where a Space's LFS object lives. */
export const objectPath = (objectsDir: string, oid: string) => join(objectsDir, oid.slice(0, 2), oid.slice(2, 4), oid);

interface BatchRequest {
  operation?: unknown;
  objects?: { oid?: unknown; size?: unknown }[];
}

/**
 * Answers a batch request: for uploads, where to PUT objects not yet stored (and where to verify);
 * for downloads, where to GET them, or a 404 error per missing object.
 *
 * @example
 * await batch({ operation: "download", objects: [{ oid, size }] }, dir, "http://h/spaces/a/b.git/info/lfs", { Authorization: "Basic …" })
 */
export async function batch(body: BatchRequest, objectsDir: string, baseUrl: string, header: Record<string, string>) {
  if (body.operation !== "upload" && body.operation !== "download") {
    return { status: 422, json: { message: `operation must be "upload" or "download", got ${JSON.stringify(body.operation)}` } };
  }
  if (!Array.isArray(body.objects)) return { status: 422, json: { message: "objects must be a list of {oid, size}" } };
  const objects = await Promise.all(
    body.objects.map(async ({ oid, size }) => {
      if (typeof oid !== "string" || !OID.test(oid) || typeof size !== "number" || size < 0) {
        return { oid: String(oid), size: Number(size), error: { code: 422, message: "oid must be 64 hex characters and size a number" } };
      }
      const have = await stat(objectPath(objectsDir, oid)).then((s) => s.size === size, () => false);
      const href = `${baseUrl}/objects/${oid}`;
      if (body.operation === "upload") {
        return have
          ? { oid, size } // already stored: no actions, the client skips it
          : { oid, size, authenticated: true, actions: { upload: { href, header, expires_in: 3600 }, verify: { href: `${baseUrl}/verify`, header, expires_in: 3600 } } };
      }
      return have
        ? { oid, size, authenticated: true, actions: { download: { href, header, expires_in: 3600 } } }
        : { oid, size, error: { code: 404, message: `Object ${oid} does not exist on this Space` } };
    }),
  );
  return { status: 200, json: { transfer: "basic", objects, hash_algo: "sha256" } };
}

/**
 * Stores an uploaded object after checking its SHA-256 (and size, if the client said it).
 * Written aside and renamed, so a reader never sees half an object.
 *
 * @returns an error message, or undefined when stored.
 */
export async function storeObject(objectsDir: string, oid: string, body: ReadableStream<Uint8Array> | null): Promise<string | undefined> {
  if (!OID.test(oid)) return `oid must be 64 hex characters, got ${oid}`;
  if (!body) return "missing body";
  const target = objectPath(objectsDir, oid);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.${randomBytes(6).toString("hex")}.partial`;
  const hash = createHash("sha256");
  const source = Readable.fromWeb(body as import("node:stream/web").ReadableStream);
  source.on("data", (chunk: Buffer) => hash.update(chunk));
  await pipeline(source, createWriteStream(partial));
  const actual = hash.digest("hex");
  if (actual !== oid) {
    await rm(partial, { force: true });
    return `the uploaded bytes hash to ${actual}, not ${oid}`;
  }
  await rename(partial, target);
  return undefined;
}

/** A stored object as a stream, with its size; undefined when absent. */
export async function readObject(objectsDir: string, oid: string): Promise<{ size: number; stream: ReadableStream<Uint8Array> } | undefined> {
  if (!OID.test(oid)) return undefined;
  const path = objectPath(objectsDir, oid);
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  return { size: info.size, stream: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array> };
}

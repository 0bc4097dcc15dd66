/**
 * `node:fs/promises` for the framework's code in the browser bundle: an Image or File output
 * named by a server path reads that file, which a page has no way to. A static Space's Interface
 * never gets there (its outputs are Labels); if an app does, the page says why.
 */

/**
 * @example
 * await readFile("/tmp/x.png") // rejects: a static Space has no files to read
 */
export async function readFile(path: string): Promise<Uint8Array> {
  throw new Error(`A static Space cannot read ${path}: it runs in the visitor's browser, with no server files (docs/static-space.md).`);
}

export default { readFile };

/**
 * A plain static file server (node:http, not the Space's server) for the static Space's tests and
 * bench: a folder's files with their MIME types, nothing else, as any static host would serve
 * them. Counts the bytes it sends, and can send a Content-Security-Policy with every response.
 *
 * @example
 * const site = await serveFolder("dist/static", { csp: "default-src 'self'" });
 * await fetch(`${site.url}/index.html`); console.log(site.bytesSent); await site.close();
 */
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".md": "text/markdown; charset=utf-8",
};

export interface FolderServer {
  url: string;
  /** Body bytes sent since start (or the last reset). */
  bytesSent: number;
  close(): Promise<void>;
}

export async function serveFolder(folder: string, { csp }: { csp?: string } = {}): Promise<FolderServer> {
  const base = resolve(folder);
  const state = { bytesSent: 0 };
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = resolve(join(base, path.endsWith("/") ? `${path}index.html` : path));
    if (file !== base && !file.startsWith(base + sep)) return void res.writeHead(403).end();
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": body.length,
        ...(csp ? { "content-security-policy": csp } : {}),
      });
      state.bytesSent += body.length;
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get bytesSent() {
      return state.bytesSent;
    },
    set bytesSent(n: number) {
      state.bytesSent = n;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Shared test fixtures and helpers: the committed Fashion-MNIST images, hostile inputs made on the fly, and the one poller. */
import dns from "node:dns";
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** The first 200 Fashion-MNIST test images (PNG bytes) and their labels. */
export function fashionImages(): { bytes: Buffer; label: string }[] {
  const labels: string[] = JSON.parse(readFileSync(fixture("fashion-mnist/labels.json"), "utf8"));
  return labels.map((label, i) => ({ label, bytes: readFileSync(fixture(`fashion-mnist/${String(i).padStart(3, "0")}.png`)) }));
}

export const dataUrl = (bytes: Uint8Array, mime = "image/png") => `data:${mime};base64,${Buffer.from(bytes).toString("base64")}`;

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A valid, fully decodable 1-bit black PNG of width × height: 20,000 × 20,000 compresses to
 * ~50 KB but would decode to 400 MP (a decompression bomb).
 */
export function hugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const row = Math.ceil(width / 8) + 1; // filter byte + packed bits
  const raw = Buffer.alloc(row * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * An 8-bit grayscale PNG of seeded uniform noise: nothing like a garment, so the model's
 * out-of-domain score flags it.
 */
export function noisePng(width = 28, height = 28, seed = 1): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((width + 1) * height);
  let x = seed;
  for (let i = 0; i < raw.length; i++) {
    if (i % (width + 1) === 0) {
      raw[i] = 0; // the row's filter byte: none
    } else {
      x = (x * 1103515245 + 12345) >>> 0;
      raw[i] = x >>> 24;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A minimal RFC 4180 reader (quoted cells may hold commas, quotes and newlines); throws on a row cut short. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++; // skip the second quote of the pair
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell || row.length) throw new Error(`the file ends in the middle of a row: ${JSON.stringify(row.concat(cell))}`);
  return rows;
}

/**
 * Whether the listening socket on `port` is bound to 127.0.0.1 only (read from /proc/net/tcp,
 * so nothing connects to any other address to find out).
 */
export function listensOnLoopbackOnly(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const listening = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === "0A" && f[1]?.endsWith(`:${hexPort}`))
    .map((f) => f[1]!.split(":")[0]);
  return listening.length > 0 && listening.every((address) => address === "0100007F");
}

/**
 * Whether apps can be sandboxed here (root, bubblewrap); on CI their absence fails the run instead of skipping.
 *
 * @example
 * describe.skipIf(!sandboxPresent("hostile Space tests"))("a hostile Space …", () => { … });
 */
export function sandboxPresent(what: string): boolean {
  if (process.getuid?.() === 0 && existsSync("/usr/bin/bwrap")) return true;
  const why = `${what} need the sandbox: root and /usr/bin/bwrap (apt-get install bubblewrap socat)`;
  if (process.env.CI === "true") throw new Error(why);
  console.warn(`Skipping ${why}`);
  return false;
}

/**
 * Whether only the host can reach an app at `address`: the host's link to the Unix socket into
 * its sandbox (the socket itself pinned, not a link to one), both in folders only root (the
 * host) may enter or change; or, in dev mode, a port bound to 127.0.0.1 only.
 */
export function onlyTheHostReaches(address: string): boolean {
  if (!address.startsWith("/")) return listensOnLoopbackOnly(Number(address.split(":").pop()));
  // The host's short link, in a root-only folder, to the pinned socket, in a root-only folder.
  const rootOnly = (path: string) => {
    const folder = statSync(dirname(path));
    return (folder.mode & 0o077) === 0 && folder.uid === 0;
  };
  const pinned = readlinkSync(address);
  return lstatSync(address).isSymbolicLink() && rootOnly(address) && lstatSync(pinned).isSocket() && rootOnly(pinned);
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many ms (default 10 000). */
  timeout?: number;
  /** Poll every this many ms (default 50). */
  every?: number;
  /** What is awaited, for the timeout's message ("redis", "the stage RUNNING"). */
  what?: string;
}

/**
 * The one poller of the tests: calls `check` until it returns something truthy, and returns
 * that. A check that throws counts as "not yet" (a server still starting refuses connections);
 * on timeout it throws an error naming `what`, with the last error the check threw.
 *
 * @example
 * await waitFor(async () => (await fetch(`${url}/readyz`)).ok, { timeout: 30_000, what: "replica r1" });
 * const rollout = await waitFor(() => rt().rollout, { what: "a rollout" });
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<T> {
  const { timeout = 10_000, every = 50, what = "the condition" } = options;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, every));
  }
  const cause = lastError === undefined ? "" : ` (last error: ${(lastError as Error)?.message ?? lastError})`;
  throw new Error(`Timed out after ${timeout} ms waiting for ${what}${cause}`);
}

/**
 * Lets this process's Node (its fetch, and @gradio/client on it) resolve `*.localhost` names to
 * the loopback as Chromium and curl do, for apps on their own origins (`<owner>-<name>.spaces.localhost`).
 * Node asks the system's resolver, which on Debian without systemd-resolved does not know them
 * (the README says so): only those names are answered here, every other goes to the system.
 *
 * @example
 * resolveLocalhostSubdomains();
 * await Client.connect("http://alice-demo.spaces.localhost:7861/");
 */
export function resolveLocalhostSubdomains(): void {
  const system = dns.lookup as typeof dns.lookup & { localhost?: true };
  if (system.localhost) return;
  const lookup = ((host: string, options: unknown, callback?: unknown) =>
    (system as (...args: unknown[]) => void)(/\.localhost\.?$/i.test(host) ? "127.0.0.1" : host, options, callback)) as typeof dns.lookup;
  dns.lookup = Object.assign(lookup, { localhost: true as const });
}

/**
 * The curl flow of Gradio's API page, over fetch: POST `{url}/gradio_api/call/<endpoint>` with
 * `{data}`, then the GET's whole SSE text (`event: generating` / `complete` / `error` frames).
 *
 * @example
 * await callStream(server.url, "spell", ["abc"]) // → 'event: generating\ndata: ["a"]\n\n…event: complete\ndata: ["abc"]\n\n'
 */
export async function callStream(url: string, endpoint: string, data: unknown[]): Promise<string> {
  const base = `${url}/gradio_api/call/${endpoint}`;
  const { event_id } = (await (await fetch(base, { method: "POST", body: JSON.stringify({ data }) })).json()) as { event_id: string };
  return (await fetch(`${base}/${event_id}`)).text();
}

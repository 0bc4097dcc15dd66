/**
 * Downloads an image named by URL (the curl flow's `{"path": "https://…"}`), refusing private
 * and loopback addresses so a Space cannot be used to reach its own network (SSRF). The check
 * runs on the address actually connected to, so a DNS answer cannot change between check and use.
 */
import { lookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { InputError } from "../errors.ts";

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

/** Whether an IP address is loopback, private, link-local, multicast or unspecified (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) return PRIVATE.check(mapped[1]!, "ipv4");
  return PRIVATE.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** Options of {@link fetchUrl}. */
export interface FetchOptions {
  /** Allow loopback and private addresses (tests, or a Space on a trusted network). */
  allowPrivate?: boolean;
  /** Largest body accepted. */
  maxBytes: number;
  timeoutMs?: number;
  redirects?: number;
}

/**
 * GETs `url` and returns its body.
 *
 * @throws {InputError} 422 for a refused address, an error status, a timeout or too many redirects; 413 over `maxBytes`.
 * @example
 * const bytes = await fetchUrl("https://example.com/cat.jpg", { maxBytes: 50 * 1024 * 1024 });
 */
export function fetchUrl(url: string, options: FetchOptions): Promise<Uint8Array> {
  const { allowPrivate = false, maxBytes, timeoutMs = 10_000, redirects = 5 } = options;
  const fail = (why: string, status: 413 | 422 = 422) => new InputError(`Could not fetch the image at ${url}: ${why}.`, status);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(fail("not a valid URL"));
  }
  if (target.protocol !== "http:" && target.protocol !== "https:")
    return Promise.reject(fail(`only http and https URLs are fetched, not ${target.protocol}`));
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const refused = (address: string) => fail(`${host} is a private or loopback address (${address}), which this Space does not fetch`);
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) return Promise.reject(refused(host));
  const safeLookup: LookupFunction = (hostname, opts, callback) => {
    lookup(hostname, { ...opts, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 4);
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(refused(bad.address), "", 4);
      if (opts.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
  return new Promise((resolve, reject) => {
    const request = (target.protocol === "https:" ? https : http).get(target, { lookup: safeLookup, timeout: timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) return reject(fail("too many redirects"));
        // Each hop is checked again: a public URL may redirect to a private one.
        return resolve(fetchUrl(new URL(res.headers.location, target).href, { ...options, redirects: redirects - 1 }));
      }
      if (status !== 200) {
        res.resume();
        return reject(fail(`the server answered HTTP ${status}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          request.destroy();
          reject(fail(`it is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`, 413));
        } else chunks.push(chunk);
      });
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", (err) => reject(fail(err.message)));
    });
    request.on("timeout", () => request.destroy(fail(`no answer within ${timeoutMs / 1000} s`)));
    request.on("error", (err) => reject(err instanceof InputError ? err : fail(err.message)));
  });
}

/**
 * Reads a CGI program's response (git http-backend's): header lines up to a blank line, then
 * the body, streamed. Follows Go's net/http/cgi host: `Status:` sets the code, a missing blank
 * line or Content-Type is a 500. The header block may arrive split across any chunks.
 */
import type { Readable } from "node:stream";

/** A parsed CGI response. */
export interface CgiResponse {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array>;
}

/**
 * Waits for the header block of `stdout`, then returns status, headers and the rest as a stream.
 *
 * @example
 * const { status, headers, body } = await readCgiResponse(child.stdout);
 * return new Response(body, { status, headers });
 */
export async function readCgiResponse(stdout: Readable): Promise<CgiResponse> {
  let buffered = Buffer.alloc(0);
  const iterator = stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let end = -1;
  let sepLength = 0;
  while (end < 0) {
    const { value, done } = await iterator.next();
    if (done) throw new Error(`CGI program ended before its header block was complete (${buffered.length} bytes read)`);
    buffered = Buffer.concat([buffered, value]);
    const crlf = buffered.indexOf("\r\n\r\n");
    const lf = buffered.indexOf("\n\n");
    if (crlf >= 0 && (lf < 0 || crlf < lf)) {
      end = crlf;
      sepLength = 4;
    } else if (lf >= 0) {
      end = lf;
      sepLength = 2;
    }
  }
  const headers = new Headers();
  let status = 200;
  for (const line of buffered.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`malformed CGI header line ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.append(name, value);
  }
  if (!headers.has("content-type")) throw new Error("CGI response has no Content-Type");
  const rest = buffered.subarray(end + sepLength);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length) controller.enqueue(new Uint8Array(rest));
    },
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value));
    },
    cancel() {
      stdout.destroy();
    },
  });
  return { status, headers, body };
}

/**
 * Where the host reaches an app: a port on its loopback ("127.0.0.1:43121", an app run as a
 * plain process) or the path of the Unix socket its sandbox exposes (the only way into a
 * sandbox's network). Everything that talks to an app — the proxy, a rollout's shadow copies,
 * the readiness check — goes through {@link appRequestOptions}.
 */
import { request, type RequestOptions } from "node:http";

/** "127.0.0.1:<port>", or the absolute path of a Unix socket. */
export type AppAddress = string;

/**
 * @example
 * tcpAddress(43121) // → "127.0.0.1:43121"
 */
export const tcpAddress = (port: number): AppAddress => `127.0.0.1:${port}`;

/**
 * The node:http options that reach `address`.
 *
 * @example
 * request({ ...appRequestOptions("/srv/spaces/sockets/a/app.sock"), path: "/config" })
 * appRequestOptions("127.0.0.1:43121") // → { host: "127.0.0.1", port: 43121 }
 */
export function appRequestOptions(address: AppAddress): Pick<RequestOptions, "socketPath" | "host" | "port"> {
  if (address.startsWith("/")) return { socketPath: address };
  const colon = address.lastIndexOf(":");
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

/**
 * The status of a GET of `path` on the app, or undefined when it does not answer within `timeoutMs`.
 *
 * @example
 * await appStatus(address, "/config") // → 200
 */
export function appStatus(address: AppAddress, path: string, timeoutMs = 5_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ ...appRequestOptions(address), path, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(undefined));
    req.end();
  });
}

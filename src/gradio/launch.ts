/** `launch(blocks)`: serve a Blocks (or an Interface) on a port, and stop gracefully on SIGTERM. */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { LabelModel } from "../components/label.ts";
import type { Blocks } from "../blocks/blocks.ts";
import { Monitor } from "../monitor/index.ts";
import { ReviewQueue } from "../review/index.ts";
import { createApp, type AppOptions } from "./app.ts";
import { buildUi } from "./page.ts";

/**
 * Options of {@link launch}.
 *
 * @example
 * await iface.launch({ port: 0, host: "127.0.0.1", quiet: true })
 */
export interface LaunchOptions extends AppOptions {
  /** Port (default `PORT` or 7860; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default `GRADIO_SERVER_NAME`, as in Gradio, or 0.0.0.0, as a Space container needs). */
  host?: string;
  /** Print the URL (default true). */
  quiet?: boolean;
  /**
   * The monitor's store (default `monitor.sqlite3` under SPACE_DATA_DIR, or `.gradio/`); false
   * turns the monitor off.
   */
  monitorFile?: string | false;
}

/** The model a Label output of the app shows (its labels and drift reference), if any. */
function labelModel(blocks: Blocks): LabelModel | undefined {
  const labels = blocks.dependencies.flatMap((d) => d.outputs).filter((c) => c.type === "label") as { model?: LabelModel }[];
  return labels.find((l) => l.model)?.model;
}

/**
 * Opens the review queue in the monitor's file (pictures in `review/` beside it); off when it
 * cannot be opened, or the app is not an Interface with a model's Label. The other revision
 * holding the file's lock is no reason: that is waited for.
 */
async function openReview(blocks: Blocks, file: string): Promise<ReviewQueue | undefined> {
  if (blocks.mode !== "interface") return undefined; // relabelling reads the Interface's image input
  const model = labelModel(blocks);
  if (!model?.labels) return undefined; // relabelling needs the model's classes
  try {
    return await ReviewQueue.open({ file, labels: model.labels, revision: process.env.SPACE_REVISION });
  } catch (err) {
    console.warn(`Review: off, ${file} could not be opened: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Opens the monitor for `blocks`: its Label's model gives the labels and drift reference. A store
 * that cannot be opened (not writable, or locked by a process that hung for a minute) leaves the
 * Space serving without it; the other revision holding the lock only makes it wait.
 */
async function openMonitor(blocks: Blocks, file: string): Promise<Monitor | undefined> {
  const model = labelModel(blocks);
  try {
    return await Monitor.open({ file, labels: model?.labels, reference: model?.driftReference, revision: process.env.SPACE_REVISION });
  } catch (err) {
    console.warn(`Monitor: off, ${file} could not be opened: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * A running server.
 *
 * @example
 * const server = await iface.launch({ port: 0 });
 * await fetch(`${server.url}/config`);
 * await server.close();
 */
export interface Server {
  /** e.g. http://127.0.0.1:7860 */
  url: string;
  port: number;
  /** Stops accepting connections and resolves when in-flight requests are done. */
  close(): Promise<void>;
}

/**
 * Serves `blocks` (a Blocks or an Interface). SIGTERM and SIGINT finish in-flight requests, then exit, so a host can swap
 * revisions without cutting a prediction in half.
 *
 * @example
 * const server = await launch(iface, { port: 0 });
 * await fetch(`${server.url}/api/predict`, { method: "POST", body: JSON.stringify({ data: [dataUrl] }) });
 */
export async function launch(blocks: Blocks, options: LaunchOptions = {}): Promise<Server> {
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 7860);
  // The Space host sets GRADIO_SERVER_NAME=127.0.0.1 so an app is reachable only through it.
  const host = options.host ?? (process.env.GRADIO_SERVER_NAME || "0.0.0.0");
  const monitorFile = options.monitorFile ?? join(process.env.SPACE_DATA_DIR || ".gradio", "monitor.sqlite3");
  const monitor = options.monitor ?? (monitorFile === false ? undefined : await openMonitor(blocks, monitorFile));
  const review = options.review ?? (monitorFile === false ? undefined : await openReview(blocks, monitorFile));
  // QUEUE_URL: one of several replicas sharing one queue in Redis (loaded only then).
  const shared =
    options.shared ?? (process.env.QUEUE_URL ? await (await import("./shared/index.ts")).openShared(process.env.QUEUE_URL) : undefined);
  const app = createApp(blocks, { ...options, monitor, review, shared });
  const http = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(server));
    server.once("error", reject);
  });
  // The work a serving Space does ahead of its visitors: example results for the page (in the
  // background, so a slow model does not delay the port), and the page bundle.
  void app.precomputeExamples();
  void buildUi().catch((err) => console.error("Building the web UI failed:", err));
  const actual = (http.address() as AddressInfo).port;
  const url = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${actual}`;
  const close = () =>
    new Promise<void>((resolve) => {
      http.close(async () => {
        try {
          if (!options.monitor) await monitor?.close(); // ours to close; one passed in is the caller's
        } finally {
          if (!options.review) review?.close(); // likewise
          if (!options.shared) void shared?.close();
          resolve();
        }
      });
      if ("closeIdleConnections" in http) http.closeIdleConnections();
      // Streams that outlive their work (a client that never reads its SSE) are cut after 5 s.
      if ("closeAllConnections" in http) setTimeout(() => http.closeAllConnections(), 5_000).unref();
    });
  const stop = async (signal: string) => {
    console.log(`${signal}: finishing in-flight requests, then exiting.`);
    // Give slow requests 10 s, then cut them: a host waiting on us has its own deadline.
    setTimeout(() => process.exit(0), 10_000).unref();
    // Shared mode: not ready any more, stop pulling jobs, answer the claimed ones; then close.
    await shared?.drain();
    await close();
    process.exit(0);
  };
  if (!options.quiet) {
    process.once("SIGTERM", () => void stop("SIGTERM"));
    process.once("SIGINT", () => void stop("SIGINT"));
    console.log(`* Running on local URL:  ${url}`);
  }
  return { url, port: actual, close };
}

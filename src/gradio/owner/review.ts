/**
 * The review queue over HTTP, for the Space's owner only (the monitor's rule, `./access.ts`):
 *
 * - `GET /review`: the grid (src/review/page.ts);
 * - `GET /gradio_api/review?status=&reason=&label=&limit=&offset=` → `{items, counts, classes, matching}`;
 * - `GET /gradio_api/review/<id>` → the item; `GET /gradio_api/review/<id>/image` → its picture;
 * - `POST /gradio_api/review/<id>` `{"action": "accept"|"discard"|"label", "label"?, "version"}` →
 *   the item (404 unknown, 409 stale, 422 a class the model does not have);
 * - `GET /gradio_api/review/export.tar.gz` → the reviewed items as a dataset.
 *
 * Requests a browser marks as cross-site are refused (403): without a token the owner is "this
 * machine", and another site open in the owner's browser is on this machine too.
 *
 * {@link reviewFeed} is what the app calls after a live prediction and after a flag.
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import type { Context, Env, Hono } from "hono";
import type { PreprocessContext } from "../../components/component.ts";
import { InputError } from "../../errors.ts";
import type { ImageFile } from "../../image-file.ts";
import type { Interface } from "../../interface.ts";
import { renderMonitorLogin } from "../../monitor/page.ts";
import { exportArchive } from "../../review/export.ts";
import { listQuery, type Decision, type Picture, type Prediction, type ReviewQueue } from "../../review/index.ts";
import { renderReviewPage } from "../../review/page.ts";
import { API_PREFIX } from "../protocol.ts";
import { ownerOnly } from "./access.ts";

const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  avif: "image/avif",
  bmp: "image/bmp",
  tiff: "image/tiff",
};

/** `{action, label?, version}`, or a 422 that shows the expected shape. */
function decisionOf(body: unknown): Decision {
  const b = body as Record<string, unknown> | null;
  const shape = 'Send {"action": "accept" | "discard" | "label", "label": "<class>" (for "label"), "version": <the version you saw>}.';
  if (typeof b !== "object" || b === null || Array.isArray(b)) throw new InputError(`Expected a JSON object. ${shape}`, 422);
  if (!Number.isInteger(b.version)) throw new InputError(`"version" must be the item's version (a whole number). ${shape}`, 422);
  const version = b.version as number;
  if (b.action === "accept" || b.action === "discard") return { action: b.action, version };
  if (b.action === "label") {
    if (typeof b.label !== "string") throw new InputError(`"label" must be a class name. ${shape}`, 422);
    return { action: "label", label: b.label, version };
  }
  throw new InputError(`Unknown action ${JSON.stringify(b.action)}. ${shape}`, 422);
}

/**
 * Adds the review routes to `app`.
 *
 * @example
 * reviewRoutes(app, queue, { title: "Fashion-MNIST classifier", root: (c) => publicRoot(c.req.raw) });
 */
export function reviewRoutes<E extends Env>(
  app: Hono<E>,
  queue: ReviewQueue,
  { title, root }: { title: string; root: (c: Context) => string },
): void {
  // Owner only, and never cross-site.
  const area = { name: "The review queue", realm: "review", crossSite: "The review queue answers its own pages only." };
  const guard = ownerOnly(area);
  const view = async (params: URLSearchParams) => {
    const query = listQuery(params, queue.labels);
    return {
      items: await queue.list({ limit: 200, ...query }),
      counts: await queue.store.counts(),
      classes: queue.labels,
      query,
      matching: await queue.store.count(query),
    };
  };

  app.get("/review", ownerOnly({ ...area, signIn: (c) => renderMonitorLogin({ root: root(c) }) }), async (c) => {
    c.header("cache-control", "no-store");
    return c.html(renderReviewPage(await view(new URL(c.req.url).searchParams), { title, root: root(c) }));
  });

  app.get(`${API_PREFIX}/review`, guard, async (c) => {
    const { items, counts, classes, matching } = await view(new URL(c.req.url).searchParams);
    return c.json({ items, counts, classes, matching });
  });

  app.get(`${API_PREFIX}/review/export.tar.gz`, guard, async (c) => {
    const { file, result, cleanup } = await exportArchive(queue);
    const stream = createReadStream(file);
    stream.once("close", () => void cleanup());
    c.header("content-type", "application/gzip");
    c.header("content-disposition", 'attachment; filename="reviewed.tar.gz"');
    c.header("x-review-count", String(result.count));
    if (result.skipped.length) c.header("x-review-skipped", String(result.skipped.length));
    return c.body(Readable.toWeb(stream) as ReadableStream);
  });

  app.get(`${API_PREFIX}/review/:id`, guard, async (c) => {
    return c.json(await queue.get(c.req.param("id")));
  });

  app.get(`${API_PREFIX}/review/:id/image`, guard, async (c) => {
    const item = await queue.get(c.req.param("id"));
    let bytes: Buffer;
    try {
      bytes = await readFile(queue.imagePath(item));
    } catch {
      throw new InputError(
        `The picture of review item ${item.id} is gone (${item.status === "discarded" ? "discarded" : "missing on disk"}).`,
        404,
      );
    }
    c.header("content-type", TYPES[item.image.split(".").pop() ?? ""] ?? "application/octet-stream");
    c.header("x-content-type-options", "nosniff");
    c.header("content-security-policy", "sandbox");
    c.header("cache-control", "private, max-age=3600");
    return c.body(new Uint8Array(bytes));
  });

  app.post(`${API_PREFIX}/review/:id`, guard, async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (err) {
      throw new InputError(`Malformed JSON body: ${(err as Error).message}.`, 400);
    }
    return c.json(await queue.decide(c.req.param("id"), decisionOf(body)));
  });
}

/**
 * What the app tells the queue: each live prediction (it may sample it) and each flag (always
 * queued). The picture is read again through the Image component only when it is kept.
 *
 * @example
 * const feed = reviewFeed(iface, queue, files);
 * feed.live(data, result.data); await feed.flag(body.data, body.output);
 */
export function reviewFeed(iface: Interface, queue: ReviewQueue, files: PreprocessContext) {
  const imageAt = iface.inputs.findIndex((c) => c.type === "image");
  const labelAt = iface.outputs.findIndex((c) => c.type === "label");
  const usable = imageAt >= 0 && labelAt >= 0;
  const picture = async (data: unknown[]): Promise<Picture> => {
    const file = (await iface.inputs[imageAt]!.preprocess(data[imageAt], files)) as ImageFile;
    return { bytes: file.bytes, format: file.header.format };
  };
  return {
    /** After a live prediction: never waits, never throws. */
    live(data: unknown, output: unknown[]): void {
      if (!usable || !queue.policy.live) return;
      void queue.offer((output[labelAt] ?? {}) as Prediction, () => picture(data as unknown[]));
    },
    /** After a flag was written: the flag is queued too (a failure is logged, the flag stands). */
    async flag(data: unknown[], output: unknown[]): Promise<void> {
      if (!usable) return;
      try {
        await queue.add(await picture(data), (output[labelAt] ?? {}) as Prediction, ["flag"]);
      } catch (err) {
        console.warn(`Review: could not queue a flag: ${(err as Error).message}`);
      }
    },
  };
}

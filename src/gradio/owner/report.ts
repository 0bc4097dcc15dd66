/**
 * The model's report, public: `GET /report` (the page, src/report/page.ts) and
 * `GET /report/<name>.png` (its pictures), read from the report folder (`report/`, written by
 * `npm run eval` and committed with the model) and `model-card.md` beside the model. Either may
 * be missing: the page then says how to make it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Context, Env, Hono } from "hono";
import { InputError } from "../../errors.ts";
import { renderReportPage, type ModelReport } from "../../report/page.ts";
import { renderMarkdown } from "../../markdown.ts";

/** Options of {@link reportRoutes}. */
export interface ReportOptions {
  /** Default `report` (relative to the working directory, like model.onnx). */
  dir?: string;
  /** Default `model-card.md`. */
  card?: string;
  title: string;
  root: (c: Context) => string;
}

const readText = (path: string) => readFile(path, "utf8").catch(() => null);

/**
 * Adds `/report` to `app`.
 *
 * @example
 * reportRoutes(app, { title: "Fashion-MNIST classifier", root: (c) => publicRoot(c.req.raw) });
 */
export function reportRoutes<E extends Env>(app: Hono<E>, { dir = "report", card = "model-card.md", title, root }: ReportOptions): void {
  app.get("/report", async (c) => {
    const raw = await readText(join(dir, "report.json"));
    let report: ModelReport | null = null;
    if (raw !== null) {
      try {
        report = JSON.parse(raw) as ModelReport;
      } catch (err) {
        console.warn(`Report: ${join(dir, "report.json")} is not JSON (${(err as Error).message}); showing how to make one.`);
      }
    }
    const markdown = await readText(card);
    // The comment lines of the starter card are notes for its author.
    const cardHtml = markdown === null ? null : renderMarkdown(markdown.replace(/<!--[\s\S]*?-->/g, "").replace(/^# .*\n/, ""));
    c.header("cache-control", "no-cache");
    return c.html(renderReportPage(report, cardHtml, { title, root: root(c) }));
  });
  app.get("/report/:name", async (c) => {
    const name = c.req.param("name");
    if (!/^[\w-]{1,80}\.png$/.test(name)) throw new InputError("Not found.", 404);
    const bytes = await readFile(join(dir, name)).catch(() => null);
    if (!bytes) throw new InputError(`No picture ${name} in the report.`, 404);
    c.header("content-type", "image/png");
    c.header("cache-control", "no-cache");
    return c.body(new Uint8Array(bytes));
  });
}

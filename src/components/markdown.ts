/** The Markdown component: text shown as rendered Markdown (gradio components/markdown.py). */
import { renderMarkdown } from "../markdown.ts";
import { BaseComponent, type BaseOptions } from "./base.ts";
import { sanitizeHtml } from "./sanitize.ts";

/**
 * Options of {@link Markdown}.
 *
 * @example
 * new Markdown({ value: "# Hello", lineBreaks: true, sanitizeHtml: true })
 */
export interface MarkdownOptions extends BaseOptions<string | null> {
  /** Sanitise HTML in the Markdown (default true). `false` lets scripts in: only for text you wrote yourself. */
  sanitizeHtml?: boolean;
  /** A single newline becomes a line break (GitHub style; default false). */
  lineBreaks?: boolean;
  /** Right-to-left text. */
  rtl?: boolean;
  /** Anchors on headings. */
  headerLinks?: boolean;
  height?: number | string;
  maxHeight?: number | string;
  minHeight?: number | string;
  /** Toolbar buttons; Gradio's only built-in one is `"copy"`. */
  buttons?: "copy"[];
}

/** Python's `inspect.cleandoc`: common indentation removed, leading and trailing blank lines dropped. */
function cleandoc(text: string): string {
  const lines = text.replace(/\t/g, "        ").split(/\r?\n/);
  const indents = lines
    .slice(1)
    .filter((l) => l.trim() !== "")
    .map((l) => l.length - l.trimStart().length);
  const margin = indents.length ? Math.min(...indents) : 0;
  const out = [lines[0]!.trimStart(), ...lines.slice(1).map((l) => l.slice(margin))];
  while (out.length && out[0]!.trim() === "") out.shift();
  while (out.length && out[out.length - 1]!.trim() === "") out.pop();
  return out.join("\n");
}

/**
 * Markdown output (or, rarely, input). The wire value is the Markdown text itself, unindented as
 * Gradio does (so API callers get the text); {@link Markdown.toHtml} gives the page's HTML,
 * rendered on the server with markdown-it and sanitised unless `sanitizeHtml: false`.
 *
 * @example
 * new Markdown("# Start typing below to see the output.")
 */
export class Markdown extends BaseComponent<string | null, string | null> {
  static override readonly events = ["change", "copy"] as const;
  readonly type = "markdown";
  readonly sanitize: boolean;
  readonly lineBreaks: boolean;
  private readonly extra: Record<string, unknown>;
  /** The last value with raw HTML and its rendering, for `props()`. */
  private rendered?: { value: string; html: string };

  constructor(options: MarkdownOptions | string = {}) {
    const o = typeof options === "string" ? { value: options } : options;
    super(o, { container: false, minWidth: null });
    this.sanitize = o.sanitizeHtml ?? true;
    this.lineBreaks = o.lineBreaks ?? false;
    this.extra = {
      rtl: o.rtl ?? false,
      header_links: o.headerLinks ?? false,
      height: o.height,
      max_height: o.maxHeight,
      min_height: o.minHeight,
      buttons: o.buttons,
      latex_delimiters: [{ left: "$$", right: "$$", display: true }],
    };
  }

  /**
   * A wire value → HTML for the page, headings as written (`#` is h1, as in Gradio).
   *
   * @example
   * new Markdown().toHtml("# Hi <script>x()</script>") // → "<h1>Hi </h1>\n"
   */
  toHtml(value: string | null): string {
    if (!value) return "";
    const html = renderMarkdown(value, { html: true, breaks: this.lineBreaks, shiftHeadings: false });
    return this.sanitize ? sanitizeHtml(html) : html;
  }

  preprocess(payload: unknown): string | null {
    if (payload === null || payload === undefined) return null;
    if (typeof payload !== "string") throw this.invalid("Markdown text", payload);
    return payload;
  }

  postprocess(value: unknown): string | null {
    return value === null || value === undefined ? null : cleandoc(String(value));
  }

  apiInfo() {
    return { type: "string" };
  }

  pythonType() {
    return { type: "str", description: "" };
  }

  exampleInput(): unknown {
    return "# Hello!";
  }

  protected override ownProps(): Record<string, unknown> {
    return { ...this.extra, sanitize_html: this.sanitize, line_breaks: this.lineBreaks };
  }

  /**
   * Gradio's props, plus `html`: the value rendered here when it holds raw HTML (a `<center>`, an
   * `<img>`). The page's own renderer escapes raw HTML (it carries no sanitiser), so a Markdown
   * written into the app shows as Gradio shows it; values set later by events stay Markdown text.
   */
  override props(): Record<string, unknown> {
    const props = super.props();
    const value = props.value;
    if (typeof value !== "string" || !/<[a-z!/]/i.test(value)) return props;
    // /config is built per request: render a value once, not on every visit.
    if (this.rendered?.value !== value) this.rendered = { value, html: this.toHtml(value) };
    return { ...props, html: this.rendered.html };
  }
}

/** The HTML component: markup shown as it is, sanitised (gradio components/html.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";
import { sanitizeHtml } from "./sanitize.ts";

/**
 * Options of {@link HTML}.
 *
 * @example
 * new HTML({ value: "<h1 style='color:purple'>Hello</h1>", sanitizeHtml: true })
 */
export interface HTMLOptions extends BaseOptions<string | null> {
  /**
   * Remove scripts, event handlers and `javascript:` links (default true). `false` sends the HTML
   * as it is: only for markup you wrote yourself, never for anything a user typed or a model wrote.
   */
  sanitizeHtml?: boolean;
  minHeight?: number | string;
  maxHeight?: number | string;
  /** Gradio's block padding around the HTML (default true). */
  padding?: boolean;
}

/**
 * HTML output (or, rarely, input). What `fn` returns (and the initial value) is sanitised on the
 * server unless `sanitizeHtml: false`, so the page can assign it to `innerHTML`.
 *
 * @example
 * new HTML("<p>Hello <b>world</b></p>")
 */
export class HTML extends BaseComponent<string | null, string | null> {
  static override readonly events = ["change", "click", "submit"] as const;
  readonly type = "html";
  readonly sanitize: boolean;
  private readonly extra: Record<string, unknown>;

  constructor(options: HTMLOptions | string = {}) {
    const o = typeof options === "string" ? { value: options } : options;
    super(o, { container: false, showLabel: false, minWidth: null });
    this.sanitize = o.sanitizeHtml ?? true;
    this.extra = { min_height: o.minHeight, max_height: o.maxHeight, padding: o.padding ?? true };
  }

  override get componentName(): string {
    return "HTML";
  }

  preprocess(payload: unknown): string | null {
    if (payload === null || payload === undefined) return null;
    if (typeof payload !== "string") throw this.invalid("HTML text", payload);
    return payload;
  }

  postprocess(value: unknown): string | null {
    if (value === null || value === undefined) return null;
    return this.sanitize ? sanitizeHtml(String(value)) : String(value);
  }

  apiInfo() {
    return { type: "string" };
  }

  pythonType() {
    return { type: "str", description: "" };
  }

  exampleInput(): unknown {
    return "<p>Hello</p>";
  }

  protected override ownProps(): Record<string, unknown> {
    // Gradio 6's default template: the value itself. Literal text, not a JS template.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Gradio's template syntax, sent as text
    return { ...this.extra, html_template: "${value}", css_template: "", apply_default_css: true };
  }
}

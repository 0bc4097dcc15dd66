/**
 * Markdown → HTML on the server (as Gradio renders with markdown-it-py): the Interface's
 * description and article, so /config carries HTML and the page bundle carries no parser, and
 * the Markdown component's `html` (components/markdown.ts, sanitised there).
 *
 * Safe without a separate sanitiser: markdown-it with `html: false` escapes raw HTML instead of
 * passing it through (a `<script>` is shown as text, as the page always did), so the only tags
 * and attributes in the output are the ones markdown-it itself writes. Links and images are
 * limited to http(s) URLs (no `javascript:`, `data:` or relative ones), and links open in a new
 * tab without `window.opener`. A sanitiser such as sanitize-html would instead delete the HTML
 * a Space author typed, and it would be one more parser to trust.
 */
import MarkdownIt from "markdown-it";

type Renderer = InstanceType<typeof MarkdownIt>;

/**
 * How to render. The defaults are the Interface's description and article; the Markdown
 * component asks for Gradio's rendering of `gr.Markdown` (headings as written, raw HTML kept for
 * its sanitiser, single newlines joined unless `breaks`).
 *
 * @example
 * const options: MarkdownOptions = { html: true, breaks: false, shiftHeadings: false };
 */
export interface MarkdownOptions {
  /** Pass raw HTML through (default false: escape it). The output is then only safe once sanitised. */
  html?: boolean;
  /** A single newline becomes `<br>` (default true). */
  breaks?: boolean;
  /** `#` becomes h2, and so on (default true: the page title is the h1). */
  shiftHeadings?: boolean;
}

// A `*` between two letters or digits is literal: `2*3*4` is arithmetic and `a*b*c` a glob, not
// emphasis (CommonMark already reads an intraword `_` this way). `**bold**` and `*word*` are untouched.
const wordChar = (ch: string | undefined) => !!ch && /[\p{L}\p{N}]/u.test(ch);

function build({ html, breaks, shiftHeadings }: Required<MarkdownOptions>): Renderer {
  const md = new MarkdownIt("default", { html, linkify: false, typographer: false, breaks });
  md.validateLink = (url) => /^https?:\/\//i.test(url.trim());
  md.inline.ruler.before("emphasis", "intraword_star", (state, silent) => {
    const { src, pos } = state;
    if (src[pos] !== "*" || !wordChar(src[pos - 1]) || !wordChar(src[pos + 1])) return false;
    if (!silent) state.pending += "*";
    state.pos++;
    return true;
  });
  if (shiftHeadings) {
    for (const rule of ["heading_open", "heading_close"] as const) {
      md.renderer.rules[rule] = (tokens, i, options, _env, self) => {
        const token = tokens[i]!;
        token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 1)}`;
        return self.renderToken(tokens, i, options);
      };
    }
  }
  md.renderer.rules.link_open = (tokens, i, options, _env, self) => {
    tokens[i]!.attrSet("target", "_blank");
    tokens[i]!.attrSet("rel", "noopener noreferrer");
    return self.renderToken(tokens, i, options);
  };
  return md;
}

const renderers = new Map<string, Renderer>();

/**
 * Markdown → HTML that is safe to assign to `innerHTML` (unless `html: true`, whose output needs sanitising).
 *
 * @example
 * renderMarkdown("Some **bold** and <b>tags</b>") // → "<p>Some <strong>bold</strong> and &lt;b&gt;tags&lt;/b&gt;</p>\n"
 */
export function renderMarkdown(source: string, options: MarkdownOptions = {}): string {
  if (!source) return "";
  const o = { html: options.html ?? false, breaks: options.breaks ?? true, shiftHeadings: options.shiftHeadings ?? true };
  const key = `${o.html}${o.breaks}${o.shiftHeadings}`;
  let md = renderers.get(key);
  if (!md) {
    md = build(o);
    renderers.set(key, md);
  }
  return md.render(source);
}

/**
 * The Interface's description and article, Markdown → HTML on the server (as Gradio's Markdown
 * renders with markdown-it-py), so /config carries HTML and the page bundle carries no parser.
 *
 * Safe without a separate sanitiser: markdown-it with `html: false` escapes raw HTML instead of
 * passing it through (a `<script>` is shown as text, as the page always did), so the only tags
 * and attributes in the output are the ones markdown-it itself writes. Links and images are
 * limited to http(s) URLs (no `javascript:`, `data:` or relative ones), and links open in a new
 * tab without `window.opener`. A sanitiser such as sanitize-html would instead delete the HTML
 * a Space author typed, and it would be one more parser to trust.
 */
import MarkdownIt from "markdown-it";

const md = new MarkdownIt("default", { html: false, linkify: false, typographer: false, breaks: true });

md.validateLink = (url) => /^https?:\/\//i.test(url.trim());

// A `*` between two letters or digits is literal: `2*3*4` is arithmetic and `a*b*c` a glob, not
// emphasis (CommonMark already reads an intraword `_` this way). `**bold**` and `*word*` are untouched.
const wordChar = (ch: string | undefined) => !!ch && /[\p{L}\p{N}]/u.test(ch);
md.inline.ruler.before("emphasis", "intraword_star", (state, silent) => {
  const { src, pos } = state;
  if (src[pos] !== "*" || !wordChar(src[pos - 1]) || !wordChar(src[pos + 1])) return false;
  if (!silent) state.pending += "*";
  state.pos++;
  return true;
});

// The page title is the h1, so Markdown headings start at h2.
for (const rule of ["heading_open", "heading_close"] as const) {
  md.renderer.rules[rule] = (tokens, i, options, _env, self) => {
    const token = tokens[i]!;
    token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 1)}`;
    return self.renderToken(tokens, i, options);
  };
}

md.renderer.rules.link_open = (tokens, i, options, _env, self) => {
  tokens[i]!.attrSet("target", "_blank");
  tokens[i]!.attrSet("rel", "noopener noreferrer");
  return self.renderToken(tokens, i, options);
};

/**
 * Markdown → HTML that is safe to assign to `innerHTML`.
 *
 * @example
 * renderMarkdown("Some **bold** and <b>tags</b>") // → "<p>Some <strong>bold</strong> and &lt;b&gt;tags&lt;/b&gt;</p>\n"
 */
export function renderMarkdown(source: string): string {
  return source ? md.render(source) : "";
}

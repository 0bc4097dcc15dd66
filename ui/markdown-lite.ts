/**
 * A small Markdown renderer for the Markdown widget's values (function outputs arrive as
 * Markdown text, Gradio's wire value): headings, paragraphs, emphasis, code, fenced code,
 * links, lists, quotes, rules. Every character of the source is HTML-escaped first and only
 * these tags are added, so the result is safe to assign to innerHTML; raw HTML in the source
 * shows as text (the server-rendered path, src/markdown.ts, is what lets sanitised HTML in).
 */

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Links only to the web, mail, or this site: never `javascript:`. */
const safeHref = (href: string) => (/^(https?:|mailto:|\/|#|\.{0,2}\/)/i.test(href) || !/^[\w+.-]+:/.test(href) ? href : "#");

function inline(text: string): string {
  const codes: string[] = [];
  let out = escapeHtml(text).replace(/`([^`]+)`/g, (_, code: string) => `\u0000${codes.push(`<code>${code}</code>`) - 1}\u0000`);
  out = out
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) => {
      const external = /^https?:/i.test(href);
      return `<a href="${safeHref(href)}"${external ? ' target="_blank" rel="noopener noreferrer"' : ""}>${label}</a>`;
    })
    .replace(/\*\*([^*]+)\*\*|__([^_]+)__/g, (_, a?: string, b?: string) => `<strong>${a ?? b}</strong>`)
    .replace(/\*([^*]+)\*|(?<![\w])_([^_]+)_(?![\w])/g, (_, a?: string, b?: string) => `<em>${a ?? b}</em>`)
    .replace(/ {2,}\n|\\\n/g, "<br>");
  return out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => codes[Number(i)]!);
}

/**
 * Markdown → HTML (escaped: safe for innerHTML).
 *
 * @example
 * renderMarkdownLite("# Hi\nSome **bold** <b>") // → "<h1>Hi</h1><p>Some <strong>bold</strong> &lt;b&gt;</p>"
 */
export function renderMarkdownLite(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const html: string[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const flush = () => {
    if (paragraph.length) html.push(`<p>${inline(paragraph.join("\n"))}</p>`);
    paragraph = [];
    if (list)
      html.push(
        `<${list.ordered ? "ol" : "ul"}>${list.items.map((i) => `<li>${inline(i)}</li>`).join("")}</${list.ordered ? "ol" : "ul"}>`,
      );
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(```|~~~)(.*)$/.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      while (++i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i]!);
      html.push(`<pre><code>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    const item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      html.push(`<h${heading[1]!.length}>${inline(heading[2]!)}</h${heading[1]!.length}>`);
    } else if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      html.push("<hr>");
    } else if (item) {
      const ordered = /\d/.test(item[1]!);
      if (paragraph.length || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[2]!);
    } else if (/^>\s?/.test(line)) {
      flush();
      html.push(`<blockquote>${inline(line.replace(/^>\s?/, ""))}</blockquote>`);
    } else if (!line.trim()) flush();
    else if (list && /^\s+/.test(line)) list.items[list.items.length - 1] += ` ${line.trim()}`;
    else {
      if (list) flush();
      paragraph.push(line);
    }
  }
  flush();
  return html.join("");
}

/**
 * A small, safe Markdown renderer for titles, descriptions and articles: everything is escaped
 * first, then headings, lists, code, emphasis and http(s) links are added back. No raw HTML.
 */
const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function inline(text: string): string {
  return escape(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
}

/** Markdown → HTML string, safe to assign to innerHTML. */
export function renderMarkdown(source: string): string {
  const out: string[] = [];
  const blocks = source.replace(/\r\n?/g, "\n").split(/\n{2,}/);
  for (const block of blocks) {
    const text = block.trim();
    if (!text) continue;
    if (text.startsWith("```")) {
      out.push(`<pre><code>${escape(text.replace(/^```\w*\n?|```$/g, ""))}</code></pre>`);
    } else if (/^#{1,6} /.test(text)) {
      const level = Math.min(6, text.indexOf(" ") + 1); // the page title is the h1
      out.push(`<h${level}>${inline(text.replace(/^#+ /, ""))}</h${level}>`);
    } else if (/^[-*] /.test(text)) {
      out.push(`<ul>${text.split("\n").map((l) => `<li>${inline(l.replace(/^[-*] /, ""))}</li>`).join("")}</ul>`);
    } else out.push(`<p>${inline(text).replace(/\n/g, "<br>")}</p>`);
  }
  return out.join("\n");
}

/**
 * HTML that a component shows, made safe to assign to `innerHTML` with sanitize-html: no scripts,
 * no event handlers, no `javascript:` URLs, no frames or forms. Formatting a Space author
 * writes (headings, tables, images, inline `style`, `class`) is kept, as Gradio's page keeps it.
 */
import sanitize from "sanitize-html";

const OPTIONS: sanitize.IOptions = {
  allowedTags: [
    ...sanitize.defaults.allowedTags,
    "img",
    "h1",
    "h2",
    "span",
    "details",
    "summary",
    "del",
    "ins",
    "sup",
    "sub",
    "u",
    "s",
    "mark",
    "figure",
    "figcaption",
    "picture",
    "source",
    // Deprecated, but Space descriptions use it as DOMPurify (Gradio's page) lets it through.
    "center",
  ],
  allowedAttributes: {
    "*": ["class", "style", "title", "lang", "dir", "align", "aria-*", "role"],
    a: ["href", "name", "target", "rel"],
    img: ["src", "srcset", "alt", "width", "height", "loading"],
    source: ["srcset", "type", "media"],
    td: ["colspan", "rowspan"],
    th: ["colspan", "rowspan", "scope"],
    ol: ["start", "type"],
    details: ["open"],
  },
  allowedSchemes: ["http", "https", "mailto"],
  // Inline pictures are common in generated HTML (e.g. a plot as a data URL).
  allowedSchemesByTag: { img: ["http", "https", "data"] },
  allowProtocolRelative: false,
  transformTags: {
    // A link that opens a new tab must not hand the page to it through window.opener.
    a: (tagName, attribs) =>
      attribs.target === "_blank" ? { tagName, attribs: { ...attribs, rel: "noopener noreferrer" } } : { tagName, attribs },
  },
};

/**
 * HTML → the same HTML without anything that runs.
 *
 * @example
 * sanitizeHtml('<h1 style="color:purple" onclick="x()">Hi</h1><script>alert(1)</script>') // → '<h1 style="color:purple">Hi</h1>'
 */
export function sanitizeHtml(html: string): string {
  return sanitize(html, OPTIONS);
}

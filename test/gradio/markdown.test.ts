/** The description and article renderer (src/markdown.ts): Markdown done right, and nothing that runs. */
import { describe, expect, test } from "vitest";
import { renderMarkdown } from "../../src/markdown.ts";

describe("renderMarkdown", () => {
  test("code spans keep their stars: `a*b*c` is code, not emphasis", () => {
    expect(renderMarkdown("Run `a*b*c` here")).toBe("<p>Run <code>a*b*c</code> here</p>\n");
  });

  test("arithmetic is not italicised: 2*3*4 stays as written; *word* and **bold** still work", () => {
    expect(renderMarkdown("2*3*4 = 24")).toBe("<p>2*3*4 = 24</p>\n");
    expect(renderMarkdown("an *emphasised* and a **strong** word")).toBe(
      "<p>an <em>emphasised</em> and a <strong>strong</strong> word</p>\n",
    );
  });

  test("numbered lists render as <ol>", () => {
    expect(renderMarkdown("Steps:\n\n1. upload\n2. submit")).toBe("<p>Steps:</p>\n<ol>\n<li>upload</li>\n<li>submit</li>\n</ol>\n");
  });

  test("XSS: raw HTML is shown as text, javascript: and data: links are not links, no event attributes get in", () => {
    const html = renderMarkdown(
      '<script>alert(1)</script> <img src=x onerror="alert(1)"> [click](javascript:alert(1)) [data](data:text/html,<b>x</b>) ![i](javascript:alert(1)) <a href="https://x" onclick="alert(1)">a</a>',
    );
    expect(html.match(/<[a-z][^>]*>/gi), "the only real tag is the paragraph; the rest is escaped text").toEqual(["<p>"]);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(renderMarkdown("[ok](https://example.com)")).toBe(
      '<p><a href="https://example.com" target="_blank" rel="noopener noreferrer">ok</a></p>\n',
    );
  });

  test("headings start at h2 (the page title is the h1); a single newline is a line break", () => {
    expect(renderMarkdown("# About\n\nline one\nline two")).toBe("<h2>About</h2>\n<p>line one<br>\nline two</p>\n");
  });
});

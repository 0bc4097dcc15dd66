/** Markdown, HTML, JSON, Label (as an input-less output) and State against gradio's markdown.py, html.py, json_component.py, label.py, state.py. */
import { describe, expect, test } from "vitest";
import { HTML, JSONComponent, Label, Markdown, State } from "../../src/index.ts";
import { refusal } from "./refusal.ts";

describe("Markdown", () => {
  test("the wire value is the text, unindented as inspect.cleandoc; the page's HTML is rendered and sanitised", () => {
    const md = new Markdown();
    expect(md.postprocess("\n    # Title\n\n    Some **bold**\n    ")).toBe("# Title\n\nSome **bold**");
    expect(md.toHtml('# Title\n\nSome **bold** <b onclick="x()">b</b><script>alert(1)</script>')).toBe(
      "<h1>Title</h1>\n<p>Some <strong>bold</strong> <b>b</b></p>\n",
    );
    expect(new Markdown({ sanitizeHtml: false }).toHtml('<b onclick="x()">b</b>')).toContain('onclick="x()"');
    expect(new Markdown({ lineBreaks: true }).toHtml("a\nb")).toBe("<p>a<br />\nb</p>\n");
    expect(md.toHtml("a\nb")).toBe("<p>a\nb</p>\n");
  });
  test("positional value, Gradio's defaults and events", () => {
    const md = new Markdown("# Hi");
    expect(md.props()).toMatchObject({ value: "# Hi", sanitize_html: true, line_breaks: false, container: false, rtl: false });
    expect(md.props()).not.toHaveProperty("min_width");
    expect(Markdown.events).toEqual(["change", "copy"]);
    expect([md.apiInfo(), md.exampleInput()]).toEqual([{ type: "string" }, "# Hello!"]);
    expect(refusal(() => md.preprocess(3)).message).toBe("Markdown: expected Markdown text, got a number (3).");
  });
  test("a value with raw HTML also comes rendered and sanitised (props.html), for the page; plain Markdown does not", () => {
    // As CommonMark (and Gradio) do, Markdown inside an HTML block is not rendered.
    const written = new Markdown('<center>Hi <img src="https://x.test/a.png" onerror="x()"></center>\n\n**bold**<script>alert(1)</script>');
    expect(written.props().html).toBe('<center>Hi <img src="https://x.test/a.png" /></center>\n<p><strong>bold</strong></p>\n');
    expect(written.props().value, "the wire value stays the text").toContain("<script>");
    expect(new Markdown("# Hi").props()).not.toHaveProperty("html");
    expect(new Markdown("a < b").props()).not.toHaveProperty("html");
  });
});

describe("HTML", () => {
  test("sanitised by default: scripts, handlers and javascript: links go, formatting stays", () => {
    const h = new HTML();
    expect(
      h.postprocess(
        "<h1 style='color:purple;' onmouseover='steal()'>Hello</h1><script>alert(1)</script><a href='javascript:alert(1)'>x</a><img src=x onerror=alert(1)><iframe src='https://evil'></iframe>",
      ),
    ).toBe('<h1 style="color:purple">Hello</h1><a>x</a><img src="x" />');
    expect(h.postprocess('<a href="https://gradio.app" target="_blank">g</a>')).toBe(
      '<a href="https://gradio.app" target="_blank" rel="noopener noreferrer">g</a>',
    );
    expect(new HTML('<b onclick="x()">hi</b>').props().value).toBe("<b>hi</b>");
  });
  test("sanitizeHtml: false opts out", () => {
    expect(new HTML({ sanitizeHtml: false }).postprocess("<script>ok()</script>")).toBe("<script>ok()</script>");
  });
  test("Gradio's props and shapes", () => {
    const h = new HTML({ value: "<p>x</p>", label: "Out" });
    expect(h.props()).toMatchObject({
      value: "<p>x</p>",
      label: "Out",
      show_label: false,
      container: false,
      padding: true,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Gradio's template syntax, sent as text
      html_template: "${value}",
    });
    expect([h.componentName, h.apiInfo(), h.exampleInput()]).toEqual(["HTML", { type: "string" }, "<p>Hello</p>"]);
    expect(HTML.events).toEqual(["change", "click", "submit"]);
  });
});

describe("JSON", () => {
  test("any JSON value; a string is parsed as JSON text; api_info as Gradio's", () => {
    const j = new JSONComponent({ label: "Result" });
    expect(j.postprocess({ a: [1, 2], d: new Date(0) })).toEqual({ a: [1, 2], d: "1970-01-01T00:00:00.000Z" });
    expect(j.postprocess('{"x": 1}')).toEqual({ x: 1 });
    expect(() => j.postprocess("not json")).toThrow('JSON "Result": fn returned a string that is not JSON: "not json".');
    expect(j.preprocess([1, "a"])).toEqual([1, "a"]);
    expect(j.apiInfo()).toEqual({ type: {}, description: "any valid json" });
    expect(j.pythonType()).toEqual({ type: "Dict[Any, Any]", description: "any valid json" });
    expect(new JSONComponent({ value: { foo: "bar" }, open: true }).props()).toMatchObject({ value: { foo: "bar" }, open: true });
  });
});

describe("Label as an input-less output", () => {
  test("from a dict or a string, with Gradio's props", () => {
    const l = new Label({ label: "Top class", numTopClasses: 2, color: "red" });
    expect(l.postprocess({ cat: 0.2, dog: 0.7, bird: 0.1 })).toEqual({
      label: "dog",
      confidences: [
        { label: "dog", confidence: 0.7 },
        { label: "cat", confidence: 0.2 },
      ],
    });
    expect(l.postprocess("happy")).toEqual({ label: "happy", confidences: null });
    expect(l.props()).toMatchObject({ value: {}, num_top_classes: 2, color: "red", show_heading: true, label: "Top class" });
    expect(Label.events).toEqual(["change", "select"]);
    expect(refusal(() => l.preprocess("x")).message).toBe('Label "Top class": expected {label, confidences}, got the string "x".');
  });
});

describe("State", () => {
  test("each session gets its own deep copy of the initial value; nothing reaches /config", () => {
    const s = new State({ value: { items: [1] } });
    const a = s.initial() as { items: number[] };
    a.items.push(2);
    expect(s.initial()).toEqual({ items: [1] });
    expect(new State().initial()).toBeNull();
    expect(s.props()).toEqual({ value: null });
    expect(s.skipApi).toBe(true);
    expect(State.events).toEqual(["change"]);
    expect(() => new State({ value: () => 1 })).toThrow(); // cannot be copied per session: said at construction
  });
});

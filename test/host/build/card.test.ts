/** The Space card read from README.md's YAML front matter. */
import { describe, expect, test } from "vitest";
import { readCard } from "../../../host/build/card.ts";

describe("the Space card (YAML front matter)", () => {
  test("quotes, comments and numbers mean what YAML says", () => {
    expect(readCard('---\ntitle: "A: B" # c\napp_port: 8080 # x\nemoji: 👟\n---\n# Demo').card).toEqual({
      title: "A: B",
      app_port: 8080,
      emoji: "👟",
    });
    expect(readCard("---\ntitle: 'It''s'\nshort_description: plain words # a comment\ntags:\n  - a\n  - b\n---\n").card).toMatchObject({
      title: "It's",
      short_description: "plain words",
      tags: ["a", "b"],
      app_port: 7860,
    });
  });
  test("a bad app_port or broken YAML is reported, never silently replaced", () => {
    expect(readCard("---\napp_port: eighty\n---\n")).toEqual({
      card: { app_port: 7860 },
      warning: 'app_port "eighty" is not a port number; using 7860.',
    });
    expect(readCard("---\ntitle: [unclosed\n---\n").warning).toMatch(/^README\.md's front matter is not valid YAML: /);
    expect(readCard("no front matter").card).toEqual({ app_port: 7860 });
  });
});

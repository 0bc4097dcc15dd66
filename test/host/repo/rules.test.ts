import { describe, expect, test } from "vitest";
import { linkOutside } from "../../../host/repo/rules.ts";

describe("where a committed symbolic link may point", () => {
  test("inside the repository, relative: kept", () => {
    expect(linkOutside("docs/card.md", "../README.md")).toBeUndefined();
    expect(linkOutside("lib", "docs")).toBeUndefined();
    expect(linkOutside("a/b/c", "../../x/../y")).toBeUndefined();
    expect(linkOutside("top", ".")).toBeUndefined();
  });
  test("absolute, or past the top by its text: refused, naming the link and its target", () => {
    expect(linkOutside("model.onnx", "/etc/shadow")).toBe(
      `model.onnx is a symbolic link to the absolute path "/etc/shadow": links must stay inside the Space's repository (replace it with the file itself).`,
    );
    expect(linkOutside(".npmrc", "../../accounts.json")).toMatch(
      /^\.npmrc is a symbolic link out of the repository \("\.\.\/\.\.\/accounts\.json"\)/,
    );
    expect(linkOutside("a/b", "../..")).toMatch(/out of the repository/);
    expect(linkOutside("a/b", "../x/../../y")).toMatch(/out of the repository/);
  });
});

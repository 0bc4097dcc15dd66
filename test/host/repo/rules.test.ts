import { describe, expect, test } from "vitest";
import { linkOutside, refusedRefs } from "../../../host/repo/rules.ts";

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

describe("which refs a push may move", () => {
  const [old, sha, zero] = ["1".repeat(40), "2".repeat(40), "0".repeat(40)];
  test("main only: a new or updated main is fine", () => {
    expect(refusedRefs(`${zero} ${sha} refs/heads/main\n`)).toBeUndefined();
    expect(refusedRefs(`${old} ${sha} refs/heads/main\n`)).toBeUndefined();
    expect(refusedRefs("")).toBeUndefined();
  });
  test("other branches, other refs, tags and deleting main are refused, naming the ref", () => {
    for (const ref of ["refs/heads/junk", "refs/weird/x", "refs/tags/v1", "refs/heads/main2", "refs/heads/main/x", "HEAD"])
      expect(refusedRefs(`${zero} ${sha} ${ref}\n`)).toBe(
        `only main is deployed here: push to main (${ref} is refused; no branches, tags or other refs are kept).`,
      );
    expect(refusedRefs(`${old} ${sha} refs/heads/main\n${zero} ${sha} refs/heads/junk\n`)).toMatch(/refs\/heads\/junk is refused/);
    expect(refusedRefs(`${old} ${zero} refs/heads/main\n`)).toMatch(/^main cannot be deleted/);
  });
});

/** Owner and Space names, with gitea's table tests. */
import { describe, expect, test } from "vitest";
import { isValidName, parseSpaceId } from "../../../host/accounts/names.ts";

describe("names", () => {
  test.each([
    ["fashion", true],
    ["my-space_2.0", true],
    ["a", true],
    ["..", false],
    [".hidden", false],
    ["a..b", false],
    ["a/b", false],
    ["a\\b", false],
    ["x.git", false],
    ["end.", false],
    ["", false],
    ["a b", false],
    ["ü", false],
    ["x".repeat(97), false],
    ["-dash", false],
  ])("%j → %s", (name, ok) => expect(isValidName(name)).toBe(ok));
  test("parseSpaceId says what is wrong", () => {
    expect(() => parseSpaceId("alice", "../etc")).toThrow(
      'Invalid Space name "../etc": use letters, digits, "-", "_" and "." (not first, no ".."), at most 96 characters.',
    );
  });
});

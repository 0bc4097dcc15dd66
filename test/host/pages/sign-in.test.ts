/** Where sign-in sends the visitor afterwards. */
import { describe, expect, test } from "vitest";
import { safeNext } from "../../../host/pages/sign-in.ts";

describe("links", () => {
  test("sign-in returns only to a local path", () => {
    expect(["/spaces/alice", "//evil.example", "/\\evil.example", "https://evil.example", undefined].map(safeNext)).toEqual([
      "/spaces/alice",
      "/",
      "/",
      "/",
      "/",
    ]);
  });
});

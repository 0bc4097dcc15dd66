/** The host's settings from the environment: a number, its default, or a clear refusal. */
import { afterEach, describe, expect, test } from "vitest";
import { envNumber } from "../../host/config.ts";

describe("envNumber", () => {
  afterEach(() => {
    delete process.env.TEST_HOST_NUMBER;
  });
  test("the default when unset or empty, the number when set", () => {
    expect(envNumber("TEST_HOST_NUMBER", 7861)).toBe(7861);
    process.env.TEST_HOST_NUMBER = " ";
    expect(envNumber("TEST_HOST_NUMBER", 7861)).toBe(7861);
    process.env.TEST_HOST_NUMBER = "5e9";
    expect(envNumber("TEST_HOST_NUMBER", 7861)).toBe(5e9);
  });
  test("a value that is not a number is refused with the variable's name", () => {
    process.env.TEST_HOST_NUMBER = "eighty";
    expect(() => envNumber("TEST_HOST_NUMBER", 7861)).toThrow('TEST_HOST_NUMBER must be a number, got "eighty".');
  });
});

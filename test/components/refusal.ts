import type { InputError } from "../../src/index.ts";

/** The InputError `f` throws; fails the test when it throws nothing. */
export function refusal(f: () => unknown): InputError {
  try {
    f();
  } catch (err) {
    return err as InputError;
  }
  throw new Error("expected a refusal");
}

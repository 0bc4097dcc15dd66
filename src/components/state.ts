/** The State: a value kept per browser session, never sent to the page (gradio components/state.py). */
import { BaseComponent, type BaseOptions } from "./base.ts";

/**
 * A hidden per-session value. Each session starts with its own deep copy of `value`
 * ({@link State.initial}); `fn` gets the session's value as an input and returns the new one as
 * an output. The server keeps it (by session_hash); the page sends `null` for it and never sees it,
 * and it is not an API parameter (`skip_api`).
 *
 * @example
 * const count = new State({ value: 0 });
 * button.click({ fn: (n: number) => [n + 1, n + 1], inputs: count, outputs: [count, shown] });
 */
export class State<T = unknown> extends BaseComponent<T, T> {
  static override readonly events = ["change"] as const;
  readonly type = "state";
  /** Never an API parameter or return value. */
  readonly skipApi = true;

  constructor(options: BaseOptions<T> = {}) {
    super(options);
    if (options.value !== undefined) structuredClone(options.value); // a value that cannot be copied fails here, not per session
  }

  /**
   * A fresh deep copy of the initial value, for a new session (Gradio deep-copies it too).
   *
   * @example
   * new State({ value: { n: 0 } }).initial() // → { n: 0 }, a new object each call
   */
  initial(): T | null {
    return this.value === undefined ? null : structuredClone(this.value);
  }

  /** The stored value as it is: State values stay on the server, so nothing is converted. */
  preprocess(payload: unknown): T {
    return payload as T;
  }

  postprocess(value: unknown): unknown {
    return value;
  }

  /** Not sent: the page never gets a State's value. */
  protected override configValue(): null {
    return null;
  }

  /** Only `value` (null) and shared props: a State has nothing to show. */
  override props(): Record<string, unknown> {
    return { value: null };
  }

  apiInfo() {
    return { type: {}, description: "any valid json" };
  }

  pythonType() {
    return { type: "Dict[Any, Any]", description: "any valid json" };
  }

  exampleInput(): unknown {
    return null;
  }
}

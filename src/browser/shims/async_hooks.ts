/**
 * `node:async_hooks` for the framework's code in the browser bundle (`npm run build:static`):
 * src/blocks/feedback.ts finds the running event through AsyncLocalStorage. A browser has no
 * async context, so the store is kept only while `run`'s callback runs synchronously — enough for
 * the static Space, whose Interface sends no warnings or progress from `fn`.
 */

/**
 * @example
 * const als = new AsyncLocalStorage<number>();
 * als.run(1, () => als.getStore()); // → 1
 */
export class AsyncLocalStorage<T> {
  private store: T | undefined;

  run<R>(store: T, fn: () => R): R {
    const before = this.store;
    this.store = store;
    try {
      return fn();
    } finally {
      this.store = before;
    }
  }

  getStore(): T | undefined {
    return this.store;
  }
}

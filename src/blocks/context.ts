/**
 * Where a component or layout goes when it is created: Python's `with gr.Row():` becomes a
 * callback (`new Row({}, () => { … })`), and while the callback runs, everything created is
 * placed in that Row, in creation order. This module holds the stack of open containers and
 * knows nothing of components or Blocks (they import it; it imports nothing back), so the
 * component base class can place itself without a cycle.
 */

/** A Blocks or a layout: what children are placed in. */
export interface Container {
  readonly children: object[];
}

/**
 * The Blocks a container belongs to: it numbers what is placed in it and records events.
 * `src/blocks/blocks.ts` implements it; components see only this.
 */
export interface Root {
  /** Gives `block` an id in this Blocks (its creation order). */
  register(block: object): void;
  /** Records an event listener (`button.click(…)`) and returns its handle. */
  listen(target: object | null, event: string, args: unknown[]): unknown;
}

interface Frame {
  container: Container;
  root: Root;
}

const stack: Frame[] = [];

/** The Blocks being built right now (its callback is running), if any. */
export const buildingRoot = (): Root | undefined => stack.at(-1)?.root;

/**
 * Places `block` in the innermost open container, and registers it with that container's
 * Blocks. Returns the Blocks, or undefined when nothing is being built (the block is then not
 * placed: an Interface places its own components).
 *
 * @example
 * const root = place(this); // in a component's constructor
 */
export function place(block: object): Root | undefined {
  const frame = stack.at(-1);
  if (!frame) return undefined;
  frame.container.children.push(block);
  frame.root.register(block);
  return frame.root;
}

/**
 * Runs `body` with `container` open: what `body` creates is placed in it. `body` must be
 * synchronous — placement follows creation order, which an `await` would interleave.
 *
 * @throws {Error} when `body` returns a promise.
 * @example
 * within(row, root, () => { new Textbox(); new Textbox(); }); // two Textboxes in the Row
 */
export function within(container: Container, root: Root, body: () => unknown): void {
  stack.push({ container, root });
  let result: unknown;
  try {
    result = body();
  } finally {
    stack.pop();
  }
  if (result instanceof Promise) {
    throw new Error(
      "A Blocks or layout callback must be synchronous (no async, no await): components are placed in the order they are created. Load models before, and do async work in event functions.",
    );
  }
}

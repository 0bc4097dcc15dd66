import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createBatcher } from "../../src/classifier/batcher.ts";

describe("createBatcher", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test("coalesces calls made while waiting into one batch", async () => {
    const run = vi.fn(async (xs: number[]) => xs.map((x) => x * 2));
    const add = createBatcher({ maxBatchSize: 8, maxWaitMs: 5, concurrency: 1, run });
    const results = Promise.all([add(1), add(2), add(3)]);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5);
    expect(await results).toEqual([2, 4, 6]);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith([1, 2, 3]);
  });

  test("flushes at once when the batch is full, without waiting", async () => {
    const run = vi.fn(async (xs: number[]) => xs);
    const add = createBatcher({ maxBatchSize: 2, maxWaitMs: 1000, concurrency: 1, run });
    const a = add(1);
    const b = add(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledWith([1, 2]);
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });

  test("a batch stops at its weight (an item heavier than the cap still goes, alone)", async () => {
    const run = vi.fn(async (xs: number[]) => xs);
    const add = createBatcher({ maxBatchSize: 8, maxWaitMs: 5, concurrency: 1, run, maxBatchWeight: 10, weigh: (x) => x });
    const results = Promise.all([add(4), add(5), add(3), add(12), add(1)].map((p) => p));
    await vi.advanceTimersByTimeAsync(5);
    expect(await results).toEqual([4, 5, 3, 12, 1]);
    expect(run.mock.calls.map(([xs]) => xs)).toEqual([[4, 5], [3], [12], [1]]);
  });

  test("jobs that arrive while every runner is busy go out together when one frees", async () => {
    let release!: () => void;
    const batches: number[][] = [];
    const run = async (xs: number[]) => {
      batches.push(xs);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return xs;
    };
    const add = createBatcher({ maxBatchSize: 10, maxWaitMs: 1, concurrency: 1, run });
    const first = add(0);
    await vi.advanceTimersByTimeAsync(1);
    const rest = [1, 2, 3].map((x) => add(x));
    await vi.advanceTimersByTimeAsync(50);
    expect(batches).toEqual([[0]]); // still busy: nothing dispatched however long they wait
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[0], [1, 2, 3]]);
  });

  test("splits a backlog into batches of maxBatchSize", async () => {
    const run = vi.fn(async (xs: number[]) => xs);
    const add = createBatcher({ maxBatchSize: 3, maxWaitMs: 1, concurrency: 1, run });
    const all = Promise.all(Array.from({ length: 7 }, (_, i) => add(i)));
    await vi.advanceTimersByTimeAsync(10);
    expect(await all).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(run.mock.calls.map((c) => c[0])).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  test("runs up to `concurrency` batches at once", async () => {
    let active = 0;
    let peak = 0;
    const run = async (xs: number[]) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      return xs;
    };
    const add = createBatcher({ maxBatchSize: 1, maxWaitMs: 0, concurrency: 2, run });
    const all = Promise.all([1, 2, 3, 4].map((x) => add(x)));
    await vi.advanceTimersByTimeAsync(100);
    await all;
    expect(peak).toBe(2);
  });

  test("a thrown error reaches every caller of the batch", async () => {
    const add = createBatcher({
      maxBatchSize: 4,
      maxWaitMs: 1,
      concurrency: 1,
      run: async () => {
        throw new Error("session died");
      },
    });
    const calls = [add(1), add(2)].map((p) => p.catch((e: Error) => e.message));
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all(calls)).toEqual(["session died", "session died"]);
  });

  test("an Error in the results fails only its own caller", async () => {
    const add = createBatcher<number, number>({
      maxBatchSize: 4,
      maxWaitMs: 1,
      concurrency: 1,
      run: async (xs) => xs.map((x) => (x === 2 ? new Error("bad image") : x)),
    });
    const calls = [add(1), add(2), add(3)].map((p) => p.catch((e: Error) => e.message));
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all(calls)).toEqual([1, "bad image", 3]);
  });

  test("a result list of the wrong length fails the whole batch", async () => {
    const add = createBatcher({ maxBatchSize: 4, maxWaitMs: 1, concurrency: 1, run: async () => [1] });
    const calls = [add(1), add(2)].map((p) => p.catch((e: Error) => e.message));
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all(calls)).toEqual([
      "Batch runner returned 1 results for 2 inputs.",
      "Batch runner returned 1 results for 2 inputs.",
    ]);
  });

  test("refuses nonsense options", () => {
    expect(() => createBatcher({ maxBatchSize: 0, maxWaitMs: 1, concurrency: 1, run: async (x) => x })).toThrow(/maxBatchSize ≥ 1/);
  });
});

/**
 * Coalesces concurrent calls into micro-batches (BentoML's dispatcher, simplified): every call
 * is a job with its own promise; a batch goes out when it is full, when the oldest job has
 * waited `maxWaitMs`, or at once when a runner frees up and jobs are already waiting.
 */

/** Options of {@link createBatcher}. */
export interface BatcherOptions<I, O> {
  /** Largest batch handed to `run`. */
  maxBatchSize: number;
  /**
   * Largest total `weigh(item)` of a batch (a batch always takes at least one item): the
   * classifier weighs images by their bytes, so 32 twelve-megapixel JPEGs are not copied into
   * one 115 MB buffer on the event loop. Default: no limit.
   */
  maxBatchWeight?: number;
  weigh?: (item: I) => number;
  /** How long a lone job may wait for company while a runner is idle. */
  maxWaitMs: number;
  /** How many batches may run at once (one per worker). */
  concurrency: number;
  /**
   * Runs one batch. Returns one result per item, in order; an `Error` in the array fails only
   * that item. A thrown error (or a wrong-length result) fails every item of the batch.
   */
  run: (items: I[]) => Promise<(O | Error)[]>;
}

interface Job<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: Error) => void;
}

/**
 * Returns `add(item)`, whose promise settles with that item's result.
 *
 * @example
 * const add = createBatcher({ maxBatchSize: 16, maxWaitMs: 2, concurrency: 1, run: async (xs) => xs.map((x) => x * 2) });
 * await Promise.all([add(1), add(2)]); // one call to run([1, 2]) → [2, 4]
 */
export function createBatcher<I, O>({
  maxBatchSize,
  maxWaitMs,
  concurrency,
  run,
  maxBatchWeight = Infinity,
  weigh = () => 0,
}: BatcherOptions<I, O>): (item: I) => Promise<O> {
  if (!(maxBatchSize >= 1) || !(concurrency >= 1) || !(maxWaitMs >= 0)) {
    throw new Error(`Batcher needs maxBatchSize ≥ 1, concurrency ≥ 1, maxWaitMs ≥ 0; got ${maxBatchSize}, ${concurrency}, ${maxWaitMs}.`);
  }
  const waiting: Job<I, O>[] = [];
  let running = 0;
  let timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;

  const dispatch = () => {
    // The timer is either kind (see below); clearing it as both needs no record of which.
    if (timer) {
      clearTimeout(timer as ReturnType<typeof setTimeout>);
      clearImmediate(timer as ReturnType<typeof setImmediate>);
    }
    timer = undefined;
    while (running < concurrency && waiting.length > 0) {
      let take = 0;
      for (let weight = 0; take < Math.min(maxBatchSize, waiting.length); take++) {
        weight += weigh(waiting[take]!.item);
        if (take > 0 && weight > maxBatchWeight) break;
      }
      const batch = waiting.splice(0, take);
      running++;
      void execute(batch).finally(() => {
        running--;
        // Jobs that queued while every runner was busy have waited long enough: go now.
        dispatch();
      });
    }
  };

  const execute = async (batch: Job<I, O>[]) => {
    let results: (O | Error)[];
    try {
      results = await run(batch.map((job) => job.item));
      if (results.length !== batch.length) {
        throw new Error(`Batch runner returned ${results.length} results for ${batch.length} inputs.`);
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      for (const job of batch) job.reject(error);
      return;
    }
    batch.forEach((job, i) => {
      const result = results[i]!;
      if (result instanceof Error) job.reject(result);
      else job.resolve(result);
    });
  };

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (running >= concurrency) return; // the next completion dispatches
      if (waiting.length >= maxBatchSize) dispatch();
      // With no wait, setImmediate still lets calls made in the same tick share the batch.
      else if (!timer) timer = maxWaitMs > 0 ? setTimeout(dispatch, maxWaitMs) : setImmediate(dispatch);
    });
}

/** How long calls take: the `average_duration` of responses and the queue's ETAs. */

/**
 * Running averages of call durations, per endpoint (fn_index) as Gradio keeps them
 * (`process_time_per_fn`): a slow streaming endpoint and a quick one in the same Blocks each
 * have their own. One belongs to each app that `createApp` builds, not to the Blocks: the Blocks
 * is a definition, and two apps serving it keep their own figures.
 *
 * @example
 * const stats = new DurationStats();
 * stats.record(0.2, 0);
 * stats.record(0.4, 0);
 * stats.averageOf(0) // → 0.3
 * stats.averageOf(1) // → 0.3 (no call of 1 yet: the average of all calls; 0 before the first)
 */
export class DurationStats {
  private readonly all = { count: 0, total: 0 };
  private readonly byFn = new Map<number, { count: number; total: number }>();

  record(seconds: number, fnIndex: number): void {
    this.all.count++;
    this.all.total += seconds;
    const fn = this.byFn.get(fnIndex) ?? { count: 0, total: 0 };
    fn.count++;
    fn.total += seconds;
    this.byFn.set(fnIndex, fn);
  }

  /** The average duration of `fnIndex`'s calls, in seconds; before its first, that of all calls. */
  averageOf(fnIndex: number): number {
    const { count, total } = this.byFn.get(fnIndex) ?? this.all;
    return count ? total / count : 0;
  }
}

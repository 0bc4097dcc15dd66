/** How long calls take: the `average_duration` of responses and the queue's ETAs. */

/**
 * Running average of call durations. One belongs to each app that `createApp` builds, not to
 * the Interface: the Interface is a definition, and two apps serving it keep their own figures.
 *
 * @example
 * const stats = new DurationStats();
 * stats.record(0.2);
 * stats.record(0.4);
 * stats.average // → 0.3 (0 before the first call)
 */
export class DurationStats {
  private count = 0;
  private total = 0;
  record(seconds: number): void {
    this.count++;
    this.total += seconds;
  }
  get average(): number {
    return this.count ? this.total / this.count : 0;
  }
}

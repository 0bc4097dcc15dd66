/** Per-revision counters of a rollout: calls, errors and recent latencies, as the proxy feeds them. */

/** Calls, errors (5xx or no answer) and latencies of one revision. */
export class RevisionStats {
  requests = 0;
  errors = 0;
  /** 4xx: the caller's mistake, not the revision's; not in the error rate. */
  clientErrors = 0;
  /** The latest latencies (ms), a ring. */
  private latencies: number[] = [];
  private next = 0;
  constructor(private readonly keep = 2000) {}

  record(status: number, latencyMs: number): void {
    this.requests++;
    if (status >= 500 || status === 0) this.errors++;
    else if (status >= 400) this.clientErrors++;
    if (this.latencies.length < this.keep) this.latencies.push(latencyMs);
    else this.latencies[this.next++ % this.keep] = latencyMs;
  }

  /** Drops the latencies kept so far (the counts stay). */
  forgetLatencies(): void {
    this.latencies = [];
    this.next = 0;
  }

  get errorRate(): number {
    return this.requests ? this.errors / this.requests : 0;
  }

  /** The q-quantile of the recent latencies, null before any call. */
  quantile(q: number): number | null {
    if (!this.latencies.length) return null;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  }

  toJSON() {
    return {
      requests: this.requests,
      errors: this.errors,
      client_errors: this.clientErrors,
      error_rate: this.errorRate,
      p50_ms: this.quantile(0.5),
      p99_ms: this.quantile(0.99),
    };
  }

  save() {
    return { requests: this.requests, errors: this.errors, clientErrors: this.clientErrors, latencies: this.latencies.slice(-500) };
  }

  static restore(saved: ReturnType<RevisionStats["save"]> | undefined): RevisionStats {
    const stats = new RevisionStats();
    if (saved)
      Object.assign(stats, {
        requests: saved.requests,
        errors: saved.errors,
        clientErrors: saved.clientErrors,
        latencies: [...saved.latencies],
      });
    return stats;
  }
}

/** One revision's counters during a rollout (`host/rollout/stats.ts`), on their own. */
import { describe, expect, test } from "vitest";
import { RevisionStats } from "../../../host/rollout/stats.ts";

describe("a revision's rollout counters", () => {
  test("5xx and no answer (0) are errors; 4xx are the caller's and stay out of the error rate", () => {
    const stats = new RevisionStats();
    expect(stats.errorRate).toBe(0);
    expect(stats.quantile(0.99)).toBeNull();
    for (const status of [200, 200, 404, 500, 0]) stats.record(status, 10);
    expect(stats).toMatchObject({ requests: 5, errors: 2, clientErrors: 1 });
    expect(stats.errorRate).toBe(0.4);
  });

  test("quantiles are of the latest latencies only, a ring of `keep`", () => {
    const stats = new RevisionStats(4);
    for (const ms of [1, 2, 3, 4]) stats.record(200, ms);
    expect([stats.quantile(0.5), stats.quantile(0.99)]).toEqual([2, 4]);
    for (const ms of [100, 100]) stats.record(200, ms); // replace 1 and 2
    expect([stats.quantile(0.5), stats.quantile(0.99)]).toEqual([4, 100]);
    stats.forgetLatencies();
    expect(stats.quantile(0.5)).toBeNull();
    expect(stats.requests).toBe(6); // the counts stay
  });

  test("the API's JSON, and a save that restores to the same numbers", () => {
    const stats = new RevisionStats();
    for (const [status, ms] of [
      [200, 10],
      [500, 30],
      [429, 20],
    ] as const)
      stats.record(status, ms);
    expect(stats.toJSON()).toEqual({ requests: 3, errors: 1, client_errors: 1, error_rate: 1 / 3, p50_ms: 20, p99_ms: 30 });
    const back = RevisionStats.restore(JSON.parse(JSON.stringify(stats.save())));
    expect(back.toJSON()).toEqual(stats.toJSON());
    expect(RevisionStats.restore(undefined).toJSON()).toEqual(new RevisionStats().toJSON());
  });
});

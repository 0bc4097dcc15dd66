/**
 * The rollout policy parser on its own (`host/rollout/policy.ts`): what a card's or the CLI's
 * `rollout` value means, and every way it can be refused. The stages' `percent` lists are in
 * `stages.test.ts`.
 */
import { describe, expect, test } from "vitest";
import { DEFAULT_POLICY, describePolicy, parsePolicy, pct, stageName, stepName } from "../../../host/rollout/policy.ts";

describe("the rollout policy", () => {
  test("absent or off means no rollout, without a warning", () => {
    for (const value of [undefined, null, false, "off", "none", { mode: "off" }, { mode: "none" }]) expect(parsePolicy(value)).toEqual({});
  });

  test("a mode alone takes the defaults; card keys are snake_case and override them", () => {
    expect(parsePolicy("canary").policy).toEqual({ ...DEFAULT_POLICY, mode: "canary", stages: [10] });
    expect(parsePolicy({ mode: "shadow" }).policy).toEqual({ ...DEFAULT_POLICY, mode: "shadow", stages: ["shadow"] });
    expect(
      parsePolicy({
        mode: "canary",
        percent: 20,
        promote: "manual",
        after_requests: 50,
        after_minutes: 5,
        judge_after: 10,
        min_agreement: 0.8,
      }).policy,
    ).toEqual({
      ...DEFAULT_POLICY,
      mode: "canary",
      stages: [20],
      promote: "manual",
      afterRequests: 50,
      afterMinutes: 5,
      judgeAfter: 10,
      minAgreement: 0.8,
    });
  });

  test("anything it does not understand is a warning and no policy, never something else", () => {
    const refused = (value: unknown) => {
      const { policy, warning } = parsePolicy(value);
      expect(policy).toBeUndefined();
      return warning;
    };
    expect(refused(42)).toBe('rollout: expected "canary", "shadow", "off" or a mapping, got 42');
    expect(refused(["canary"])).toBe('rollout: expected "canary", "shadow", "off" or a mapping, got ["canary"]');
    expect(refused({ mode: "canary", speed: 3 })).toMatch(
      /^rollout: unknown key "speed" \(known: mode, percent, promote, after_requests, /,
    );
    expect(refused({ mode: "blue-green" })).toBe('rollout.mode: expected canary, shadow or off, got "blue-green"');
    expect(refused({ percent: 10 })).toBe("rollout.mode: expected canary, shadow or off, got undefined");
    expect(refused({ mode: "canary", promote: "soon" })).toBe('rollout.promote: expected auto or manual, got "soon"');
    expect(refused({ mode: "canary", after_requests: 0 })).toBe("rollout.after_requests: expected a number from 1 to 1000000000, got 0");
    expect(refused({ mode: "canary", max_error_increase: 2 })).toBe("rollout.max_error_increase: expected a number from 0 to 1, got 2");
    expect(refused({ mode: "shadow", shadow_queue: "64" })).toBe('rollout.shadow_queue: expected a number from 0 to 100000, got "64"');
    expect(refused({ mode: "canary", max_p99_ratio: Number.NaN })).toBe(
      "rollout.max_p99_ratio: expected a number from 1 to 1000, got null",
    );
  });

  test("stage and step names for reports, and one sentence per policy for logs", () => {
    expect([stageName("shadow"), stageName(10)]).toEqual(["shadow", "canary 10 %"]);
    expect([stepName("shadow", 10), stepName(10, 50)]).toEqual(["shadow → canary 10 %", "canary 10 % → 50 %"]);
    expect(pct(0.125)).toBe("12.5 %");
    expect(describePolicy(parsePolicy("canary").policy!)).toBe(
      "canary 10 % of new sessions and one-shot calls, then everyone; promoted automatically after 100 calls or 30 min if its error rate is within +5 % and its p99 within ×1.5 + 50 ms; rolled back automatically when worse by more than that",
    );
    expect(describePolicy(parsePolicy("shadow").policy!)).toBe(
      "shadow (a copy of every prediction; visitors get the current revision's answers), then everyone; promoted automatically after 100 compared answers or 30 min if its error rate is within +5 % and its p99 within ×1.5 + 50 ms and ≥ 90 % agree; rolled back automatically when worse by more than that",
    );
  });
});

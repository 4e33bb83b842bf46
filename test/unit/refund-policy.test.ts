import { describe, expect, it } from "vitest";
import { isAtLeastAsGenerous, normalizeRefundPolicy, refundPercentAt } from "../../workers/domain/refund-policy";

const policy = { schedule: [{ until_hours_before_start: 720, percent: 100 }, { until_hours_before_start: 168, percent: 50 }] };

describe("refund policy", () => {
  it("gives the best rule still open, and nothing after the last window", () => {
    expect(refundPercentAt(policy, 1000)).toBe(100);
    expect(refundPercentAt(policy, 720)).toBe(100);
    expect(refundPercentAt(policy, 719)).toBe(50);
    expect(refundPercentAt(policy, 168)).toBe(50);
    expect(refundPercentAt(policy, 167)).toBe(0);
    expect(refundPercentAt({ schedule: [] }, 10_000)).toBe(0);
  });

  it("accepts only changes that refund at least as much at every moment", () => {
    expect(isAtLeastAsGenerous(policy, policy)).toBe(true);
    expect(isAtLeastAsGenerous(policy, { schedule: [...policy.schedule, { until_hours_before_start: 24, percent: 25 }] })).toBe(true);
    expect(isAtLeastAsGenerous(policy, { schedule: [{ until_hours_before_start: 168, percent: 100 }] })).toBe(true);
    expect(isAtLeastAsGenerous(policy, { schedule: [{ until_hours_before_start: 720, percent: 100 }] })).toBe(false);
    expect(isAtLeastAsGenerous(policy, { schedule: [{ until_hours_before_start: 800, percent: 100 }, { until_hours_before_start: 168, percent: 50 }] })).toBe(false);
    expect(isAtLeastAsGenerous({ schedule: [] }, policy)).toBe(true);
  });

  it("normalizes to one rule per mark, earliest window first", () => {
    expect(
      normalizeRefundPolicy({ schedule: [{ until_hours_before_start: 168, percent: 50 }, { until_hours_before_start: 720, percent: 100 }, { until_hours_before_start: 168, percent: 40 }] }),
    ).toEqual(policy);
  });
});

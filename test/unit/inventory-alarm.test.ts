import { describe, expect, it } from "vitest";
import { nextAlarmAt } from "../../workers/domain/inventory-alarm";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe("TierInventory's next alarm", () => {
  it("is the earliest expiry while no notice waits, and none when nothing expires", () => {
    expect(nextAlarmAt(NOW + 60_000, false, undefined, NOW)).toBe(NOW + 60_000);
    expect(nextAlarmAt(null, false, NOW + 5_000, NOW)).toBeNull();
  });

  it("is now when a notice waits, unless an alarm already set is due within the second", () => {
    expect(nextAlarmAt(NOW + 60_000, true, undefined, NOW)).toBe(NOW);
    expect(nextAlarmAt(NOW + 60_000, true, NOW + 60_000, NOW)).toBe(NOW);
    expect(nextAlarmAt(NOW + 60_000, true, NOW + 800, NOW)).toBe(NOW + 800);
    expect(nextAlarmAt(null, true, null, NOW)).toBe(NOW);
  });
});

import { describe, expect, it } from "vitest";
import { alarmStillCovers, mayBeOverdue, nextAlarmAt } from "../../workers/domain/inventory-alarm";

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

describe("TierInventory's alarm without reading", () => {
  it("still covers only when it is set, at or before the floor under every active expiry, and no notice waits", () => {
    expect(alarmStillCovers(NOW + 60_000, NOW + 60_000, false)).toBe(true);
    expect(alarmStillCovers(NOW + 60_000, NOW + 90_000, false)).toBe(true);
    // Nothing active: an alarm that fires for nothing is harmless.
    expect(alarmStillCovers(NOW + 60_000, null, false)).toBe(true);
    // A hold placed before the alarm: it must move.
    expect(alarmStillCovers(NOW + 60_000, NOW + 59_999, false)).toBe(false);
    // Not set, or not known since it fired.
    expect(alarmStillCovers(null, NOW + 60_000, false)).toBe(false);
    expect(alarmStillCovers(undefined, NOW + 60_000, false)).toBe(false);
    // The floor or the notices not known, or a notice waiting.
    expect(alarmStillCovers(NOW + 60_000, undefined, false)).toBe(false);
    expect(alarmStillCovers(NOW + 60_000, NOW + 90_000, undefined)).toBe(false);
    expect(alarmStillCovers(NOW + 60_000, NOW + 90_000, true)).toBe(false);
  });

  it("finds a hold may be overdue from the floor: not before it, at it and after it yes, unknown yes, none active no", () => {
    expect(mayBeOverdue(NOW + 1, NOW)).toBe(false);
    expect(mayBeOverdue(NOW, NOW)).toBe(true);
    expect(mayBeOverdue(NOW - 1, NOW)).toBe(true);
    expect(mayBeOverdue(undefined, NOW)).toBe(true);
    expect(mayBeOverdue(null, NOW)).toBe(false);
  });
});

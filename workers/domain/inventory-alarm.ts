/**
 * When TierInventory's one alarm should fire next. It does two jobs: expiring holds (at the earliest
 * expiry) and publishing the notices a step left in its local outbox (as soon as possible). An alarm
 * already due within the second publishes them as well, so it is kept rather than rewritten on every
 * call of a busy tier.
 * @param nextExpiry the earliest expiry of an active hold, null when none is active
 * @param alarmAt the alarm the object set last (null: none, undefined: not known since it fired)
 * @returns the alarm time, null for no alarm
 */
export function nextAlarmAt(nextExpiry: number | null, hasPendingNotices: boolean, alarmAt: number | null | undefined, now: number): number | null {
  if (!hasPendingNotices) return nextExpiry;
  return alarmAt != null && alarmAt <= now + 1_000 ? alarmAt : now;
}

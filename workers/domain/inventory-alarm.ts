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

/**
 * Whether the alarm already set still does both jobs after a step, so nothing needs reading or
 * writing: it fires no later than every active hold's expiry (it is at or before `expiryFloor`, a time
 * at or before each of them; null: none is active) and no notice waits to be published. Anything not
 * known (undefined) answers no, and the caller reads.
 * @param alarmAt the alarm the object set last (null: none, undefined: not known since it fired)
 */
export function alarmStillCovers(alarmAt: number | null | undefined, expiryFloor: number | null | undefined, noticesPending: boolean | undefined): boolean {
  if (alarmAt == null || expiryFloor === undefined || noticesPending !== false) return false;
  return expiryFloor === null || alarmAt <= expiryFloor;
}

/**
 * Whether some active hold may be past its expiry at `now` (holds end at `expires_at <= now`), from a
 * time at or before every active expiry (null: none is active; undefined: not known, so maybe).
 */
export function mayBeOverdue(expiryFloor: number | null | undefined, now: number): boolean {
  return expiryFloor === undefined || (expiryFloor !== null && expiryFloor <= now);
}

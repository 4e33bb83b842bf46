/**
 * Refund policies as a schedule: `{until_hours_before_start, percent}` means "this percentage is
 * refunded while at least that many hours remain before the event starts". The best entry that
 * still applies wins; when none applies, attendees get nothing back (organizers can always refund).
 */
export interface RefundRule {
  until_hours_before_start: number;
  percent: number;
}

export interface RefundPolicy {
  schedule: RefundRule[];
}

export function refundPercentAt(policy: RefundPolicy, hoursBeforeStart: number): number {
  let best = 0;
  for (const rule of policy.schedule) {
    if (hoursBeforeStart >= rule.until_hours_before_start && rule.percent > best) best = rule.percent;
  }
  return best;
}

/**
 * True when `next` refunds at least as much as `current` at every moment. Both are step functions
 * that only change at the rules' hour marks, so comparing at those marks covers every moment.
 */
export function isAtLeastAsGenerous(current: RefundPolicy, next: RefundPolicy): boolean {
  const marks = [...current.schedule, ...next.schedule].map((r) => r.until_hours_before_start);
  return marks.every((hours) => refundPercentAt(next, hours) >= refundPercentAt(current, hours));
}

/** Sorted from the earliest window to the last, one rule per hour mark. */
export function normalizeRefundPolicy(policy: RefundPolicy): RefundPolicy {
  const byHours = new Map<number, number>();
  for (const rule of policy.schedule) {
    byHours.set(rule.until_hours_before_start, Math.max(rule.percent, byHours.get(rule.until_hours_before_start) ?? 0));
  }
  return {
    schedule: [...byHours.entries()]
      .sort(([a], [b]) => b - a)
      .map(([until_hours_before_start, percent]) => ({ until_hours_before_start, percent })),
  };
}

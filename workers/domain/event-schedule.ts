/**
 * The time rules an event must satisfy, as problems a person can fix (field + sentence).
 */
export interface EventTimes {
  startsAt: Date;
  endsAt: Date;
  salesStartAt: Date | null;
  salesEndAt: Date | null;
}

export interface TimeProblem {
  field: string;
  message: string;
}

export function checkEventTimes(times: EventTimes): TimeProblem[] {
  const problems: TimeProblem[] = [];
  if (times.endsAt <= times.startsAt) problems.push({ field: "ends_at", message: "The event must end after it starts." });
  if (times.salesStartAt && times.salesEndAt && times.salesEndAt <= times.salesStartAt) {
    problems.push({ field: "sales_end_at", message: "Sales must end after they start." });
  }
  if (times.salesEndAt && times.salesEndAt > times.endsAt) {
    problems.push({ field: "sales_end_at", message: "Sales cannot go on after the event has ended." });
  }
  return problems;
}

/** What must hold before an event goes on sale, on top of checkEventTimes. */
export function checkPublishable(times: EventTimes, tierCount: number, now: Date): TimeProblem[] {
  const problems = checkEventTimes(times);
  if (tierCount === 0) problems.push({ field: "tiers", message: "Add at least one ticket tier before publishing." });
  if (times.endsAt <= now) problems.push({ field: "ends_at", message: "This event is already over." });
  return problems;
}

/**
 * Waitlist entries in the ledger: written at join for the dashboard and recovery, then kept in step
 * with TierInventory (the queue's truth) by the notices it publishes, applied in their order.
 */
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { attendees, waitlistEntries } from "../schema";

export type WaitlistEntryRow = typeof waitlistEntries.$inferSelect;

/** Inserts the entry; undefined when the attendee already has an active entry for the tier. */
export async function insertWaitlistEntry(db: HttpDatabase, values: typeof waitlistEntries.$inferInsert): Promise<WaitlistEntryRow | undefined> {
  const [row] = await db.insert(waitlistEntries).values(values).onConflictDoNothing().returning();
  return row;
}

export async function findWaitlistEntry(db: HttpDatabase, entryId: string): Promise<WaitlistEntryRow | undefined> {
  const [row] = await db.select().from(waitlistEntries).where(eq(waitlistEntries.id, entryId)).limit(1);
  return row;
}

export async function findActiveEntry(db: HttpDatabase, tierId: string, attendeeId: string): Promise<WaitlistEntryRow | undefined> {
  const [row] = await db
    .select()
    .from(waitlistEntries)
    .where(and(eq(waitlistEntries.tierId, tierId), eq(waitlistEntries.attendeeId, attendeeId), inArray(waitlistEntries.status, ["waiting", "offered"])))
    .limit(1);
  return row;
}

/**
 * Applies a TierInventory notice if it is newer than the last one applied to the entry; a duplicate
 * or a notice overtaken by a later one changes nothing. Answers whether the row was changed.
 */
export async function applyWaitlistNotice(
  db: HttpDatabase,
  entryId: string,
  noticeSeq: number,
  values: Partial<Pick<WaitlistEntryRow, "status" | "offerHoldId" | "offerExpiresAt" | "offerSeats">>,
): Promise<boolean> {
  const rows = await db
    .update(waitlistEntries)
    .set({ ...values, noticeSeq, updatedAt: sql`now()` })
    .where(and(eq(waitlistEntries.id, entryId), lt(waitlistEntries.noticeSeq, noticeSeq)))
    .returning({ id: waitlistEntries.id });
  return rows.length > 0;
}

export async function setEntryStatus(db: HttpDatabase, entryId: string, status: WaitlistEntryRow["status"]): Promise<void> {
  await db.update(waitlistEntries).set({ status, updatedAt: sql`now()` }).where(eq(waitlistEntries.id, entryId));
}

export async function entryAttendee(db: HttpDatabase, entryId: string) {
  const [row] = await db
    .select({ entry: waitlistEntries, email: attendees.email, name: waitlistEntries.attendeeName })
    .from(waitlistEntries)
    .innerJoin(attendees, eq(attendees.id, waitlistEntries.attendeeId))
    .where(eq(waitlistEntries.id, entryId))
    .limit(1);
  return row;
}

/** The event's entries in join order, for the organizer. */
export async function entriesOfEvent(db: HttpDatabase, eventId: string) {
  return db
    .select({ entry: waitlistEntries, email: attendees.email, name: waitlistEntries.attendeeName })
    .from(waitlistEntries)
    .innerJoin(attendees, eq(attendees.id, waitlistEntries.attendeeId))
    .where(eq(waitlistEntries.eventId, eventId))
    .orderBy(asc(waitlistEntries.tierId), asc(waitlistEntries.position));
}

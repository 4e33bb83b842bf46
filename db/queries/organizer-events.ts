/**
 * Reads and writes behind the organizer's event endpoints. Every lookup is scoped by organization
 * id (issue #15: the organization owns its events): another organization's event simply does not
 * exist for the caller.
 */
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { events, orders, seats, ticketTiers, tickets } from "../schema";

export type EventInsert = typeof events.$inferInsert;
export type SeatRow = typeof seats.$inferSelect;
export type SeatInsert = Omit<typeof seats.$inferInsert, "eventId" | "tierId">;

const SEAT_BATCH = 2_000;

const owned = (eventId: string, organizationId: string) => and(eq(events.id, eventId), eq(events.organizationId, organizationId));

export async function findOwnedEvent(db: HttpDatabase, eventId: string, organizationId: string) {
  const [row] = await db.select().from(events).where(owned(eventId, organizationId)).limit(1);
  return row;
}

/** The same, locked until the transaction ends: concurrent edits of one event apply one by one. */
export async function lockOwnedEvent(tx: Transaction, eventId: string, organizationId: string) {
  const [row] = await tx.select().from(events).where(owned(eventId, organizationId)).limit(1).for("update");
  return row;
}

export async function listOwnedEvents(db: HttpDatabase, organizationId: string) {
  return db.select().from(events).where(eq(events.organizationId, organizationId)).orderBy(desc(events.createdAt));
}

export async function insertEvent(tx: Transaction, values: EventInsert) {
  const [row] = await tx.insert(events).values(values).returning();
  return row!;
}

export async function updateEventRow(tx: Transaction, eventId: string, values: Partial<EventInsert>) {
  const [row] = await tx
    .update(events)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(events.id, eventId))
    .returning();
  return row!;
}

export async function insertTier(tx: Transaction, values: typeof ticketTiers.$inferInsert) {
  const [row] = await tx.insert(ticketTiers).values(values).returning();
  return row!;
}

export async function updateTier(tx: Transaction, tierId: string, values: Partial<typeof ticketTiers.$inferInsert>) {
  const [row] = await tx.update(ticketTiers).set(values).where(eq(ticketTiers.id, tierId)).returning();
  return row!;
}

export async function deleteTier(tx: Transaction, tierId: string) {
  await tx.delete(ticketTiers).where(eq(ticketTiers.id, tierId));
}

export async function replaceSeats(tx: Transaction, eventId: string, tierId: string, seatList: SeatInsert[]) {
  await tx.delete(seats).where(eq(seats.tierId, tierId));
  for (let i = 0; i < seatList.length; i += SEAT_BATCH) {
    await tx.insert(seats).values(seatList.slice(i, i + SEAT_BATCH).map((seat) => ({ ...seat, eventId, tierId })));
  }
}

export async function tiersOfEvent(db: HttpDatabase | Transaction, eventId: string) {
  return db.select().from(ticketTiers).where(eq(ticketTiers.eventId, eventId)).orderBy(asc(ticketTiers.position), asc(ticketTiers.createdAt));
}

export async function seatsOfTiers(db: HttpDatabase | Transaction, tierIds: string[]): Promise<SeatRow[]> {
  if (tierIds.length === 0) return [];
  return db.select().from(seats).where(inArray(seats.tierId, tierIds)).orderBy(asc(seats.y), asc(seats.x), asc(seats.label));
}

/** Orders per tier: a tier with any order (even expired) is part of the ledger and is kept. */
export async function orderCountsByTier(db: HttpDatabase | Transaction, tierIds: string[]): Promise<Map<string, number>> {
  if (tierIds.length === 0) return new Map();
  const rows = await db
    .select({ tierId: orders.tierId, n: count() })
    .from(orders)
    .where(inArray(orders.tierId, tierIds))
    .groupBy(orders.tierId);
  return new Map(rows.map((r) => [r.tierId, r.n]));
}

/** Seat labels held by live tickets of an event: the seats shown as sold. */
export async function soldSeatLabels(db: HttpDatabase | Transaction, tierId: string): Promise<Set<string>> {
  const rows = await db
    .select({ label: tickets.seatLabel })
    .from(tickets)
    .where(and(eq(tickets.tierId, tierId), eq(tickets.status, "valid")));
  return new Set(rows.map((r) => r.label).filter((l): l is string => l !== null));
}

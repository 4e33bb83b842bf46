/**
 * Money and attendance figures for the organizer's live stats, straight from the ledger.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { checkins, orders, refunds, waitlistEntries } from "../schema";

export async function revenueByTier(db: HttpDatabase, eventId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ tierId: orders.tierId, gross: sql<number>`coalesce(sum(${orders.amount}), 0)::bigint`.mapWith(Number) })
    .from(orders)
    .where(and(eq(orders.eventId, eventId), inArray(orders.status, ["confirmed", "partially_refunded", "refunded"])))
    .groupBy(orders.tierId);
  return new Map(rows.map((r) => [r.tierId, r.gross]));
}

export async function refundedTotal(db: HttpDatabase, eventId: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`coalesce(sum(${refunds.amount}), 0)::bigint`.mapWith(Number) })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(orders.eventId, eventId), eq(refunds.status, "succeeded")));
  return row?.total ?? 0;
}

export async function checkedInCount(db: HttpDatabase, eventId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(DISTINCT ${checkins.ticketId})::int` })
    .from(checkins)
    .where(and(eq(checkins.eventId, eventId), eq(checkins.result, "admitted")));
  return row?.n ?? 0;
}

export async function waitingCount(db: HttpDatabase, eventId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(waitlistEntries)
    .where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.status, "waiting")));
  return row?.n ?? 0;
}

export interface PaceFigures {
  orders_last_minute: number;
  scans_last_minute: number;
  /** Orders that ended (paid, expired or cancelled) and how many of them were paid. */
  holds_ended: number;
  holds_paid: number;
  offers_out: number;
}

/** What moves minute to minute, for the war room: one round trip. */
export async function paceOfEvent(db: HttpDatabase, eventId: string): Promise<PaceFigures> {
  const result = await db.execute<{ [K in keyof PaceFigures]: number }>(sql`
    SELECT
      (SELECT count(*) FROM orders WHERE event_id = ${eventId} AND confirmed_at > now() - interval '1 minute')::int AS orders_last_minute,
      (SELECT count(*) FROM checkins WHERE event_id = ${eventId} AND scanned_at > now() - interval '1 minute' AND result <> 'undone')::int AS scans_last_minute,
      (SELECT count(*) FROM orders WHERE event_id = ${eventId} AND status <> 'pending')::int AS holds_ended,
      (SELECT count(*) FROM orders WHERE event_id = ${eventId} AND confirmed_at IS NOT NULL)::int AS holds_paid,
      (SELECT count(*) FROM waitlist_entries WHERE event_id = ${eventId} AND status = 'offered')::int AS offers_out`);
  return result.rows[0]!;
}

/**
 * Refunds in the ledger. A refund row is written, and its tickets revoked, in one transaction before
 * any money moves, so two refund requests can never both claim a ticket; Stripe is then asked with
 * the row's idempotency key, as often as it takes, and the row records the outcome.
 */
import { and, asc, eq, inArray, isNull, lt, ne, sql } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { orderItems, orders, refunds, tickets } from "../schema";

export type RefundRow = typeof refunds.$inferSelect;

/** One row per refund idempotency key: recording the same refund twice keeps the first. */
export async function recordRefund(db: HttpDatabase | Transaction, values: typeof refunds.$inferInsert): Promise<void> {
  await db.insert(refunds).values(values).onConflictDoNothing({ target: refunds.idempotencyKey });
}

export async function insertRefund(tx: Transaction, values: typeof refunds.$inferInsert): Promise<RefundRow | undefined> {
  const [row] = await tx.insert(refunds).values(values).onConflictDoNothing({ target: refunds.idempotencyKey }).returning();
  return row;
}

export async function findRefundById(db: HttpDatabase | Transaction, refundId: string): Promise<RefundRow | undefined> {
  const [row] = await db.select().from(refunds).where(eq(refunds.id, refundId)).limit(1);
  return row;
}

export async function findRefundByKey(db: HttpDatabase | Transaction, idempotencyKey: string): Promise<RefundRow | undefined> {
  const [row] = await db.select().from(refunds).where(eq(refunds.idempotencyKey, idempotencyKey)).limit(1);
  return row;
}

/** Money already given back or on its way (pending and succeeded refunds) for the order. */
export async function refundedAmount(db: HttpDatabase | Transaction, orderId: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`coalesce(sum(${refunds.amount}), 0)::bigint`.mapWith(Number) })
    .from(refunds)
    .where(and(eq(refunds.orderId, orderId), ne(refunds.status, "failed")));
  return row?.total ?? 0;
}

/**
 * Whether the order is refunded in full (no ticket of it left valid) with no refund of it still
 * waiting for the provider: one that could yet fail and give its tickets back.
 */
export async function refundedInFull(db: HttpDatabase | Transaction, orderId: string): Promise<boolean> {
  const [row] = await db
    .select({ done: sql<boolean>`${orders.status} = 'refunded' AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = ${orders.id} AND r.status = 'pending')` })
    .from(orders)
    .where(eq(orders.id, orderId));
  return row?.done === true;
}

/** The order's tickets with the price paid for each. */
export async function pricedTicketsOfOrder(db: HttpDatabase | Transaction, orderId: string) {
  return db
    .select({ id: tickets.id, status: tickets.status, seatLabel: tickets.seatLabel, unitPrice: orderItems.unitPrice })
    .from(tickets)
    .leftJoin(orderItems, eq(orderItems.id, tickets.orderItemId))
    .where(eq(tickets.orderId, orderId))
    .orderBy(asc(tickets.seatLabel), asc(tickets.id));
}

export async function revokeTickets(tx: Transaction, ticketIds: string[], reason: string, at: Date): Promise<number> {
  if (ticketIds.length === 0) return 0;
  const rows = await tx
    .update(tickets)
    .set({ status: "revoked", revokedAt: at, revokeReason: reason })
    .where(and(inArray(tickets.id, ticketIds), eq(tickets.status, "valid")))
    .returning({ id: tickets.id });
  return rows.length;
}

/** Gives back tickets a refund revoked when the refund itself failed for good. */
export async function restoreTickets(tx: Transaction, ticketIds: string[]): Promise<void> {
  if (ticketIds.length === 0) return;
  await tx.update(tickets).set({ status: "valid", revokedAt: null, revokeReason: null }).where(and(inArray(tickets.id, ticketIds), eq(tickets.status, "revoked")));
}

export async function updateRefund(db: HttpDatabase | Transaction, refundId: string, values: Partial<typeof refunds.$inferInsert>): Promise<void> {
  await db.update(refunds).set({ ...values, updatedAt: sql`now()` }).where(eq(refunds.id, refundId));
}

/** Fails a refund Stripe never accepted; false when it is no longer pending or Stripe has it. */
export async function markRefundFailed(tx: Transaction, refundId: string, reason: string): Promise<boolean> {
  const rows = await tx
    .update(refunds)
    .set({ status: "failed", reason, updatedAt: sql`now()` })
    .where(and(eq(refunds.id, refundId), eq(refunds.status, "pending"), isNull(refunds.providerRefundId)))
    .returning({ id: refunds.id });
  return rows.length > 0;
}

/** Refunds left pending (Stripe unreachable, or a crash) for longer than `before`: the sweeper's list. */
export async function stalePendingRefunds(db: HttpDatabase, before: Date, limit: number) {
  return db
    .select()
    .from(refunds)
    .where(and(eq(refunds.status, "pending"), lt(refunds.updatedAt, before)))
    .orderBy(asc(refunds.updatedAt))
    .limit(limit);
}

/** Revoked tickets of an event, oldest revocation first, after `since` when given. */
export async function revokedTickets(db: HttpDatabase, eventId: string, since: Date | undefined, limit: number) {
  return db
    .select({ id: tickets.id, revokedAt: tickets.revokedAt, reason: tickets.revokeReason })
    .from(tickets)
    .where(and(eq(tickets.eventId, eventId), eq(tickets.status, "revoked"), since ? sql`${tickets.revokedAt} > ${since.toISOString()}` : undefined))
    .orderBy(asc(tickets.revokedAt), asc(tickets.id))
    .limit(limit);
}

/**
 * Orders of an event that were paid and still hold money or valid tickets: the cancellation's work
 * list. (A refund still pending counts as given back; the sweeper finishes it.)
 */
export async function paidOrdersOfEvent(db: HttpDatabase, eventId: string, limit: number) {
  return db
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.eventId, eventId),
        inArray(orders.status, ["confirmed", "partially_refunded", "refunded"]),
        sql`(${orders.amount} > coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.order_id = ${orders.id} AND r.status <> 'failed'), 0)
             OR EXISTS (SELECT 1 FROM tickets k WHERE k.order_id = ${orders.id} AND k.status = 'valid'))`,
      ),
    )
    .orderBy(asc(orders.id))
    .limit(limit);
}

/**
 * Orders, their items, payments and tickets: the ledger side of the purchase saga.
 */
import { and, asc, eq, lt, sql } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { attendees, orderItems, orders, payments, refunds, tickets, ticketTiers } from "../schema";

export type OrderRow = typeof orders.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;

/** The attendee with this email, created or renamed. */
export async function upsertAttendee(db: HttpDatabase, email: string, name: string): Promise<string> {
  const result = await db.execute<{ id: string }>(sql`
    INSERT INTO attendees (email, name) VALUES (${email}, ${name})
    ON CONFLICT ((lower(email))) DO UPDATE SET name = excluded.name
    RETURNING id`);
  return result.rows[0]!.id;
}

export async function findOrderByIdempotencyKey(db: HttpDatabase | Transaction, key: { attendeeId: string; eventId: string; tierId: string; idempotencyKey: string }) {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.attendeeId, key.attendeeId), eq(orders.eventId, key.eventId), eq(orders.tierId, key.tierId), eq(orders.idempotencyKey, key.idempotencyKey)))
    .limit(1);
  return row;
}

/** Inserts the order and its items; answers undefined when the same idempotency key won a race. */
export async function insertPendingOrder(
  tx: Transaction,
  order: typeof orders.$inferInsert,
  items: { seatLabel: string | null; unitPrice: number }[],
): Promise<OrderRow | undefined> {
  const [row] = await tx.insert(orders).values(order).onConflictDoNothing({ target: [orders.attendeeId, orders.eventId, orders.tierId, orders.idempotencyKey] }).returning();
  if (!row) return undefined;
  await tx.insert(orderItems).values(items.map((item) => ({ orderId: row.id, tierId: row.tierId, ...item })));
  return row;
}

export async function findOrder(db: HttpDatabase | Transaction, orderId: string) {
  const [row] = await db.select().from(orders).where(eq(orders.id, orderId)).limit(1);
  return row;
}

export async function lockOrder(tx: Transaction, orderId: string) {
  const [row] = await tx.select().from(orders).where(eq(orders.id, orderId)).limit(1).for("update");
  return row;
}

export async function itemsOfOrder(db: HttpDatabase | Transaction, orderId: string) {
  return db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.seatLabel));
}

export async function ticketsOfOrder(db: HttpDatabase | Transaction, orderId: string) {
  return db.select().from(tickets).where(eq(tickets.orderId, orderId)).orderBy(asc(tickets.seatLabel), asc(tickets.issuedAt), asc(tickets.id));
}

export async function paymentOfOrder(db: HttpDatabase | Transaction, orderId: string) {
  const [row] = await db.select().from(payments).where(eq(payments.orderId, orderId)).limit(1);
  return row;
}

export async function refundsOfOrder(db: HttpDatabase | Transaction, orderId: string) {
  return db.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(asc(refunds.createdAt));
}

export async function attendeeOf(db: HttpDatabase | Transaction, attendeeId: string) {
  const [row] = await db.select().from(attendees).where(eq(attendees.id, attendeeId)).limit(1);
  return row!;
}

/** Records the payment attempt once per order; later calls return the same row. */
export async function ensurePayment(db: HttpDatabase, values: { orderId: string; idempotencyKey: string; amount: number; currency: string }) {
  await db.insert(payments).values(values).onConflictDoNothing({ target: payments.orderId });
  return (await paymentOfOrder(db, values.orderId))!;
}

export async function updatePayment(db: HttpDatabase | Transaction, orderId: string, values: Partial<typeof payments.$inferInsert>) {
  await db.update(payments).set({ ...values, updatedAt: sql`now()` }).where(eq(payments.orderId, orderId));
}

export async function setOrderStatus(db: HttpDatabase | Transaction, orderId: string, status: OrderRow["status"], extra: Partial<typeof orders.$inferInsert> = {}) {
  await db.update(orders).set({ status, updatedAt: sql`now()`, ...extra }).where(eq(orders.id, orderId));
}

export async function insertTickets(tx: Transaction, rows: (typeof tickets.$inferInsert)[]) {
  if (rows.length === 0) return [];
  return tx.insert(tickets).values(rows).returning();
}

export async function addSold(tx: Transaction, tierId: string, quantity: number) {
  await tx.update(ticketTiers).set({ soldCount: sql`${ticketTiers.soldCount} + ${quantity}` }).where(eq(ticketTiers.id, tierId));
}

/** Pending orders whose hold ran out before `before`: the sweeper's work list. */
export async function overduePendingOrders(db: HttpDatabase, before: Date, limit: number) {
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.status, "pending"), lt(orders.holdExpiresAt, before)))
    .orderBy(asc(orders.holdExpiresAt))
    .limit(limit);
}

/**
 * Orders, their items, payments and tickets: the ledger side of the purchase saga.
 */
import { and, asc, eq, lt, ne, sql, type SQL } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { attendees, orderItems, orders, payments, refunds, tickets, ticketTiers } from "../schema";

export type OrderRow = typeof orders.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;

export interface IdempotencyKey {
  eventId: string;
  tierId: string;
  idempotencyKey: string;
}

/**
 * `buyer_held` and `client_held`: the units the attendee `a` (a row source in the statement) and the
 * client address hold right now in the event's other tiers, for the per-event hold limits.
 */
export function heldInOtherTiers(key: IdempotencyKey, clientKey: string | null): SQL {
  return sql`(SELECT coalesce(sum(h.quantity), 0) FROM orders h
        WHERE h.attendee_id = a.id AND h.event_id = ${key.eventId} AND h.tier_id <> ${key.tierId}
          AND h.status = 'pending' AND h.hold_expires_at > now())::int AS buyer_held,
      (SELECT coalesce(sum(h.quantity), 0) FROM orders h
        WHERE ${clientKey}::text IS NOT NULL AND h.client_key = ${clientKey} AND h.event_id = ${key.eventId} AND h.tier_id <> ${key.tierId}
          AND h.status = 'pending' AND h.hold_expires_at > now())::int AS client_held`;
}

/**
 * One round trip for the start of a registration: the attendee (created or renamed), any order
 * already made with this idempotency key, and what the buyer (and the client address) hold in the
 * event's other tiers right now, for the per-event hold limits.
 */
export async function upsertAttendeeWithOrder(
  db: HttpDatabase,
  attendee: { email: string; name: string },
  key: IdempotencyKey,
  clientKey: string | null = null,
): Promise<{ attendeeId: string; existing: OrderRow | undefined; heldElsewhere: { buyer: number; client: number } }> {
  const result = await db.execute<{ attendee_id: string; order_id: string | null; buyer_held: number; client_held: number }>(sql`
    WITH a AS (
      INSERT INTO attendees (email, name) VALUES (${attendee.email}, ${attendee.name})
      ON CONFLICT ((lower(email))) DO UPDATE SET email = attendees.email
      RETURNING id
    )
    SELECT a.id AS attendee_id, o.id AS order_id, ${heldInOtherTiers(key, clientKey)}
    FROM a LEFT JOIN orders o
      ON o.attendee_id = a.id AND o.event_id = ${key.eventId} AND o.tier_id = ${key.tierId} AND o.idempotency_key = ${key.idempotencyKey}`);
  const row = result.rows[0]!;
  return {
    attendeeId: row.attendee_id,
    existing: row.order_id ? await findOrder(db, row.order_id) : undefined,
    heldElsewhere: { buyer: Number(row.buyer_held), client: Number(row.client_held) },
  };
}

export async function findPendingOrderByHold(db: HttpDatabase, eventId: string, holdId: string): Promise<OrderRow | undefined> {
  const [row] = await db.select().from(orders).where(and(eq(orders.eventId, eventId), eq(orders.holdId, holdId), eq(orders.status, "pending"))).limit(1);
  return row;
}

/** Orders whose holds a buyer's new hold replaced: they can no longer be paid. */
export async function cancelReplacedOrders(db: HttpDatabase, eventId: string, holdIds: string[]): Promise<void> {
  if (holdIds.length === 0) return;
  await db
    .update(orders)
    .set({ status: "cancelled", updatedAt: new Date() })
    .where(and(eq(orders.eventId, eventId), eq(orders.status, "pending"), sql`${orders.holdId} IN ${holdIds}`));
}

/**
 * The attendee with this email, created with the name given if new. An existing attendee's name is
 * never changed: whoever types an email here has not proven it is theirs, so the name given lives on
 * the order (or waitlist entry) it came with. The no-op update only makes RETURNING answer on conflict.
 */
export async function upsertAttendee(db: HttpDatabase, attendee: { email: string; name: string }): Promise<string> {
  const result = await db.execute<{ id: string }>(sql`
    INSERT INTO attendees (email, name) VALUES (${attendee.email}, ${attendee.name})
    ON CONFLICT ((lower(email))) DO UPDATE SET email = attendees.email
    RETURNING id`);
  return result.rows[0]!.id;
}

/** The order an email already made with this key, without creating anything (the sold-out path). */
export async function findOrderByEmailAndKey(db: HttpDatabase, email: string, key: IdempotencyKey): Promise<OrderRow | undefined> {
  const [row] = await db
    .select({ order: orders })
    .from(orders)
    .innerJoin(attendees, eq(attendees.id, orders.attendeeId))
    .where(
      and(
        sql`lower(${attendees.email}) = lower(${email})`,
        eq(orders.eventId, key.eventId),
        eq(orders.tierId, key.tierId),
        eq(orders.idempotencyKey, key.idempotencyKey),
      ),
    )
    .limit(1);
  return row?.order;
}

/**
 * The order and its items in one statement (atomic without an interactive transaction). Answers
 * undefined when a concurrent request with the same idempotency key inserted first.
 */
export async function insertPendingOrderAtomically(
  db: HttpDatabase,
  order: typeof orders.$inferInsert,
  seatLabels: (string | null)[],
  unitPrice: number,
): Promise<string | undefined> {
  const result = await db.execute<{ id: string }>(sql`
    WITH o AS (
      INSERT INTO orders (event_id, tier_id, attendee_id, attendee_name, idempotency_key, request_hash, quantity, amount, currency, hold_id, hold_expires_at, waitlist_entry_id, client_key)
      VALUES (${order.eventId}, ${order.tierId}, ${order.attendeeId}, ${order.attendeeName}, ${order.idempotencyKey}, ${order.requestHash}, ${order.quantity},
              ${order.amount}, ${order.currency}, ${order.holdId}, ${order.holdExpiresAt!.toISOString()}, ${order.waitlistEntryId ?? null}, ${order.clientKey ?? null})
      ON CONFLICT ON CONSTRAINT orders_idempotency_key DO NOTHING
      RETURNING id, tier_id
    ), items AS (
      INSERT INTO order_items (order_id, tier_id, seat_label, unit_price)
      SELECT o.id, o.tier_id, label, ${unitPrice}
      FROM o CROSS JOIN unnest(ARRAY[${sql.join(
        seatLabels.map((label) => sql`${label}`),
        sql`, `,
      )}]::text[]) AS label
      RETURNING order_id
    )
    SELECT id FROM o`);
  return result.rows[0]?.id;
}

export async function findOrderByIdempotencyKey(db: HttpDatabase | Transaction, key: { attendeeId: string; eventId: string; tierId: string; idempotencyKey: string }) {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.attendeeId, key.attendeeId), eq(orders.eventId, key.eventId), eq(orders.tierId, key.tierId), eq(orders.idempotencyKey, key.idempotencyKey)))
    .limit(1);
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

/**
 * Records a declined attempt on the order's payment, unless another attempt's charge already
 * succeeded (a decline that lost the race to a good card must not mark a paid order failed).
 */
export async function recordDeclinedPayment(db: HttpDatabase | Transaction, orderId: string, failureCode: string) {
  await db
    .update(payments)
    .set({ status: "failed", failureCode, updatedAt: sql`now()` })
    .where(and(eq(payments.orderId, orderId), ne(payments.status, "succeeded")));
}

/** Ends an order that is still pending (expired, cancelled); an order confirmed meanwhile is left alone. */
export async function endPendingOrder(db: HttpDatabase | Transaction, orderId: string, status: "expired" | "cancelled") {
  await db.update(orders).set({ status, updatedAt: sql`now()` }).where(and(eq(orders.id, orderId), eq(orders.status, "pending")));
}

export async function insertTickets(tx: Transaction, rows: (typeof tickets.$inferInsert)[]) {
  if (rows.length === 0) return [];
  return tx.insert(tickets).values(rows).returning();
}

/** Moves the tier's sold_count summary by `quantity` (negative for refunds); one autocommit statement. */
export async function addSold(db: HttpDatabase | Transaction, tierId: string, quantity: number) {
  await db.update(ticketTiers).set({ soldCount: sql`${ticketTiers.soldCount} + ${quantity}` }).where(eq(ticketTiers.id, tierId));
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

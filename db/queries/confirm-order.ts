/**
 * The pay path's two statements (issue #13 item 2): one joined read of everything pay and finalize
 * need, and one statement that confirms a paid order with all that goes with it.
 *
 * confirmPaidOrder replaces an interactive transaction (lock, insert, update, update, insert, insert
 * on a fresh WebSocket) by one data-modifying CTE over HTTP. What keeps it as safe:
 *  - a statement is atomic: the order, its tickets, the payment, the sold count, the mail's outbox
 *    row and the order.paid event are all written or none is;
 *  - everything is written only FROM the row `confirmed` returns, and that row exists only when this
 *    statement turned the order from pending to confirmed. Under READ COMMITTED a second, concurrent
 *    confirmation's UPDATE waits on the row lock, re-checks `status = 'pending'` on the committed row,
 *    matches nothing, and so inserts nothing: tickets are issued once, one mail, one event;
 *  - given the intent that paid (pay, the webhook), it first records that intent on the order's payment
 *    row unless another one is recorded (the row locked, its latest version), and confirms only if the
 *    recorded one is this one: pay's single Stripe call (create + confirm) leaves nothing recorded
 *    before it. One intent per order, first writer wins; a request that finds another one recorded
 *    refunds its own (workers/use-cases/finalize-order.ts, refundIfStray).
 */
import { eq, sql, and } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { preparedPer } from "../prepared";
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from "../constraint-errors";
import { attendees, eventSigningKeys, events, orders, organizations, payments, promoRedemptions } from "../schema";
import { outboxLeaseUntil } from "./outbox";
import { webhookEventCtes, type WebhookEventRecord } from "./webhook-events";

/**
 * Runs a statement that inserts the order's payment row `ON CONFLICT (order_id)` again when it lost a
 * race on the other unique index, `provider_payment_id`: two writers recording the same intent at once
 * (pay's confirmation, webhook copies) both miss the order's row, and the second then trips on the
 * intent's id instead of taking the conflict path. Postgres raises that only after the first writer
 * committed, so the repeat finds the row and updates it as the statement intends (an intent names one
 * order, so the row it finds is this order's).
 */
async function repeatingIntentRaces<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 3 || !isConstraintViolation(error, PG_UNIQUE_VIOLATION, "payments_provider_payment_id_key")) throw error;
    }
  }
}

/**
 * The CTE `locked`: the order's row, locked. Every statement that writes an order's payment row takes
 * the order's row first (orders, then payments, as the sweeper's confirmation and a refund do). Two
 * inserts of one payment row that race on its two unique indexes (`order_id`, the ON CONFLICT arbiter,
 * and `provider_payment_id`) can otherwise deadlock: CI saw pay's confirmation and a webhook's adoption
 * of the same intent abort that way. With the order locked first, the second writer waits on the order
 * and then finds the committed payment row through ON CONFLICT. A statement for an order that does not
 * exist inserts nothing.
 */
function lockedOrder(orderId: string) {
  return sql`locked AS (SELECT id FROM orders WHERE id = ${orderId}::uuid FOR UPDATE)`;
}

/** What pay and finalize know of an order after one round trip. */
export type PurchaseFacts = NonNullable<Awaited<ReturnType<typeof readPurchase>>>;

/**
 * readPurchase's select, its SQL text written once per database instance (db/prepared.ts). The
 * single values (organizer name, attendee email, promo code's counting tier) are scalar subqueries,
 * not joins: each looks up one row by a unique key, as the join did, but Postgres plans a join of
 * seven tables by searching its join orders, which took 0.93 ms per run against 0.13 ms of execution
 * (a quiet machine; 2.7 ms per run under the bench's load, the largest Postgres cost of a purchase).
 * With four tables joined and only the event's columns below: 0.21 ms to plan, 0.06 ms to run
 * (bench/RESULTS.md, 2026-12-04).
 */
const purchaseQuery = preparedPer((db) =>
  db
    .select({
      order: orders,
      payment: payments,
      // What pay, finalize, the confirmation mail and the waiting room's pass use of the event; not
      // its search vector, description or other settings, most of the row's bytes and mapping.
      event: {
        id: events.id,
        title: events.title,
        venueName: events.venueName,
        venueCity: events.venueCity,
        venueAddress: events.venueAddress,
        startsAt: events.startsAt,
        endsAt: events.endsAt,
        timezone: events.timezone,
        status: events.status,
        waitingRoom: events.waitingRoom,
        salesStartAt: events.salesStartAt,
        salesEndAt: events.salesEndAt,
      },
      organizerName: sql<string | null>`(SELECT g.name FROM ${organizations} g WHERE g.id = ${events.organizationId})`,
      // An order's attendee always exists (a foreign key, not null).
      attendeeEmail: sql<string>`(SELECT a.email FROM ${attendees} a WHERE a.id = ${orders.attendeeId})`,
      promoCountingTierId: sql<string | null>`(SELECT r.counting_tier_id FROM ${promoRedemptions} r WHERE r.order_id = ${orders.id})`,
      signingKey: eventSigningKeys,
      items: sql<{ id: string; seat_label: string | null }[]>`(
        SELECT coalesce(json_agg(json_build_object('id', i.id, 'seat_label', i.seat_label) ORDER BY i.seat_label), '[]'::json)
        FROM order_items i WHERE i.order_id = ${orders.id})`,
    })
    .from(orders)
    .innerJoin(events, eq(events.id, orders.eventId))
    .leftJoin(payments, eq(payments.orderId, orders.id))
    .leftJoin(eventSigningKeys, and(eq(eventSigningKeys.eventId, orders.eventId), eq(eventSigningKeys.status, "current")))
    .where(eq(orders.id, sql.placeholder("orderId")))
    .limit(1)
    .prepare("read_purchase"),
);

/**
 * The order with its payment, event (and organizer name), attendee's email, items (in seat order),
 * the event's current signing key and the counting tier of its promo code: one statement.
 */
export async function readPurchase(db: HttpDatabase, orderId: string) {
  const [row] = await purchaseQuery(db).execute({ orderId });
  if (!row) return undefined;
  return {
    order: row.order,
    payment: row.payment ?? undefined,
    event: { ...row.event, organizerName: row.organizerName ?? "" },
    attendeeEmail: row.attendeeEmail,
    signingKey: row.signingKey ?? undefined,
    promoCountingTierId: row.promoCountingTierId,
    items: row.items.map((item) => ({ id: item.id, seatLabel: item.seat_label })),
  };
}

/**
 * Records `intentId` as the order's PaymentIntent unless another one is recorded already (first writer
 * wins: pay after a 3-D Secure answer, the webhook adopting an intent whose pay never recorded it, a
 * late payment about to be refunded). One statement, so no row has to exist first. An intent already
 * recorded stays, with its status. Answers the intent the order records afterwards: `intentId` when
 * this call (or an earlier one) recorded it, another id when that one is the order's.
 */
export async function adoptPaymentIntent(
  db: HttpDatabase,
  values: { orderId: string; amount: number; currency: string; providerPaymentId: string },
): Promise<string | null> {
  const result = await repeatingIntentRaces(() => db.execute<{ provider_payment_id: string | null }>(sql`
    WITH ${lockedOrder(values.orderId)}, adopted AS (
      INSERT INTO payments (order_id, idempotency_key, amount, currency, provider_payment_id, status)
      SELECT l.id, ${`order_${values.orderId}`}, ${values.amount}, ${values.currency}, ${values.providerPaymentId}, 'processing' FROM locked l
      -- Always an update, never DO NOTHING or a WHERE: it locks the row and RETURNING gives its latest
      -- committed version, where a read in this statement would see its snapshot (a confirmation that
      -- committed this intent meanwhile would read as none recorded).
      ON CONFLICT (order_id) DO UPDATE SET
        provider_payment_id = coalesce(payments.provider_payment_id, EXCLUDED.provider_payment_id),
        status = CASE WHEN payments.provider_payment_id IS NULL THEN 'processing' ELSE payments.status END,
        updated_at = now()
      RETURNING provider_payment_id
    )
    SELECT provider_payment_id FROM adopted`));
  return (result.rows as { provider_payment_id: string | null }[])[0]?.provider_payment_id ?? null;
}

/**
 * A card declined on the order's first pay (create and confirm in one Stripe call): the intent and the
 * decline in one statement. The intent is recorded unless another one is (first writer wins); the
 * decline only on this intent's row, and never over a success.
 */
export async function recordDeclinedIntent(
  db: HttpDatabase,
  values: { orderId: string; amount: number; currency: string; providerPaymentId: string; failureCode: string },
): Promise<void> {
  await repeatingIntentRaces(() => db.execute(sql`
    WITH ${lockedOrder(values.orderId)}
    INSERT INTO payments (order_id, idempotency_key, amount, currency, provider_payment_id, status, failure_code)
    SELECT l.id, ${`order_${values.orderId}`}, ${values.amount}, ${values.currency}, ${values.providerPaymentId}, 'failed', ${values.failureCode} FROM locked l
    ON CONFLICT (order_id) DO UPDATE SET provider_payment_id = EXCLUDED.provider_payment_id, status = 'failed', failure_code = EXCLUDED.failure_code, updated_at = now()
    WHERE payments.status <> 'succeeded' AND (payments.provider_payment_id IS NULL OR payments.provider_payment_id = EXCLUDED.provider_payment_id)`));
}

export interface IssuedTicket {
  id: string;
  orderItemId: string;
  seatLabel: string | null;
  kid: string;
  token: string;
}

export interface Confirmation {
  orderId: string;
  confirmedAt: Date;
  /** Written only if the order has no code yet. */
  orderCode: string;
  tickets: IssuedTicket[];
  mail: { dedupeKey: string; payload: unknown };
  orderPaid: WebhookEventRecord;
  /** Add the order's quantity to the tier's sold_count summary in the same statement. */
  countSold: boolean;
  /**
   * The PaymentIntent that paid, when the caller knows it (pay, the webhook). The statement then
   * records it as the order's unless another one is (inserting the payment row pay's single Stripe
   * call left unwritten) and confirms only if it is. Without it (the sweeper, an event's
   * cancellation) the recorded payment is marked succeeded, as before.
   */
  intent?: { id: string; amount: number; currency: string };
}

export type ConfirmResult =
  | { confirmed: false }
  /** `ticketOrder`: the ticket ids as ticketsOfOrder lists them (seat label in the database's collation, then id). */
  | { confirmed: true; orderCode: string; ticketOrder: string[]; outbox: { id: number; payload: unknown }[] }
  /** The code is another order's of the event: nothing was written; try the next candidate. */
  | { confirmed: false; codeTaken: true };

type Row = { order_code: string | null; ticket_order: string[] | null; outbox: { id: number; payload: unknown }[] | null };

/** Confirms a pending order and writes everything that goes with it, or writes nothing (see top). */
export async function confirmPaidOrder(db: HttpDatabase, c: Confirmation): Promise<ConfirmResult> {
  const tickets = JSON.stringify(c.tickets.map((t) => ({ id: t.id, order_item_id: t.orderItemId, seat_label: t.seatLabel, kid: t.kid, token: t.token })));
  try {
    const result = await repeatingIntentRaces(() => db.execute<Row>(sql`
      WITH ${c.intent ? sql`${lockedOrder(c.orderId)}, recorded AS (
        -- Then the order's payment row, as last committed (ON CONFLICT DO UPDATE locks and takes the
        -- latest version, not this statement's snapshot): this intent is recorded unless another one
        -- is, and the order is confirmed below only if the recorded one is this one. An adoption
        -- (adoptPaymentIntent) writes the same row, so the two serialize on its lock.
        INSERT INTO payments (order_id, idempotency_key, amount, currency, provider_payment_id, status)
        SELECT l.id, ${`order_${c.orderId}`}, ${c.intent.amount}, ${c.intent.currency}, ${c.intent.id}, 'succeeded' FROM locked l
        ON CONFLICT (order_id) DO UPDATE SET
          provider_payment_id = coalesce(payments.provider_payment_id, EXCLUDED.provider_payment_id),
          status = CASE WHEN coalesce(payments.provider_payment_id, EXCLUDED.provider_payment_id) = EXCLUDED.provider_payment_id THEN 'succeeded' ELSE payments.status END,
          updated_at = now()
        RETURNING provider_payment_id
      ), ` : sql``}confirmed AS (
        UPDATE orders SET status = 'confirmed', confirmed_at = ${c.confirmedAt.toISOString()}::timestamptz, updated_at = now(),
          order_code = coalesce(order_code, ${c.orderCode})
        WHERE id = ${c.orderId}::uuid AND status = 'pending'${c.intent ? sql` AND EXISTS (SELECT 1 FROM recorded WHERE provider_payment_id = ${c.intent.id})` : sql``}
        RETURNING id, event_id, tier_id, quantity, attendee_name, order_code
      ), issued AS (
        INSERT INTO tickets (id, order_id, event_id, tier_id, order_item_id, seat_label, attendee_name, kid, token)
        SELECT t.id, o.id, o.event_id, o.tier_id, t.order_item_id, t.seat_label, o.attendee_name, t.kid, t.token
        FROM confirmed o CROSS JOIN jsonb_to_recordset(${tickets}::jsonb) AS t(id uuid, order_item_id uuid, seat_label text, kid text, token text)
        RETURNING id, seat_label
      ), paid AS (${c.intent ? sql`
        SELECT 1 -- recorded above` : sql`
        UPDATE payments p SET status = 'succeeded', updated_at = now() FROM confirmed o WHERE p.order_id = o.id
        RETURNING p.id`}
      ), sold AS (
        -- A summary, not the claim (TierInventory sold the units): when a drifted count would break its
        -- CHECK (sold_count <= capacity) it is left for the reconciliation cron to recount from the
        -- tickets, rather than failing the confirmation of a charge.
        UPDATE ticket_tiers t SET sold_count = t.sold_count + o.quantity FROM confirmed o
        WHERE t.id = o.tier_id AND ${c.countSold}::boolean AND t.sold_count + o.quantity <= t.capacity
        RETURNING t.id
      ), mail AS (
        -- Written leased: finalize sends it and the Queue consumer marks it (db/queries/outbox.ts).
        INSERT INTO outbox (topic, dedupe_key, payload, lease_until, attempts)
        SELECT 'mail', ${c.mail.dedupeKey}, ${JSON.stringify(c.mail.payload)}::jsonb, ${outboxLeaseUntil()}, 1 FROM confirmed
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id, payload
      ), ${webhookEventCtes(c.orderPaid, sql`EXISTS (SELECT 1 FROM confirmed)`, { leased: true })}
      SELECT o.order_code,
        (SELECT json_agg(i.id ORDER BY i.seat_label, i.id) FROM issued i) AS ticket_order,
        (SELECT json_agg(json_build_object('id', x.id, 'payload', x.payload)) FROM (SELECT id, payload FROM mail UNION ALL SELECT id, payload FROM wh_outbox) x) AS outbox
      FROM confirmed o`));
    const row = (result.rows as Row[])[0];
    if (!row) return { confirmed: false };
    return { confirmed: true, orderCode: row.order_code!, ticketOrder: row.ticket_order ?? [], outbox: row.outbox ?? [] };
  } catch (error) {
    if (isConstraintViolation(error, PG_UNIQUE_VIOLATION, "orders_event_code_key")) return { confirmed: false, codeTaken: true };
    throw error;
  }
}

/**
 * Register's own statements (workers/use-cases/claim-from-inventory.ts): the pending order is
 * written first, in one round trip with the attendee, the idempotency lookup and the hold limits,
 * and only then are its units held in TierInventory. So a replacing hold always finds the order of
 * the hold it replaces, and an order whose hold was refused is deleted again.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { heldInOtherTiers, type IdempotencyKey } from "./orders";

export interface PendingOrderDraft {
  /** Decided by the Worker, so the hold can be named after it before the row exists. */
  id: string;
  holdId: string;
  attendee: { email: string; name: string };
  key: IdempotencyKey;
  requestHash: string;
  quantity: number;
  unitPrice: number;
  currency: string;
  holdExpiresAt: Date;
  clientKey: string | null;
  /** One per unit: the seat chosen, or null (general admission, or best available until the hold picks). */
  seatLabels: (string | null)[];
  /** The event's hold limits across its other tiers; the order is not written past them. */
  limits: { maxHeldPerBuyer: number; maxHeldPerClient: number };
}

export interface PendingOrderWrite {
  attendeeId: string;
  /** The order already made with this key by this attendee (nothing was written). */
  existingId: string | null;
  /** The order written now; null when it exists already, a limit refused it, or a same-key request won. */
  orderId: string | null;
  heldElsewhere: { buyer: number; client: number };
}

/**
 * One statement: the attendee (created if new; an existing one keeps their name), the order this key
 * already made, what the buyer and the client address hold in the event's other tiers, and, when there
 * is no such order and both limits allow it, the pending order and its items. Atomic without an
 * interactive transaction; a concurrent same-key insert makes ON CONFLICT answer no order.
 */
export async function writePendingOrder(db: HttpDatabase, draft: PendingOrderDraft): Promise<PendingOrderWrite> {
  const { key, clientKey, limits } = draft;
  const result = await db.execute<{ attendee_id: string; existing_id: string | null; order_id: string | null; buyer_held: number; client_held: number }>(sql`
    WITH a AS (
      INSERT INTO attendees (email, name) VALUES (${draft.attendee.email}, ${draft.attendee.name})
      ON CONFLICT ((lower(email))) DO UPDATE SET email = attendees.email
      RETURNING id
    ), facts AS (
      SELECT a.id AS attendee_id,
        (SELECT o.id FROM orders o
          WHERE o.attendee_id = a.id AND o.event_id = ${key.eventId} AND o.tier_id = ${key.tierId} AND o.idempotency_key = ${key.idempotencyKey}) AS existing_id,
        ${heldInOtherTiers(key, clientKey)}
      FROM a
    ), o AS (
      INSERT INTO orders (id, event_id, tier_id, attendee_id, attendee_name, idempotency_key, request_hash, quantity, amount, currency, hold_id, hold_expires_at, client_key)
      SELECT ${draft.id}::uuid, ${key.eventId}, ${key.tierId}, facts.attendee_id, ${draft.attendee.name}, ${key.idempotencyKey}, ${draft.requestHash}, ${draft.quantity},
             ${draft.unitPrice * draft.quantity}, ${draft.currency}, ${draft.holdId}, ${draft.holdExpiresAt.toISOString()}, ${clientKey}
      FROM facts
      WHERE facts.existing_id IS NULL
        AND facts.buyer_held + ${draft.quantity} <= ${limits.maxHeldPerBuyer}
        AND (${clientKey}::text IS NULL OR facts.client_held + ${draft.quantity} <= ${limits.maxHeldPerClient})
      ON CONFLICT ON CONSTRAINT orders_idempotency_key DO NOTHING
      RETURNING id, tier_id
    ), items AS (
      INSERT INTO order_items (order_id, tier_id, seat_label, unit_price)
      SELECT o.id, o.tier_id, label, ${draft.unitPrice}
      FROM o CROSS JOIN unnest(ARRAY[${sql.join(
        draft.seatLabels.map((label) => sql`${label}`),
        sql`, `,
      )}]::text[]) AS label
      RETURNING order_id
    )
    SELECT facts.attendee_id, facts.existing_id, (SELECT id FROM o) AS order_id, facts.buyer_held, facts.client_held FROM facts`);
  const row = result.rows[0]!;
  return {
    attendeeId: row.attendee_id,
    existingId: row.existing_id,
    orderId: row.order_id,
    heldElsewhere: { buyer: Number(row.buyer_held), client: Number(row.client_held) },
  };
}

/** The seats best available picked, onto the order's items (written with none before the hold). */
export async function setSeatLabels(db: HttpDatabase, orderId: string, labels: string[]): Promise<void> {
  await db.execute(sql`
    WITH numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM order_items WHERE order_id = ${orderId})
    UPDATE order_items i SET seat_label = (ARRAY[${sql.join(
      labels.map((label) => sql`${label}`),
      sql`, `,
    )}]::text[])[numbered.n]
    FROM numbered WHERE i.id = numbered.id`);
}

/**
 * Takes back an order written for a hold that was then refused or failed: it never held anything and
 * was never answered to anyone, so it goes (its items with it), and a retry with the same key tries again.
 * Only while pending: an order a replacing hold already cancelled stays as it is.
 */
export async function deleteUnheldOrder(db: HttpDatabase, orderId: string): Promise<void> {
  await db.execute(sql`DELETE FROM orders WHERE id = ${orderId} AND status = 'pending'`);
}

/**
 * Bench only — the classic claim (pretix, Hi.Events): no Durable Object; the units are claimed in
 * Postgres by a guarded increment of the tier's row, in the same interactive transaction as the
 * order insert:
 *
 *   BEGIN;
 *   UPDATE ticket_tiers SET sold_count = sold_count + $q WHERE id = $1 AND sold_count + $q <= capacity RETURNING …;
 *   INSERT orders … , order_items … ;   -- insertPendingOrderAtomically, the same statement as the real path
 *   COMMIT;
 *
 * Everything else is the real register path (workers/use-cases/register-order.ts): the same
 * checks, the same cached event read, the same sold-out edge cache, the same attendee upsert and
 * idempotency lookup (upsertAttendeeWithOrder), the same order row (but `hold_id` NULL: there is
 * no hold, `hold_expires_at` is the reservation's end) and the same response (presentPendingOrder).
 * The private helpers of register-order.ts (requestFingerprint, replay, soldOut, the checks) are
 * copied verbatim below because they are not exported.
 */
import { sql } from "drizzle-orm";
import { inTransaction, type HttpDatabase } from "../db/client";
import {
  findOrderByEmailAndKey,
  findOrderByIdempotencyKey,
  insertPendingOrderAtomically,
  itemsOfOrder,
  upsertAttendeeWithOrder,
  type OrderRow,
} from "../db/queries/orders";
import { sha256Hex } from "../workers/auth/tokens";
import { databaseSettings } from "../workers/config";
import { ApiError, validationFailed } from "../workers/errors";
import { isKnownSoldOut, rememberSoldOut } from "../workers/inventory-client";
import { sellableEvent } from "../workers/sellable-tiers";
import { presentPendingOrder, type RegisterInput, type RegisteredOrder } from "../workers/use-cases/register-order";

/** Thrown inside the transaction to roll the claim back when a same-key request inserted first. */
class SameKeyInsertedFirst extends Error {}

export async function registerOrderClassic(env: Env, db: HttpDatabase, eventId: string, input: RegisterInput, now: Date): Promise<RegisteredOrder> {
  // ---- identical to registerOrder up to the claim ----
  const sellable = await sellableEvent(db, eventId, now.getTime());
  const event = sellable?.event;
  if (!event || event.status !== "published") throw new ApiError("NOT_FOUND", "No event on sale has this id.");
  const tier = sellable.tiers.find((t) => t.id === input.tier_id);
  if (!tier) throw validationFailed([{ field: "tier_id", message: "This event has no tier with this id." }]);
  if ((event.salesStartAt && now < event.salesStartAt) || (event.salesEndAt && now >= event.salesEndAt) || now >= event.endsAt) {
    throw new ApiError("SALES_NOT_OPEN", event.salesStartAt && now < event.salesStartAt ? `Sales open at ${event.salesStartAt.toISOString()}.` : "Sales for this event have ended.", {
      sales_start_at: event.salesStartAt?.toISOString() ?? null,
      sales_end_at: event.salesEndAt?.toISOString() ?? null,
    });
  }
  if (input.quantity > tier.maxPerOrder) {
    throw validationFailed([{ field: "quantity", message: `At most ${tier.maxPerOrder} tickets of this tier per order.` }]);
  }
  if (tier.kind === "general_admission" && (input.seats || input.best_available)) {
    throw validationFailed([{ field: input.seats ? "seats" : "best_available", message: "This tier is general admission: it has no seats to choose." }]);
  }
  if (tier.kind === "seated") {
    // The classic counter claims units, not seats; the bench only sells general admission.
    throw validationFailed([{ field: "tier_id", message: "The classic bench path sells general admission tiers only." }]);
  }

  const fingerprint = await requestFingerprint(input);
  const orderKey = { eventId: event.id, tierId: tier.id, idempotencyKey: input.idempotency_key };
  if (await isKnownSoldOut(tier.id)) {
    const existing = await findOrderByEmailAndKey(db, input.attendee.email, orderKey);
    if (existing) return replay(env, db, existing, fingerprint);
    throw soldOut(0);
  }
  const { attendeeId, existing } = await upsertAttendeeWithOrder(db, input.attendee, orderKey);
  if (existing) return replay(env, db, existing, fingerprint);
  const key = { attendeeId, ...orderKey };

  // ---- the classic claim: counter + order in one interactive transaction ----
  const pending = {
    eventId: event.id,
    tierId: tier.id,
    attendeeId,
    idempotencyKey: input.idempotency_key,
    requestHash: fingerprint,
    quantity: input.quantity,
    amount: tier.price * input.quantity,
    currency: tier.currency,
    holdId: null,
    holdExpiresAt: new Date(now.getTime() + event.holdMinutes * 60_000),
    orderTokenHash: "derived",
  };
  const seatLabels = Array.from({ length: input.quantity }, () => null);
  let outcome: { ok: true; orderId: string } | { ok: false; available: number };
  try {
    outcome = await inTransaction(databaseSettings(env), async (tx) => {
      const claimed = await tx.execute<{ sold_count: number }>(sql`
        UPDATE ticket_tiers SET sold_count = sold_count + ${input.quantity}
        WHERE id = ${tier.id} AND sold_count + ${input.quantity} <= capacity
        RETURNING sold_count`);
      if (claimed.rows.length === 0) {
        const left = await tx.execute<{ available: number }>(sql`SELECT capacity - sold_count AS available FROM ticket_tiers WHERE id = ${tier.id}`);
        return { ok: false as const, available: Number(left.rows[0]?.available ?? 0) };
      }
      // The real path's order + items statement; it only needs `execute(...).rows`, which the
      // transaction's drizzle (neon-serverless) offers with the same shape as neon-http's.
      const orderId = await insertPendingOrderAtomically(tx as unknown as HttpDatabase, pending, seatLabels, tier.price);
      if (!orderId) throw new SameKeyInsertedFirst();
      return { ok: true as const, orderId };
    });
  } catch (error) {
    if (!(error instanceof SameKeyInsertedFirst)) throw error;
    // A concurrent request with the same key wrote first; our claim was rolled back with the transaction.
    return replay(env, db, (await findOrderByIdempotencyKey(db, key))!, fingerprint);
  }
  if (!outcome.ok) {
    if (outcome.available === 0) await rememberSoldOut(tier.id);
    throw soldOut(outcome.available);
  }
  const order = { ...pending, id: outcome.orderId, status: "pending" as const } as OrderRow;
  return { created: true, body: await presentPendingOrder(env, order, []) };
}

// ---- copied verbatim from workers/use-cases/register-order.ts (not exported there) ----

function requestFingerprint(input: RegisterInput): Promise<string> {
  return sha256Hex(
    JSON.stringify([
      input.tier_id,
      input.quantity,
      [...(input.seats ?? [])].sort(),
      Boolean(input.best_available),
      Boolean(input.accessible),
      input.attendee.email.toLowerCase(),
      input.attendee.name,
    ]),
  );
}

async function replay(env: Env, db: HttpDatabase, order: OrderRow, fingerprint: string): Promise<RegisteredOrder> {
  if (order.requestHash !== fingerprint) {
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for a different request. Use a new key for a new order.");
  }
  const seats = (await itemsOfOrder(db, order.id)).flatMap((item) => (item.seatLabel ? [item.seatLabel] : []));
  return { created: false, body: await presentPendingOrder(env, order, seats) };
}

function soldOut(available: number): ApiError {
  return new ApiError(
    "SOLD_OUT",
    available > 0 ? `Only ${available} left in this tier.` : "This tier is sold out.",
    { available },
  );
}

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
 * Everything else is the real register path: workers/use-cases/register-order.ts runs its checks,
 * the cached event read, the sold-out edge cache, then the attendee upsert and idempotency lookup in
 * their own round trip (attendeeFirst, bench/classic-routes.ts), then this claim in place of
 * TierInventory's. The order row is the same (but `hold_id` NULL:
 * there is no hold, `hold_expires_at` is the reservation's end), and so is the response.
 */
import { sql } from "drizzle-orm";
import { inTransaction, type HttpDatabase } from "../db/client";
import { findOrderByIdempotencyKey, insertPendingOrderAtomically, type OrderRow } from "../db/queries/orders";
import { databaseSettings } from "../workers/config";
import { validationFailed } from "../workers/errors";
import { noteUnitsHeld, rememberSoldOut } from "../workers/inventory-client";
import { presentPendingOrder, replay, soldOutAnswer, type ClaimContext, type RegisteredOrder } from "../workers/use-cases/register-order";

/** Thrown inside the transaction to roll the claim back when a same-key request inserted first. */
class SameKeyInsertedFirst extends Error {}

export const claimInPostgres = async (env: Env, db: HttpDatabase, { event, tier, input, now, fingerprint, key }: ClaimContext): Promise<RegisteredOrder> => {
  if (tier.kind === "seated") {
    // The classic counter claims units, not seats; the bench only sells general admission.
    throw validationFailed([{ field: "tier_id", message: "The classic bench path sells general admission tiers only." }]);
  }
  const pending = {
    eventId: event.id,
    tierId: tier.id,
    attendeeId: key.attendeeId,
    attendeeName: input.attendee.name,
    idempotencyKey: input.idempotency_key,
    requestHash: fingerprint,
    quantity: input.quantity,
    amount: tier.price * input.quantity,
    currency: tier.currency,
    holdId: null,
    holdExpiresAt: new Date(now.getTime() + event.holdMinutes * 60_000),
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
    throw await soldOutAnswer(env, db, event.id, input, outcome.available, now);
  }
  // The same sold-out shortcut as the real path: units were claimed here just now.
  noteUnitsHeld(tier.id);
  const order = { ...pending, id: outcome.orderId, status: "pending" as const } as OrderRow;
  return { created: true, body: await presentPendingOrder(env, order, []) };
};

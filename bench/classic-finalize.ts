/**
 * Bench only — selling a classic order (see classic-register.ts): the units were already counted in
 * `ticket_tiers.sold_count` by the claim, and there is no TierInventory hold. Everything else in
 * pay and finalize is the platform's code (workers/use-cases/pay-order.ts), given this SaleLedger:
 *  - sell: the reservation's end (`hold_expires_at`) plays the part the hold's expiry plays there;
 *    no TierInventory.confirm;
 *  - release: a decline or an expiry gives the units back by decrementing `sold_count`, once;
 *  - afterConfirm: nothing, and the confirmation does not count sold units: the claim already did.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../db/client";
import type { SaleLedger } from "../workers/use-cases/pay-order";

export const classicSale: SaleLedger = {
  async sell(_env, _db, order, now) {
    return order.holdExpiresAt !== null && order.holdExpiresAt > now;
  },
  async release(_env, db, order, status) {
    await releaseClassicOrder(db, order.id, status);
  },
  async afterConfirm() {},
  countsSoldAtConfirmation: false,
};

/** Ends a pending classic order and gives its units back to the counter, once. */
async function releaseClassicOrder(db: HttpDatabase, orderId: string, status: "expired" | "cancelled"): Promise<void> {
  await db.execute(sql`
    WITH o AS (
      UPDATE orders SET status = ${status}, updated_at = now() WHERE id = ${orderId} AND status = 'pending'
      RETURNING tier_id, quantity
    )
    UPDATE ticket_tiers t SET sold_count = t.sold_count - o.quantity FROM o WHERE t.id = o.tier_id`);
}

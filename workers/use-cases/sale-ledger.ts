/**
 * Where an order's units are claimed and sold, as pay and finalize see it (workers/use-cases/
 * pay-order.ts, finalize-order.ts). The platform's ledger is TierInventory; the bench swaps in the
 * classic Postgres counter (bench/classic-finalize.ts).
 */
import type { HttpDatabase } from "../../db/client";
import { addSold, endPendingOrder, type OrderRow } from "../../db/queries/orders";
import { inventoryOf } from "../inventory-client";
import { sellableEvent } from "../sellable-tiers";
import { settleQueuePass } from "../waiting-room-client";
import { releasePromoUseOf, sellWithPromoUse } from "./promo-claims";

export interface SaleLedger {
  /** Turns the order's claim into a sale; false when the claim has lapsed (the money is refunded then). */
  sell(env: Env, db: HttpDatabase, order: OrderRow, now: Date): Promise<boolean>;
  /** Gives the claim back and ends the order (expired, cancelled). Safe to repeat. */
  release(env: Env, db: HttpDatabase, order: OrderRow, status: "expired" | "cancelled"): Promise<void>;
  /** After the confirmation committed. */
  afterConfirm(env: Env, db: HttpDatabase, order: OrderRow): Promise<void>;
}

export const inventorySale: SaleLedger = {
  async sell(env, db, order) {
    // A promo code's use counted apart from the hold is sold first (./promo-claims.ts).
    return sellWithPromoUse(env, db, order, async () => (order.holdId ? (await inventoryOf(env, order.tierId).confirm(order.holdId)).ok : false));
  },
  async release(env, db, order, status) {
    const released = order.holdId ? await inventoryOf(env, order.tierId).release(order.holdId) : undefined;
    // Sold meanwhile (a payment's finalize got there first): that confirmation owns the order now.
    if (released && !released.ok) return;
    await releasePromoUseOf(env, db, order);
    await endPendingOrder(db, order.id, status);
    const sellable = await sellableEvent(db, order.eventId, Date.now());
    if (sellable) await settleQueuePass(env, sellable.event, order.holdId, "unpaid");
  },
  async afterConfirm(_env, db, order) {
    // The tier's sold_count is a ledger summary, not the claim (TierInventory made that). Counting it
    // outside the transaction keeps every confirmation from queuing on the tier's one row; if this
    // statement is lost, the reconciliation cron recounts it from the tickets.
    await addSold(db, order.tierId, order.quantity).catch((error: unknown) =>
      console.warn(JSON.stringify({ level: "warn", where: "sold-count", tier_id: order.tierId, error: String(error) })),
    );
  },
};

export async function expireOrder(env: Env, db: HttpDatabase, order: OrderRow): Promise<void> {
  await inventorySale.release(env, db, order, "expired");
}


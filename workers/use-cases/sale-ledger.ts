/**
 * Where an order's units are claimed and sold, as pay and finalize see it (workers/use-cases/
 * pay-order.ts, finalize-order.ts). The platform's ledger is TierInventory; the bench swaps in the
 * classic Postgres counter (bench/classic-finalize.ts).
 */
import type { HttpDatabase } from "../../db/client";
import { endPendingOrder, type OrderRow } from "../../db/queries/orders";
import { inventoryOf } from "../inventory-client";
import { sellableEvent } from "../sellable-tiers";
import { settleQueuePass } from "../waiting-room-client";
import { releasePromoUseOf, sellWithPromoUse } from "./promo-claims";

export interface SaleLedger {
  /**
   * Turns the order's claim into a sale; false when the claim has lapsed (the money is refunded then).
   * `redemption`: the counting tier of the order's promo code (null: none), when already read.
   */
  sell(env: Env, db: HttpDatabase, order: OrderRow, now: Date, redemption?: { countingTierId: string | null }): Promise<boolean>;
  /** Gives the claim back and ends the order (expired, cancelled). Safe to repeat. */
  release(env: Env, db: HttpDatabase, order: OrderRow, status: "expired" | "cancelled"): Promise<void>;
  /** After the confirmation committed. */
  afterConfirm(env: Env, db: HttpDatabase, order: OrderRow): Promise<void>;
  /** The confirming statement adds the order's quantity to the tier's sold_count summary. */
  countsSoldAtConfirmation: boolean;
}

export const inventorySale: SaleLedger = {
  async sell(env, db, order, _now, redemption) {
    // A promo code's use counted apart from the hold is sold first (./promo-claims.ts).
    return sellWithPromoUse(env, db, order, async () => (order.holdId ? (await inventoryOf(env, order.tierId).confirm(order.holdId)).ok : false), redemption);
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
  async afterConfirm() {
    // The tier's sold_count summary is counted by the confirming statement itself
    // (db/queries/confirm-order.ts): one statement, held for no round trip, so confirmations do not
    // queue on the tier's row for long; the reconciliation cron still recounts it from the tickets.
  },
  countsSoldAtConfirmation: true,
};

export async function expireOrder(env: Env, db: HttpDatabase, order: OrderRow): Promise<void> {
  await inventorySale.release(env, db, order, "expired");
}


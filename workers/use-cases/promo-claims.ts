/**
 * A promo code on the way through register and pay.
 *
 * Register resolves the code against the ledger (window, tiers, cancelled) and prices the tickets;
 * the use itself is counted in the code's counting tier's TierInventory:
 * - when the order is for that tier, in the hold's own step (TierInventory.hold with `promo`): both
 *   or neither, and the use follows the hold (sold, released, expired) in the steps that move it;
 * - when the order is for another of the code's tiers, apart: the use is claimed there first, with
 *   the hold's expiry, and given back if the hold is refused or the order cannot be written; at pay
 *   the use is sold first (refused once it has lapsed, so the payment is refunded like a lapsed
 *   hold) and given back if the hold then cannot be sold. A Worker that dies in between leaves a use
 *   that lapses with its hold or is given back when the sweeper ends the order.
 * So at no moment do more than `max_uses` uses count, and a hold that ends unsold gives its use back.
 * An order refunded in full gives its use back too (givePromoUseBack); a partial refund keeps it.
 */
import type { HttpDatabase } from "../../db/client";
import { listTiersOfEvents, type EventRow, type TierRow } from "../../db/queries/catalog";
import { findPromoCode, hiddenTierIds, insertRedemption, promoCodeOf, redemptionOfOrder } from "../../db/queries/promo-codes";
import type { OrderRow } from "../../db/queries/orders";
import { currencyOf } from "../domain/currency";
import { checkPromoCode, discountedUnitPrice, normalizeCode, type PromoCode, type PromoRefusal } from "../domain/promo-codes";
import { ApiError, validationFailed } from "../errors";
import { inventoryOf } from "../inventory-client";

export interface ResolvedPromo {
  code: PromoCode;
  unitPrice: number;
  /** The use is counted in the hold's own step (the order is for the counting tier). */
  sameStep: boolean;
}

const REASONS: Record<PromoRefusal, string> = {
  unknown: "This event has no such promo code.",
  cancelled: "This promo code has been withdrawn.",
  not_yet_valid: "This promo code is not valid yet.",
  expired: "This promo code has expired.",
  not_for_tier: "This promo code does not apply to this ticket type.",
  spent: "This promo code has been used as many times as it may be.",
};

export function promoCodeInvalid(reason: PromoRefusal): ApiError {
  return new ApiError("PROMO_CODE_INVALID", REASONS[reason], { reason });
}

const HIDDEN_TTL_MS = 2_000;
const hidden = new Map<string, { at: number; value: Promise<Set<string>> }>();

/** Tiers a code unlocks, remembered by the isolate for two seconds as sellableEvent remembers tiers. */
export function hiddenTiersOf(db: HttpDatabase, eventId: string, now: number): Promise<Set<string>> {
  const hit = hidden.get(eventId);
  if (hit && now - hit.at < HIDDEN_TTL_MS) return hit.value;
  const value = hiddenTierIds(db, eventId);
  if (hidden.size >= 500) hidden.delete(hidden.keys().next().value!);
  hidden.set(eventId, { at: now, value });
  value.catch(() => hidden.delete(eventId));
  return value;
}

/**
 * The code a registration names, checked and priced; a hidden tier needs a code that unlocks it
 * (without one it answers as a tier the event does not have).
 */
export async function promoForRegistration(db: HttpDatabase, event: EventRow, tier: TierRow, promoCode: string | undefined, now: Date): Promise<ResolvedPromo | undefined> {
  const [row, hiddenTiers] = await Promise.all([
    promoCode ? findPromoCode(db, event.id, normalizeCode(promoCode)) : undefined,
    hiddenTiersOf(db, event.id, now.getTime()),
  ]);
  const checked = promoCode ? checkPromoCode(row && promoCodeOf(row), tier.id, now.getTime()) : undefined;
  if (hiddenTiers.has(tier.id) && !(checked?.ok && checked.code.unlocksTierId === tier.id)) {
    throw validationFailed([{ field: "tier_id", message: "This event has no tier with this id." }]);
  }
  if (!checked) return undefined;
  if (!checked.ok) throw promoCodeInvalid(checked.reason);
  const currency = currencyOf(tier.currency);
  const unitPrice = currency ? discountedUnitPrice(tier.price, checked.code, currency) : tier.price;
  return { code: checked.code, unitPrice, sameStep: checked.code.countingTierId === tier.id };
}

/** The event's tiers as the catalog shows them: hidden ones only to its organization or with a code that unlocks them. */
export async function tiersShownTo(db: HttpDatabase, event: EventRow, organizationId: string | undefined, promoCode: string | undefined, now: Date): Promise<TierRow[]> {
  const [tiers, hiddenTiers] = await Promise.all([listTiersOfEvents(db, [event.id]), hiddenTiersOf(db, event.id, now.getTime())]);
  if (hiddenTiers.size === 0 || (organizationId && organizationId === event.organizationId)) return tiers;
  const code = promoCode && promoCode.length <= 40 ? await findPromoCode(db, event.id, normalizeCode(promoCode)) : undefined;
  const unlocked = code && code.unlocksTierId && checkPromoCode(promoCodeOf(code), code.unlocksTierId, now.getTime()).ok ? code.unlocksTierId : undefined;
  return tiers.filter((t) => !hiddenTiers.has(t.id) || t.id === unlocked);
}

/** The TierInventory hold's `promo` field, when the use is counted in the hold's step. */
export function promoOfHold(promo: ResolvedPromo | undefined) {
  return promo?.sameStep ? { promo: { codeId: promo.code.id, maxUses: promo.code.maxUses } } : {};
}

/** Claims the use apart before the hold, when the order is for another tier than the counting one. */
export async function claimPromoApart(env: Env, promo: ResolvedPromo | undefined, hold: { holdId: string; quantity: number; expiresAt: number }): Promise<void> {
  if (!promo || promo.sameStep) return;
  const outcome = await inventoryOf(env, promo.code.countingTierId).claimPromoUse({ codeId: promo.code.id, maxUses: promo.code.maxUses }, hold);
  if (!outcome.ok) throw promoCodeInvalid("spent");
}

/** Gives a use claimed apart back (the hold was refused, or its order could not be written). */
export async function releasePromoApart(env: Env, promo: ResolvedPromo | undefined, holdId: string): Promise<void> {
  if (!promo || promo.sameStep) return;
  await inventoryOf(env, promo.code.countingTierId).settlePromoUse(holdId, "released");
}

export async function recordRedemption(db: HttpDatabase, orderId: string, tier: TierRow, promo: ResolvedPromo | undefined): Promise<void> {
  if (!promo) return;
  await insertRedemption(db, { orderId, promoCodeId: promo.code.id, countingTierId: promo.code.countingTierId, unitDiscount: tier.price - promo.unitPrice });
}

/** The counting tier of the order's code when its use was claimed apart from its hold. */
async function useApartOf(db: HttpDatabase, order: OrderRow): Promise<string | undefined> {
  const redemption = await redemptionOfOrder(db, order.id);
  return redemption && redemption.countingTierId !== order.tierId ? redemption.countingTierId : undefined;
}

/**
 * Sells the order's hold, and its code's use when that is counted apart: the use first (false when
 * it has lapsed), and given back when the hold then cannot be sold.
 */
export async function sellWithPromoUse(env: Env, db: HttpDatabase, order: OrderRow, sellHold: () => Promise<boolean>, redemption?: { countingTierId: string | null }): Promise<boolean> {
  // `redemption`: the order's code's counting tier (null: no code) when the caller already read it.
  const known = redemption && (redemption.countingTierId && redemption.countingTierId !== order.tierId ? redemption.countingTierId : undefined);
  const countingTierId = order.holdId ? (redemption ? known : await useApartOf(db, order)) : undefined;
  if (!countingTierId) return sellHold();
  if (!(await inventoryOf(env, countingTierId).settlePromoUse(order.holdId!, "confirmed")).ok) return false;
  const sold = await sellHold();
  if (!sold) await inventoryOf(env, countingTierId).settlePromoUse(order.holdId!, "released");
  return sold;
}

/** The order ended unsold: a use counted apart is given back (one counted with the hold followed it). */
export async function releasePromoUseOf(env: Env, db: HttpDatabase, order: OrderRow): Promise<void> {
  const countingTierId = order.holdId ? await useApartOf(db, order) : undefined;
  if (countingTierId) await inventoryOf(env, countingTierId).settlePromoUse(order.holdId!, "released");
}

/**
 * The order was refunded in full: its code's use is given back in the code's counting tier, where
 * the use is named after the order's hold whether it was counted with the hold or apart. Once:
 * TierInventory gives back only a sold use, so a repeat (or a concurrent caller) changes nothing.
 */
export async function givePromoUseBack(env: Env, db: HttpDatabase, order: OrderRow): Promise<boolean> {
  const redemption = order.holdId ? await redemptionOfOrder(db, order.id) : undefined;
  if (!redemption) return false;
  return (await inventoryOf(env, redemption.countingTierId).refundPromoUse(order.holdId!)).returned;
}

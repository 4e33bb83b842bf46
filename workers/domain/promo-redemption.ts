/**
 * Counting a promo code's uses, and the units a code keeps for its holders, inside TierInventory.
 *
 * A code's uses live in one object, its counting tier's TierInventory (./promo-codes.ts). A use is
 * named after the hold it pays for; it counts while that hold is live or sold and gives itself back
 * when the hold ends unsold. For a hold in the counting tier the use is claimed in the hold's own
 * serialized step and follows the hold there; for a hold in another of the code's tiers the use is
 * claimed first, in its own step, with the hold's expiry, and the caller gives it back if the hold is
 * refused (workers/use-cases/promo-claims.ts). Either way no more than `maxUses` uses count at once.
 *
 * A code that reserves units keeps them out of everyone else's reach in its (one) tier: others see
 * the tier as smaller by what the code still keeps, `reserves` less the units its uses hold or bought.
 */
import type { Decision, HoldOutcome, TierState } from "./inventory";

/** `refunded`: the use of an order refunded in full, given back (it no longer counts). */
export type PromoUseStatus = "active" | "confirmed" | "released" | "expired" | "refunded";

export interface PromoUse {
  holdId: string;
  codeId: string;
  quantity: number;
  status: PromoUseStatus;
  expiresAt: number;
}

export interface PromoClaim {
  codeId: string;
  maxUses: number;
}

export type PromoClaimOutcome = { ok: true; use: PromoUse; fresh: boolean } | { ok: false; code: "promo_spent"; uses: number };

/** A use counts while its hold may still be sold. */
export function counts(use: Pick<PromoUse, "status" | "expiresAt">, now: number): boolean {
  return use.status === "confirmed" || (use.status === "active" && use.expiresAt > now);
}

/**
 * Claims one use of a code for a hold.
 * @param previous the use already stored under this hold, if any (a retry answers as the first did)
 * @param counted the code's uses that count now, this hold's aside
 */
export function claimUse(previous: PromoUse | undefined, claim: PromoClaim, hold: { holdId: string; quantity: number; expiresAt: number }, counted: number, now: number): PromoClaimOutcome {
  if (previous && previous.codeId === claim.codeId && counts(previous, now)) return { ok: true, use: previous, fresh: false };
  if (counted >= claim.maxUses) return { ok: false, code: "promo_spent", uses: counted };
  return { ok: true, fresh: true, use: { holdId: hold.holdId, codeId: claim.codeId, quantity: hold.quantity, status: "active", expiresAt: hold.expiresAt } };
}

/**
 * The use a hold in the counting tier records in its own step: a fresh claim, only when the hold was
 * placed (a refused hold records nothing), with the units the hold took.
 */
export function useOfHold(claim: PromoClaimOutcome | undefined, decision: Decision<HoldOutcome>): PromoUse | undefined {
  if (!claim?.ok || !claim.fresh || !decision.changes.some((c) => c.type === "hold_placed")) return undefined;
  return { ...claim.use, quantity: decision.outcome.ok ? decision.outcome.hold.quantity : 0 };
}

/** What a use becomes when its hold is sold or ends; a sold use stays sold. */
export function settleUse(use: PromoUse | undefined, to: "confirmed" | "released" | "expired"): PromoUse | undefined {
  if (!use || use.status === to) return undefined;
  if (to !== "confirmed" && use.status === "confirmed") return undefined;
  if (to === "confirmed" && use.status !== "active") return undefined;
  return { ...use, status: to };
}

/**
 * What a sold use becomes when its order is refunded in full (every ticket refunded, or the order
 * cancelled): given back, as pretix frees a voucher's redemption when its order is cancelled. Only a
 * sold use, and only once: a use already given back (or never sold) is left as it is, so the refund
 * asked again, or by several callers at once, gives one use back. A partial refund keeps the use.
 */
export function refundUse(use: PromoUse | undefined): PromoUse | undefined {
  return use?.status === "confirmed" ? { ...use, status: "refunded" } : undefined;
}

export interface Reservation {
  codeId: string;
  units: number;
}

/** Units a code still keeps: what it reserves less what its counting uses hold or bought. */
export function stillKept(reservation: Reservation, usedUnits: number): number {
  return Math.max(0, reservation.units - usedUnits);
}

/**
 * The tier as a buyer with `codeId` (or without a code) may draw from: smaller by what every other
 * code still keeps. `keptByOwn` is what the buyer's own code keeps, which only they may take.
 */
export function tierFor(tier: TierState, reservations: Reservation[], usedUnits: (codeId: string) => number, codeId: string | undefined): { tier: TierState; keptByOwn: number } {
  let keptByOthers = 0;
  let keptByOwn = 0;
  for (const r of reservations) {
    const kept = stillKept(r, usedUnits(r.codeId));
    if (r.codeId === codeId) keptByOwn = kept;
    else keptByOthers += kept;
  }
  return { tier: { ...tier, capacity: Math.max(tier.sold + tier.held, tier.capacity - keptByOthers) }, keptByOwn };
}

/** A buyer whose own code keeps enough units for the hold takes those, so the waitlist does not stand in the way. */
export function keptCoversHold(keptByOwn: number, quantity: number): boolean {
  return keptByOwn >= quantity;
}

export type ReserveOutcome = { ok: true } | { ok: false; code: "insufficient"; available: number } | { ok: false; code: "not_configured" | "seated" };

/**
 * Whether a tier can keep more units for a code: what it adds must be free for the public now.
 * @param newlyKept what the code would keep with the new reservation
 * @param keptNow what it keeps today
 * @param freeForPublic the tier's free units less what every code keeps today
 */
export function canReserve(newlyKept: number, keptNow: number, freeForPublic: number): ReserveOutcome {
  return newlyKept - keptNow <= freeForPublic ? { ok: true } : { ok: false, code: "insufficient", available: Math.max(0, freeForPublic + keptNow) };
}

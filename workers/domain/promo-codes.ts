/**
 * Promo codes, as the buyer meets them. In sentences:
 * - A code belongs to one event and applies to some of its tiers (all of them when it names none);
 *   it may unlock a hidden tier, which nobody can buy without it.
 * - It is good from `validFrom` until `validUntil` (either may be open), until cancelled, and for
 *   `maxUses` orders; the uses are counted in TierInventory (./promo-redemption.ts), not here.
 * - Its discount is per ticket, a percentage or a fixed amount, and never takes a ticket below
 *   zero, nor below Stripe's smallest charge for the currency unless it makes the ticket free.
 */
import type { Currency } from "./currency";

export interface PromoCode {
  id: string;
  eventId: string;
  code: string;
  percentOff: number | null;
  amountOff: number | null;
  maxUses: number;
  validFrom: number | null;
  validUntil: number | null;
  /** The tiers it applies to; null: every tier of the event. */
  tierIds: string[] | null;
  unlocksTierId: string | null;
  /** Units of its one tier kept for its holders (0: none). */
  reserves: number;
  /** The TierInventory that counts its uses (./promo-redemption.ts). */
  countingTierId: string;
  cancelled: boolean;
}

/** Why a code cannot be used; the `reason` of PROMO_CODE_INVALID. */
export type PromoRefusal = "unknown" | "cancelled" | "not_yet_valid" | "expired" | "not_for_tier" | "spent";

/** Codes are matched without regard to case or surrounding blanks. */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

export const CODE_PATTERN = /^[A-Z0-9][A-Z0-9_-]{2,39}$/;

/** Whether `code` applies to `tierId` at `now` (its uses aside). */
export function checkPromoCode(code: PromoCode | undefined, tierId: string, now: number): { ok: true; code: PromoCode } | { ok: false; reason: PromoRefusal } {
  if (!code) return { ok: false, reason: "unknown" };
  if (code.cancelled) return { ok: false, reason: "cancelled" };
  if (code.validFrom !== null && now < code.validFrom) return { ok: false, reason: "not_yet_valid" };
  if (code.validUntil !== null && now >= code.validUntil) return { ok: false, reason: "expired" };
  if (!appliesTo(code, tierId)) return { ok: false, reason: "not_for_tier" };
  return { ok: true, code };
}

export function appliesTo(code: Pick<PromoCode, "tierIds" | "unlocksTierId">, tierId: string): boolean {
  if (code.unlocksTierId === tierId) return true;
  return code.tierIds === null ? code.unlocksTierId === null : code.tierIds.includes(tierId);
}

/** A ticket's price with the code's discount. */
export function discountedUnitPrice(price: number, code: Pick<PromoCode, "percentOff" | "amountOff">, currency: Currency): number {
  const off = code.percentOff !== null ? Math.floor((price * code.percentOff) / 100) : (code.amountOff ?? 0);
  const discounted = Math.max(0, price - off);
  if (discounted === 0 || price === 0) return 0;
  return Math.max(discounted, Math.min(price, currency.minimumCharge));
}

/**
 * The tier whose TierInventory counts a code's uses: its one tier when it has one (so the use is
 * counted in the very step that holds the units), else the first of its tiers by id.
 */
export function countingTierOf(tierIds: string[] | null, unlocksTierId: string | null, eventTierIds: string[]): string | undefined {
  const own = [...new Set([...(tierIds ?? (unlocksTierId ? [] : eventTierIds)), ...(unlocksTierId ? [unlocksTierId] : [])])].sort();
  return own[0];
}

/** Letters and digits without look-alikes (no 0/O, 1/I/L). */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** A generated code: `prefix` then `length` characters drawn from `random` bytes. */
export function generatedCode(prefix: string, random: Uint8Array, length = 8): string {
  let body = "";
  for (let i = 0; i < length; i++) body += ALPHABET[random[i % random.length]! % ALPHABET.length];
  return `${prefix}${body}`;
}

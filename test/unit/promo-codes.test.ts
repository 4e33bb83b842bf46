import { describe, expect, it } from "vitest";
import { currencyOf } from "../../workers/domain/currency";
import { checkPromoCode, countingTierOf, discountedUnitPrice, generatedCode, type PromoCode } from "../../workers/domain/promo-codes";
import { claimUse, counts, refundUse, settleUse, tierFor, type PromoUse } from "../../workers/domain/promo-redemption";
import type { TierState } from "../../workers/domain/inventory";

const eur = currencyOf("EUR")!;
const jpy = currencyOf("JPY")!;
const code = (over: Partial<PromoCode> = {}): PromoCode => ({
  id: "c1", eventId: "e1", code: "X", percentOff: 10, amountOff: null, maxUses: 3, validFrom: null, validUntil: null,
  tierIds: null, unlocksTierId: null, reserves: 0, countingTierId: "a", cancelled: false, ...over,
});

describe("a code's discount", () => {
  it("takes a percentage (rounded for the buyer) or an amount off each ticket, never below zero", () => {
    expect(discountedUnitPrice(2500, { percentOff: 33, amountOff: null }, eur)).toBe(1675);
    expect(discountedUnitPrice(2500, { percentOff: 100, amountOff: null }, eur)).toBe(0);
    expect(discountedUnitPrice(2500, { percentOff: null, amountOff: 9_999 }, eur)).toBe(0);
    expect(discountedUnitPrice(0, { percentOff: 10, amountOff: null }, eur)).toBe(0);
  });

  it("never leaves a ticket under Stripe's minimum charge unless it is free", () => {
    expect(discountedUnitPrice(2500, { percentOff: null, amountOff: 2480 }, eur)).toBe(50);
    expect(discountedUnitPrice(2500, { percentOff: 99, amountOff: null }, eur)).toBe(50);
    expect(discountedUnitPrice(1000, { percentOff: 97, amountOff: null }, jpy)).toBe(50);
  });
});

describe("whether a code applies", () => {
  it("in its window, not withdrawn, to its tiers or the tier it unlocks", () => {
    expect(checkPromoCode(undefined, "a", 0)).toEqual({ ok: false, reason: "unknown" });
    expect(checkPromoCode(code({ cancelled: true }), "a", 0)).toMatchObject({ reason: "cancelled" });
    expect(checkPromoCode(code({ validFrom: 10 }), "a", 9)).toMatchObject({ reason: "not_yet_valid" });
    expect(checkPromoCode(code({ validUntil: 10 }), "a", 10)).toMatchObject({ reason: "expired" });
    expect(checkPromoCode(code({ tierIds: ["a"] }), "b", 0)).toMatchObject({ reason: "not_for_tier" });
    expect(checkPromoCode(code({ unlocksTierId: "h" }), "a", 0)).toMatchObject({ reason: "not_for_tier" });
    expect(checkPromoCode(code({ unlocksTierId: "h" }), "h", 0)).toMatchObject({ ok: true });
    expect(checkPromoCode(code(), "anything", 0)).toMatchObject({ ok: true });
  });

  it("counts its uses in one tier: its only one, else the first by id", () => {
    expect(countingTierOf(["b", "a"], null, ["a", "b", "c"])).toBe("a");
    expect(countingTierOf(null, "h", ["a", "h"])).toBe("h");
    expect(countingTierOf(null, null, ["c", "b"])).toBe("b");
  });

  it("generates codes from an alphabet without look-alikes", () => {
    const made = generatedCode("VIP-", new Uint8Array([0, 1, 2, 3, 4, 5, 250, 255]));
    expect(made).toMatch(/^VIP-[A-HJ-NP-Z2-9]{8}$/);
  });
});

describe("counting uses", () => {
  const hold = { holdId: "h1", quantity: 2, expiresAt: 100 };
  it("claims while uses remain, answers a retry as the first, and refuses once spent", () => {
    const first = claimUse(undefined, { codeId: "c1", maxUses: 1 }, hold, 0, 0);
    expect(first).toMatchObject({ ok: true, fresh: true, use: { holdId: "h1", status: "active", expiresAt: 100 } });
    const retry = claimUse((first as { use: PromoUse }).use, { codeId: "c1", maxUses: 1 }, hold, 1, 0);
    expect(retry).toMatchObject({ ok: true, fresh: false });
    expect(claimUse(undefined, { codeId: "c1", maxUses: 1 }, { ...hold, holdId: "h2" }, 1, 0)).toEqual({ ok: false, code: "promo_spent", uses: 1 });
  });

  it("a use follows its hold: sold stays sold; ended unsold it counts no more", () => {
    const use: PromoUse = { holdId: "h1", codeId: "c1", quantity: 1, status: "active", expiresAt: 100 };
    expect(settleUse(use, "confirmed")?.status).toBe("confirmed");
    expect(settleUse({ ...use, status: "confirmed" }, "expired")).toBeUndefined();
    expect(settleUse({ ...use, status: "expired" }, "confirmed")).toBeUndefined();
  });

  it("an order refunded in full gives its sold use back once; nothing else is given back by a refund", () => {
    const sold: PromoUse = { holdId: "h1", codeId: "c1", quantity: 2, status: "confirmed", expiresAt: 100 };
    const back = refundUse(sold)!;
    expect(back.status).toBe("refunded");
    expect(counts(back, 0)).toBe(false);
    expect(refundUse(back)).toBeUndefined();
    expect(refundUse({ ...sold, status: "active" })).toBeUndefined();
    expect(refundUse({ ...sold, status: "released" })).toBeUndefined();
    expect(refundUse(undefined)).toBeUndefined();
    // A refunded use is not sold again, nor moved by its hold's end.
    expect(settleUse(back, "confirmed")).toBeUndefined();
  });

  it("what a code keeps is out of everyone else's reach, and its holders may take it", () => {
    const tier: TierState = { tierId: "a", eventId: "e", kind: "general_admission", capacity: 30, sold: 5, held: 5, waitlistEnabled: false, offerMinutes: 30, closed: false };
    const used = (id: string) => (id === "sponsor" ? 4 : 0);
    const reservations = [{ codeId: "sponsor", units: 10 }, { codeId: "press", units: 2 }];
    expect(tierFor(tier, reservations, used, undefined)).toEqual({ tier: { ...tier, capacity: 22 }, keptByOwn: 0 });
    expect(tierFor(tier, reservations, used, "sponsor")).toEqual({ tier: { ...tier, capacity: 28 }, keptByOwn: 6 });
  });
});

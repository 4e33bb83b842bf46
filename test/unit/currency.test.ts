/**
 * Currencies as Stripe takes them (workers/domain/currency.ts): which exist, how prices are bounded,
 * and money shown in mails with each currency's own minor units.
 */
import { describe, expect, it } from "vitest";
import { checkTierPrices, currencyOf, formatMoney, MAX_CHARGE } from "../../workers/domain/currency";
import { refundMail } from "../../workers/mail/refund";

describe("currencies Stripe takes", () => {
  it("knows the common ones in any case, with their minor units and minimum charge, and nothing made up", () => {
    expect(currencyOf("eur")).toEqual({ code: "EUR", exponent: 2, minimumCharge: 50 });
    expect(currencyOf("JPY")).toEqual({ code: "JPY", exponent: 0, minimumCharge: 50 });
    expect(currencyOf("GBP")?.minimumCharge).toBe(30);
    expect(currencyOf("ZZZ")).toBeUndefined();
    expect(currencyOf("KWD")).toBeUndefined(); // three-decimal: left out on purpose
  });
});

describe("tier prices", () => {
  it("are free or at least Stripe's minimum charge for the currency", () => {
    expect(checkTierPrices("EUR", [{ price: 0, maxPerOrder: 10 }, { price: 50, maxPerOrder: 10 }])).toEqual([]);
    expect(checkTierPrices("EUR", [{ price: 1, maxPerOrder: 1 }])).toEqual([{ field: "tiers.0.price", message: expect.stringContaining("€0.50") }]);
    expect(checkTierPrices("JPY", [{ price: 500, maxPerOrder: 1 }, { price: 1, maxPerOrder: 1 }])).toEqual([
      { field: "tiers.1.price", message: expect.stringContaining("¥50 ") },
    ]);
  });

  it("keep a full order within one charge, so no amount can pass what Stripe or the columns hold", () => {
    expect(checkTierPrices("EUR", [{ price: MAX_CHARGE, maxPerOrder: 1 }])).toEqual([]);
    expect(checkTierPrices("EUR", [{ price: 1_999_999, maxPerOrder: 50 }])).toEqual([]);
    expect(checkTierPrices("EUR", [{ price: 100_000_000, maxPerOrder: 50 }])).toEqual([{ field: "tiers.0.max_per_order", message: expect.any(String) }]);
    expect(checkTierPrices("EUR", [{ price: 2_000_000, maxPerOrder: 50 }])).toHaveLength(1);
  });

  it("in a currency Stripe does not take are a problem with the currency", () => {
    expect(checkTierPrices("ZZZ", [{ price: 100, maxPerOrder: 1 }])).toEqual([{ field: "currency", message: expect.any(String) }]);
  });
});

describe("money in words", () => {
  it("uses the currency's minor units: cents for EUR, none for JPY", () => {
    expect(formatMoney(1250, "EUR")).toBe("€12.50");
    expect(formatMoney(1250, "eur")).toBe("€12.50");
    expect(formatMoney(500, "JPY")).toBe("JP¥500");
    expect(formatMoney(500, "JPY", "ja-JP")).toBe("￥500");
    expect(formatMoney(3000, "KRW")).toBe("₩3,000");
  });

  it("in the refund mail", () => {
    const facts = {
      refundId: "r1",
      orderId: "o1",
      orderToken: "ot_x",
      baseUrl: "https://admit.test",
      to: "a@example.test",
      attendeeName: "Aiko",
      eventTitle: "Tokyo Night",
      eventCancelled: true,
      tickets: 2,
    };
    const yen = refundMail({ ...facts, amount: 6000, currency: "JPY" });
    expect(yen.text).toContain("We have refunded JP¥6,000 for 2 tickets");
    expect(yen.subject).toContain("JP¥6,000");
    expect(refundMail({ ...facts, amount: 6000, currency: "EUR" }).text).toContain("€60.00");
  });
});

/**
 * A buyer types a promo code at checkout in Chromium: the order is held at the discounted price,
 * the checkout shows it with the price it was, and paying charges the discounted amount.
 */
import { describe, expect, inject, it } from "vitest";
import { organizerWithEvent, postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const DAY = 86_400_000;
const chromium = useChromium(base);
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

describe("checkout with a promo code", () => {
  it("holds and charges the discounted price, and shows what it was", async () => {
    const { eventId, apiKey } = await organizerWithEvent(
      base,
      {
        organizer: "Code Venue",
        title: unique("Promo night "),
        startsAt: new Date(Date.now() + 60 * DAY),
        durationHours: 3,
        tiers: [{ name: "GA", price: 4000, capacity: 20, max_per_order: 4 }],
        extra: {
          description: "A night with a code.",
          venue: { name: "The Code Room", city: "Porto", address: "2 Rua Clara" },
          refund_policy: { schedule: [{ until_hours_before_start: 24, percent: 100 }] },
        },
      },
      chromium.cancelAfterwards,
    );
    expect((await post(`/api/v1/events/${eventId}/promo-codes`, { code: "HALF", percent_off: 50, max_uses: 5 }, apiKey)).status).toBe(201);

    const page = await chromium.freshPage();
    await page.goto(`${base}/event?id=${eventId}`);
    await page.locator(".tier", { hasText: "GA" }).locator("input[type=radio]").check();
    await page.fill("#attendee-name", "Hal Half");
    await page.fill("#attendee-email", `${unique("hal")}@example.test`);
    await page.fill("#promo-code", "half");
    await page.click("#continue");
    await page.waitForURL(/\/checkout\?order=/);
    await page.locator("#checkout:not([hidden])").waitFor();
    expect(await page.locator("#summary-tickets").textContent()).toContain("(was €40.00)");
    expect(await page.locator("#summary-amount").textContent()).toContain("20.00");
    await page.selectOption("#payment-method", "pm_card_visa");
    await page.click("#pay");
    await page.waitForURL(/\/order\?order=/);
    await page.locator("#confirmation:not([hidden])").waitFor();
    expect(await page.locator("#order-status").textContent()).toBe("Confirmed");
  });
});

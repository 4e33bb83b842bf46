/**
 * A buyer types a promo code at checkout in Chromium: the order is held at the discounted price,
 * the checkout shows it with the price it was, and paying charges the discounted amount.
 */
import { describe, expect, inject, it } from "vitest";
import { postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const DAY = 86_400_000;
const chromium = useChromium(base);
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

describe("checkout with a promo code", () => {
  it("holds and charges the discounted price, and shows what it was", async () => {
    const organizer = await post<{ api_key: string }>("/api/v1/organizers", { name: "Code Venue", email: `${unique("org")}@example.test`, password: "code venue password" });
    const apiKey = organizer.body.api_key;
    const startsAt = new Date(Date.now() + 60 * DAY);
    const created = await post<{ event_id: string }>(
      "/api/v1/events",
      {
        title: unique("Promo night "),
        description: "A night with a code.",
        category: "music",
        venue: { name: "The Code Room", city: "Porto", address: "2 Rua Clara" },
        starts_at: startsAt.toISOString(),
        ends_at: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
        timezone: "Europe/Lisbon",
        currency: "eur",
        refund_policy: { schedule: [{ until_hours_before_start: 24, percent: 100 }] },
        tiers: [{ name: "GA", price: 4000, capacity: 20, max_per_order: 4 }],
      },
      apiKey,
    );
    const eventId = created.body.event_id;
    expect((await post(`/api/v1/events/${eventId}/publish`, undefined, apiKey)).status).toBe(200);
    chromium.cancelAfterwards(eventId, apiKey);
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

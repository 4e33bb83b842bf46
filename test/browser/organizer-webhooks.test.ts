/**
 * The organizer's Webhooks page in Chromium against `wrangler dev`: an endpoint is added with its
 * secret shown once, a purchase reaches the dev stack's webhook inbox through the real Queue, the
 * delivery log shows the receiver's answer, a delivery is re-sent by hand, and the inbox page says
 * the signature verifies with the secret pasted into its form.
 */
import { describe, expect, inject, it } from "vitest";
import { postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const mail = inject("browserStack").mail;
const chromium = useChromium(base);

describe("organizer webhooks page", () => {
  it("adds an endpoint, shows the delivery log of a purchase, re-sends it; the inbox verifies it", async () => {
    const page = await chromium.freshPage();
    await page.goto(`${base}/organizer/signup`);
    await page.fill("#name", "Hook Promotions");
    await page.fill("#email", `${unique("hooks")}@example.test`);
    await page.fill("#password", "a long enough password");
    await page.click("#signup button[type=submit]");
    await page.waitForURL(`${base}/organizer/`);
    await page.locator("#key-reveal:not([hidden])").waitFor();
    const apiKey = (await page.locator("#new-key-value").textContent())!.trim();

    await page.click('a[href="/organizer/webhooks"]');
    await page.waitForURL(`${base}/organizer/webhooks`);
    await expect.poll(() => page.locator("#endpoints").textContent()).toContain("No endpoints yet");
    const inbox = unique("page");
    await page.fill("#endpoint-url", "http://10.0.0.9/hook");
    await page.click("#new-endpoint button[type=submit]");
    await expect.poll(() => page.locator("#new-endpoint").textContent()).toContain("private");
    await page.fill("#endpoint-url", `${mail}/webhooks/in/${inbox}`);
    await page.fill("#endpoint-description", "Badge printer");
    await page.click("#new-endpoint button[type=submit]");
    await page.locator("#secret-reveal:not([hidden])").waitFor();
    const secret = (await page.locator("#secret-value").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await expect.poll(() => page.locator("#endpoints").textContent()).toContain("Badge printer");

    // A purchase of this organization's event.
    const startsAt = Date.now() + 20 * 86_400_000;
    const created = await postJson<{ event_id: string; tiers: { tier_id: string }[] }>(base, "/api/v1/events", {
      title: "Hooked", category: "music", venue: { name: "Hall", city: unique("City") },
      starts_at: new Date(startsAt).toISOString(), ends_at: new Date(startsAt + 3_600_000).toISOString(), timezone: "UTC", currency: "EUR",
      tiers: [{ name: "GA", price: 1200, capacity: 10 }],
    }, apiKey);
    expect(created.status).toBe(201);
    chromium.cancelAfterwards(created.body.event_id, apiKey);
    expect((await postJson(base, `/api/v1/events/${created.body.event_id}/publish`, undefined, apiKey)).status).toBe(200);
    const registered = await postJson<{ order_id: string; order_token: string }>(base, `/api/v1/events/${created.body.event_id}/register`, {
      tier_id: created.body.tiers[0]!.tier_id, quantity: 1, idempotency_key: unique("k"), attendee: { email: `${unique("b")}@example.test`, name: "Bea" },
    });
    expect((await postJson(base, `/api/v1/orders/${registered.body.order_id}/pay`, { payment_method: "pm_card_visa" }, registered.body.order_token)).status).toBe(200);

    // The log shows it delivered (the Queue sends it; the page is reloaded until it has). The local
    // Queue is one consumer: after the 2,000-buyer burst test it first works through ~500
    // confirmation mails, so this waits for the Queue, not for a fixed time.
    const card = page.locator("article.endpoint").first();
    await expect
      .poll(async () => {
        await card.getByRole("button", { name: "Delivery log" }).click();
        await card.locator(".delivery-log:not([aria-busy])").waitFor();
        return card.locator('details.delivery[data-state="succeeded"]').count();
      }, { timeout: 150_000, interval: 2_000 })
      .toBe(1);
    const delivery = card.locator("details.delivery").first();
    await delivery.locator("summary").click();
    expect(await delivery.locator("ol.attempts li").first().textContent()).toContain("HTTP 200");
    await delivery.getByRole("button", { name: "Re-send" }).click();
    await expect.poll(() => page.locator("#endpoints-status").textContent()).toContain("Re-sending order.paid");

    // The inbox page verifies both copies with the pasted secret.
    const inboxPage = await chromium.freshPage();
    await inboxPage.goto(`${mail}/webhooks`);
    await inboxPage.fill('input[name="inbox"]', inbox);
    await inboxPage.fill('input[name="secret"]', secret);
    await inboxPage.click('form button[type="submit"]');
    await expect
      .poll(async () => {
        await inboxPage.reload();
        return inboxPage.locator('article[data-verdict="verified"]').count();
      }, { timeout: 150_000, interval: 2_000 })
      .toBe(2);
    expect(await inboxPage.locator("article").count()).toBe(2);
  }, 360_000);
});

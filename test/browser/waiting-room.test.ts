/**
 * The waiting room in Chromium on a phone-sized screen, against wrangler dev: the event page sends
 * the visitor to the queue; the queue page shows the place, the people ahead and the tickets left,
 * keeps the place over a reload, and moves on to the purchase form when the turn comes (here: when
 * the one shopper inside buys, which frees the only slot); the purchase then goes to checkout and
 * is paid. The room's clock is never waited on: the turn comes from a purchase, not from time.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";
import { requestJson } from "./harness";

const base = inject("browserStack").worker;
const PHONE = { width: 390, height: 844 };
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const json = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => requestJson(base, method, path, body, headers);

/** A new organizer's published event: a concert in Porto in 20 days, with what `fields` adds. */
async function publishEvent(fields: Record<string, unknown>): Promise<{ eventId: string; tierId: string; auth: Record<string, string> }> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const organizer = await json("POST", "/api/v1/organizers", { name: "Queue Org", email: `queue-${suffix}@example.test`, password: "a long enough password" });
  const auth = { Authorization: `Bearer ${organizer.body.api_key}` };
  const startsAt = new Date(Date.now() + 20 * 86_400_000);
  const created = await json(
    "POST",
    "/api/v1/events",
    {
      title: `Queue Night ${suffix}`,
      category: "concert",
      venue: { name: "Hall", city: "Porto" },
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 3_600_000).toISOString(),
      timezone: "Europe/Lisbon",
      currency: "EUR",
      ...fields,
    },
    auth,
  );
  expect(created.status).toBe(201);
  const published = await json("POST", `/api/v1/events/${created.body.event_id}/publish`, undefined, auth);
  expect(published.status).toBe(200);
  return { eventId: created.body.event_id, tierId: published.body.tiers[0].tier_id, auth };
}

/** An event on sale since a minute ago, behind a room that lets one shopper in at a time. */
function eventBehindRoom(): Promise<{ eventId: string; tierId: string }> {
  return publishEvent({
    sales_start_at: new Date(Date.now() - 60_000).toISOString(),
    waiting_room: { enabled: true, opens_minutes_before: 30, admit_per_minute: 600, max_active_shoppers: 1, session_minutes: 10 },
    tiers: [{ name: "Floor", price: 3500, capacity: 20 }],
  });
}

describe("the waiting room page", () => {
  it("queues, keeps the place over a reload, admits, and goes on to checkout", async () => {
    const { eventId, tierId } = await eventBehindRoom();
    // Someone was quicker: they hold the only shopping slot.
    const first = await json("POST", `/api/v1/events/${eventId}/queue`, {}, { "CF-Connecting-IP": "203.0.113.50" });
    expect(first.body.position).toBe(1);

    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${base}/event?id=${eventId}`);
    await page.locator("#join-queue").click();
    await page.waitForURL(/\/queue\?event=/);
    await expect.poll(() => page.locator("body").getAttribute("data-queue-state"), { timeout: 15_000 }).toBe("waiting");
    expect(await page.locator("#position").textContent()).toBe("#2");
    expect(await page.locator("#ahead").textContent()).toBe("0");
    await expect.poll(() => page.locator("#tickets-left").textContent(), { timeout: 15_000 }).toBe("20");
    expect(await page.locator("#commitment").textContent()).toMatch(/^[0-9a-f]{64}$/);

    await page.reload();
    await expect.poll(() => page.locator("body").getAttribute("data-queue-state"), { timeout: 15_000 }).toBe("waiting");
    expect(await page.locator("#position").textContent()).toBe("#2");
    // Number one in line says why they still wait: the only slot is taken until its session ends.
    expect(await page.locator("#next-admission").textContent()).toMatch(/^You're next: the next person goes (in about 10 min|in ~\d+ s|any moment now)\.$/);
    // Progress means people ahead gone since joining: none were ahead, none gone, so the bar is empty, not missing.
    expect(await page.locator("#progress").isVisible()).toBe(true);
    expect(await page.locator("#progress").getAttribute("aria-valuenow")).toBe("0");
    if (process.env.UX_SCREENSHOTS) await page.screenshot({ path: "docs/ux/waiting-room-phone.png", fullPage: true });

    // The one inside buys and pays; their slot is the browser's turn.
    const access = await json("GET", `/api/v1/events/${eventId}/queue/status`, undefined, { Authorization: `Bearer ${first.body.queue_token}` });
    expect(access.body.state).toBe("admitted");
    const bought = await json(
      "POST",
      `/api/v1/events/${eventId}/register`,
      { tier_id: tierId, quantity: 1, idempotency_key: crypto.randomUUID(), attendee: { email: "quick@example.test", name: "Quick Buyer" } },
      { "X-Queue-Access": access.body.access_token },
    );
    expect(bought.status).toBe(201);
    // The slot is given back when the order is paid, not at register.
    const paid = await json("POST", `/api/v1/orders/${bought.body.order_id}/pay`, { payment_method: "pm_card_visa" }, { Authorization: `Bearer ${bought.body.order_token}` });
    expect(paid.status).toBe(200);

    await page.waitForURL(/\/event\?id=/, { timeout: 20_000 });
    await page.locator("#queue-gate").waitFor();
    expect(await page.locator("#queue-gate").textContent()).toContain("your turn");
    await page.locator(".tier", { hasText: "Floor" }).locator("input[type=radio]").check();
    await page.fill("#attendee-name", "Quinn Queue");
    await page.fill("#attendee-email", "quinn.queue@example.test");
    await page.click("#continue");
    await page.waitForURL(/\/checkout\?order=/);
    await page.locator("#checkout:not([hidden])").waitFor();
    await page.selectOption("#payment-method", "pm_card_visa");
    await page.click("#pay");
    await page.waitForURL(/\/order\?order=/);
    await page.locator("#confirmation:not([hidden])").waitFor();
    expect(await page.locator("#tickets li.ticket svg").count()).toBe(1);
    await context.close();
  });

  it("before the opening says when the sale opens in the pages' one time format, with the zone, and shows no bar", async () => {
    const opensAt = new Date(Date.now() + 20 * 60_000);
    const { eventId } = await publishEvent({
      sales_start_at: opensAt.toISOString(),
      waiting_room: { enabled: true, opens_minutes_before: 30, admit_per_minute: 60, max_active_shoppers: 10, session_minutes: 10 },
      tiers: [{ name: "Floor", price: 3500, capacity: 20 }],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "Europe/Lisbon", locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${base}/queue?event=${eventId}`);
    await expect.poll(() => page.locator("body").getAttribute("data-queue-state"), { timeout: 15_000 }).toBe("pre_queue");
    const expected = opensAt.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", timeZoneName: "short", timeZone: "Europe/Lisbon" });
    expect(await page.locator("#status").textContent()).toContain(`The sale opens at ${expected}.`);
    expect(expected).toMatch(/^\d{1,2}:\d{2}\s[AP]M\s\S+$/);
    expect(await page.locator("#progress").isHidden()).toBe(true);
    if (process.env.UX_SCREENSHOTS) await page.screenshot({ path: "docs/ux/waiting-room-desktop.png", fullPage: true });
    await context.close();
  });

  it("sends a visitor without a turn from the event page to the queue instead of the purchase form", async () => {
    const { eventId } = await eventBehindRoom();
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${base}/event?id=${eventId}`);
    await page.locator("#join-queue").waitFor();
    expect(await page.locator("#purchase").isHidden()).toBe(true);
    expect(await page.locator("#join-queue").getAttribute("href")).toBe(`/queue?event=${eventId}`);
    await context.close();
  });

  it("says sold out on the event page before anyone queues, and offers the waitlist there", async () => {
    const { eventId, tierId, auth } = await publishEvent({ waitlist: { enabled: true, offer_minutes: 30 }, tiers: [{ name: "Floor", price: 3500, capacity: 1 }] });
    const suffix = crypto.randomUUID().slice(0, 8);
    // Sold before the room was switched on.
    const order = await json("POST", `/api/v1/events/${eventId}/register`, { tier_id: tierId, quantity: 1, idempotency_key: crypto.randomUUID(), attendee: { email: `first-${suffix}@example.test`, name: "First" } });
    expect(order.status).toBe(201);
    expect((await json("POST", `/api/v1/orders/${order.body.order_id}/pay`, { payment_method: "pm_card_visa" }, { Authorization: `Bearer ${order.body.order_token}` })).status).toBe(200);
    const patched = await json("PATCH", `/api/v1/events/${eventId}`, { waiting_room: { enabled: true, opens_minutes_before: 30, admit_per_minute: 600, max_active_shoppers: 10, session_minutes: 10 } }, auth);
    expect(patched.status).toBe(200);

    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${base}/event?id=${eventId}`);
    await page.locator("#sold-out").waitFor();
    expect(await page.locator("#sold-out").textContent()).toContain("Sold out");
    expect(await page.locator("#join-queue").count()).toBe(0);
    expect(await page.locator("#purchase").isHidden()).toBe(false);
    await context.close();
  });
});

/**
 * Refunds in Chromium against the real Worker, ledger and Stripe emulator: the attendee's order
 * page offers what the event's refund policy gives back now, asks first, refunds, and shows the
 * tickets as refunded; past the policy's deadline it explains the rule instead of offering a
 * button. The organizer refunds one order from the event page (its refund dialog), then cancels the event and watches
 * every order's refund run to completion. A partial refund then the rest: the attendee (phone) picks
 * one ticket, then the other, at the policy's 50%; the organizer (desktop) refunds the money left.
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { organizerWithEvent, postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const DAY = 86_400_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** UX_SCREENSHOTS=1 writes docs/ux.md's pictures of the partial refunds, at both sizes. */
const SCREENSHOTS = process.env.UX_SCREENSHOTS ? new URL("../../docs/ux/", import.meta.url) : undefined;

async function shootBothSizes(page: Page, name: string, now: typeof PHONE): Promise<void> {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const [size, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: new URL(`${name}-${size}.png`, SCREENSHOTS).pathname, fullPage: true });
  }
  await page.setViewportSize(now);
}
const PASSWORD = "refund desk password";
const chromium = useChromium(base);
const freshPage = () => chromium.freshPage();
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

/** A published event by a new organizer: one GA tier at €20, starting `startsInDays` from now. */
async function eventStarting(startsInDays: number, schedule: { until_hours_before_start: number; percent: number }[]) {
  const title = `Harbour Lecture ${unique("")}`;
  const { eventId, apiKey, email, tierIds } = await organizerWithEvent(
    base,
    {
      organizer: "Refund Desk",
      password: PASSWORD,
      title,
      startsAt: new Date(Date.now() + startsInDays * DAY),
      durationHours: 2,
      tiers: [{ name: "GA", price: 2000, capacity: 20, max_per_order: 4 }],
      extra: { description: "An evening lecture on harbours.", category: "meetup", venue: { name: "Harbour Hall", city: "Lisbon", address: "2 Cais do Sodré" }, refund_policy: { schedule } },
    },
    chromium.cancelAfterwards,
  );
  return { eventId, tierId: tierIds.GA!, apiKey, email, title };
}

async function paidOrder(eventId: string, tierId: string, name: string, quantity: number): Promise<{ order_id: string; order_token: string }> {
  const registered = await post<{ order_id: string; order_token: string }>(`/api/v1/events/${eventId}/register`, {
    tier_id: tierId,
    quantity,
    idempotency_key: crypto.randomUUID(),
    attendee: { name, email: `${unique("buyer")}@example.test` },
  });
  expect(registered.status).toBe(201);
  const paid = await post(`/api/v1/orders/${registered.body.order_id}/pay`, { payment_method: "pm_card_visa" }, registered.body.order_token);
  expect(paid.status).toBe(200);
  return registered.body;
}

async function openOrder(order: { order_id: string; order_token: string }): Promise<Page> {
  const page = await freshPage();
  await page.goto(`${base}/order?order=${order.order_id}#token=${order.order_token}`);
  await page.locator("#confirmation:not([hidden])").waitFor();
  return page;
}

describe("refunds", () => {
  it("shows the attendee what the policy gives back, refunds after confirming, and marks the tickets refunded", async () => {
    // Ten days out: past the 30-day full refund, inside the 50% window.
    const { eventId, tierId } = await eventStarting(10, [
      { until_hours_before_start: 720, percent: 100 },
      { until_hours_before_start: 24, percent: 50 },
    ]);
    const order = await paidOrder(eventId, tierId, "Rafa Refund", 2);
    const page = await openOrder(order);

    const button = page.locator("#refund-button");
    await button.waitFor();
    expect(await button.textContent()).toBe("Refund 2 tickets · €20.00");
    expect(await page.locator("#refund-quote").textContent()).toContain("€20.00");
    expect(await page.locator("#refund").textContent()).toContain("50%");

    // Backing out of the dialog changes nothing.
    await button.click();
    const dialog = page.locator("dialog.confirm");
    expect(await dialog.textContent()).toContain("€20.00");
    await dialog.getByRole("button", { name: "Keep my tickets" }).click();
    expect(await page.locator("#tickets .ticket.revoked").count()).toBe(0);

    await button.click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Refund €20.00" }).click();
    // The refund goes through Stripe before the page re-reads the order: wait for its record.
    await page.locator("#refund-list li").waitFor();
    expect(await page.locator("#order-status").textContent()).toBe("Refunded");
    expect(await page.locator("#tickets .ticket.revoked").count()).toBe(2);
    expect(await page.locator("#tickets .badge").allTextContents()).toEqual(["Refunded: no longer valid", "Refunded: no longer valid"]);
    expect(await page.locator("#refund-button").count()).toBe(0);
    expect(await page.locator("#refund-list li").count()).toBe(1);
    expect(await page.locator("#refund-list li .refund-amount").textContent()).toBe("€20.00");
    expect(await page.locator("#headline").textContent()).toBe("This order was refunded");
  });

  it("explains the policy's deadline instead of a refund button once it has passed", async () => {
    const { eventId, tierId } = await eventStarting(2, [{ until_hours_before_start: 168, percent: 100 }]);
    const order = await paidOrder(eventId, tierId, "Lara Late", 1);
    const page = await openOrder(order);
    await page.locator("#refund-rule").waitFor();
    expect(await page.locator("#refund-rule").textContent()).toContain("Refunds are no longer available");
    expect(await page.locator("#refund-rule").textContent()).toContain("7 days before the start");
    expect(await page.locator("#refund-button").count()).toBe(0);
  });

  it("refunds one ticket, then the other, at the policy's 50%; then the organizer refunds the rest", async () => {
    const { eventId, tierId, email } = await eventStarting(10, [
      { until_hours_before_start: 720, percent: 100 },
      { until_hours_before_start: 24, percent: 50 },
    ]);
    const order = await paidOrder(eventId, tierId, "Petra Partial", 2);
    const page = await openOrder(order);

    const button = page.locator("#refund-button");
    await button.waitFor();
    const boxes = page.locator("#refund-picker input[type=checkbox]");
    expect(await page.locator("#refund-picker label").allTextContents()).toEqual([" Ticket 1 · €10.00 back", " Ticket 2 · €10.00 back"]);
    expect(await button.textContent()).toBe("Refund 2 tickets · €20.00");
    await boxes.nth(1).uncheck();
    expect(await button.textContent()).toBe("Refund 1 ticket · €10.00");
    await shootBothSizes(page, "refund-pick", PHONE);
    await boxes.nth(0).uncheck();
    expect(await button.isDisabled()).toBe(true);
    await boxes.nth(0).check();
    await button.click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Refund €10.00" }).click();
    await page.locator("#refund-list li").waitFor();
    expect(await page.locator("#order-status").textContent()).toBe("Partly refunded");
    expect(await page.locator("#tickets .ticket.revoked").count()).toBe(1);

    // The other ticket: one left, so no picker, and the same 50%.
    expect(await page.locator("#refund-picker").count()).toBe(0);
    expect(await button.textContent()).toBe("Refund 1 ticket · €10.00");
    await button.click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Refund €10.00" }).click();
    // Stripe answers before the page re-reads the order: wait for the second record (not a short poll).
    await page.locator("#refund-list li").nth(1).waitFor();
    expect(await page.locator("#refund-list li").count()).toBe(2);
    expect(await page.locator("#order-status").textContent()).toBe("Refunded");
    expect(await page.locator("#tickets .ticket.revoked").count()).toBe(2);

    // Half of the €40 is left: the organizer gives it back from the event's order list.
    const desk = await chromium.freshPage({ viewport: DESKTOP });
    await desk.goto(`${base}/organizer/login?next=${encodeURIComponent(`/organizer/event?id=${eventId}`)}`);
    await desk.fill("#email", email);
    await desk.fill("#password", PASSWORD);
    await desk.click("#submit");
    await desk.waitForURL(/\/organizer\/event\?id=/);
    const row = desk.locator("#orders .sales-row", { hasText: "Petra Partial" });
    await row.waitFor();
    expect(await row.textContent()).toContain("€20.00 refunded");
    await shootBothSizes(desk, "refund-rest", DESKTOP);
    // No ticket is left to refund: the dialog opens on an amount, filled in with what is left.
    await row.getByRole("button", { name: "Refund… · €20.00 left" }).click();
    const dialog = desk.locator("dialog.refund-dialog");
    expect(await dialog.textContent()).toContain("€40.00 paid · €20.00 refunded · €20.00 left to refund");
    expect(await dialog.locator("#refund-amount").inputValue()).toBe("20.00");
    await dialog.getByRole("button", { name: "Refund €20.00" }).click();
    await desk.locator("#sales-status .notice.success").waitFor();
    expect(await desk.locator("#sales-status").textContent()).toContain("Refunded €20.00 to Petra Partial");
    expect(await desk.locator("#orders .sales-row", { hasText: "Petra Partial" }).textContent()).toContain("€40.00 refunded");
    expect(await desk.locator("#orders .sales-row", { hasText: "Petra Partial" }).locator("button").count()).toBe(0);
  });

  it("lets the organizer refund one order, then cancel the event and follow every refund to completion", async () => {
    const { eventId, tierId, email, title } = await eventStarting(40, []);
    await paidOrder(eventId, tierId, "Ana One", 1);
    await paidOrder(eventId, tierId, "Ben Two", 2);
    await paidOrder(eventId, tierId, "Cy Three", 1);

    const page = await freshPage();
    await page.goto(`${base}/organizer/login?next=${encodeURIComponent(`/organizer/event?id=${eventId}`)}`);
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await page.click("#submit");
    await page.waitForURL(/\/organizer\/event\?id=/);
    await page.locator("#sales:not([hidden])").waitFor();
    await expect.poll(() => page.locator("#orders .sales-row").count()).toBe(3);

    // One order refunded in full by the organizer, though the policy gives attendees nothing.
    const ana = page.locator("#orders .sales-row", { hasText: "Ana One" });
    await ana.getByRole("button", { name: "Refund…" }).click();
    const dialog = page.locator("dialog.refund-dialog");
    expect(await dialog.textContent()).toContain("€20.00");
    await dialog.getByRole("button", { name: "Refund €20.00" }).click();
    await page.locator("#sales-status .notice.success").waitFor();
    expect(await page.locator("#sales-status").textContent()).toContain("Refunded €20.00 to Ana One");
    expect(await page.locator("#orders .sales-row", { hasText: "Ana One" }).locator(".badge").textContent()).toBe("Refunded");
    expect(await page.locator("#orders .sales-row", { hasText: "Ana One" }).getByRole("button", { name: "Refund" }).count()).toBe(0);

    // Cancelling names what will happen to the remaining paid orders, then shows the refunds run.
    await page.click("#cancel-event");
    const cancel = page.locator("dialog.confirm");
    expect(await cancel.textContent()).toContain(`Cancel “${title}”?`);
    expect(await cancel.textContent()).toContain("every order is refunded in full: 2 paid orders");
    await cancel.getByRole("button", { name: "Cancel event" }).click();
    await page.locator("#cancellation:not([hidden])").waitFor();
    await expect.poll(() => page.locator("#cancellation-title").textContent(), { timeout: 30_000 }).toBe("Every order is refunded");
    expect(await page.locator("#cancellation-count").textContent()).toBe("3 of 3 orders refunded");
    expect(await page.locator("#cancellation-progress").getAttribute("aria-valuenow")).toBe("100");
    expect(await page.locator("#status-badge").getAttribute("data-status")).toBe("cancelled");
    await expect.poll(() => page.locator("#orders .badge").allTextContents(), { timeout: 10_000 }).toEqual(["Refunded", "Refunded", "Refunded"]);
    expect(await page.locator("#orders button").count()).toBe(0);

    // Reopening the page shows the finished cancellation, not a fresh one.
    await page.reload();
    await page.locator("#cancellation:not([hidden])").waitFor();
    expect(await page.locator("#cancellation-title").textContent()).toBe("Every order is refunded");
  });
});

/**
 * The buyer cancels a pending order from its page (issue #14), in Chromium against the real Worker,
 * ledger and Stripe emulator, at 390×844 and 1280×800: the page offers "Cancel this order" beside
 * "Finish checkout", asks first (backing out changes nothing), then shows the order cancelled with
 * its seats back on sale; another buyer then holds and pays for the same seats.
 * UX_SCREENSHOTS=1 writes docs/ux/order-cancel-{phone,desktop}.png and order-cancelled-{phone,desktop}.png.
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { organizerWithEvent, PHONE, postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const DAY = 86_400_000;
const DESKTOP = { width: 1280, height: 800 };
const SCREENSHOTS = process.env.UX_SCREENSHOTS ? new URL("../../docs/ux/", import.meta.url) : undefined;
const chromium = useChromium(base);
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

async function shoot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

async function seatedEvent() {
  const seats = Array.from({ length: 6 }, (_, i) => ({ label: `E${i + 1}`, section: "Stalls", row: "E", number: i + 1, x: i * 30, y: 120 }));
  const { eventId, tierIds } = await organizerWithEvent(
    base,
    {
      organizer: "Cancel Desk",
      title: `Second Thoughts ${unique("")}`,
      startsAt: new Date(Date.now() + 15 * DAY),
      durationHours: 2,
      tiers: [{ name: "Stalls", price: 2200, seats }],
      extra: { description: "A play for people who change their minds.", category: "theatre", venue: { name: "Change Theatre", city: "Lisbon", address: "9 Rua Nova" } },
    },
    chromium.cancelAfterwards,
  );
  return { eventId, tierId: tierIds.Stalls! };
}

function hold(eventId: string, tierId: string, seats: string[], name: string) {
  return post<{ order_id: string; order_token: string; error?: { code: string } }>(`/api/v1/events/${eventId}/register`, {
    tier_id: tierId,
    quantity: seats.length,
    seats,
    idempotency_key: crypto.randomUUID(),
    attendee: { name, email: `${unique("buyer")}@example.test` },
  });
}

describe("cancelling a pending order from its page", () => {
  it.each([
    { size: "phone", viewport: PHONE, seats: ["E1", "E2"] },
    { size: "desktop", viewport: DESKTOP, seats: ["E4", "E5"] },
  ])("asks first, cancels, shows it cancelled, and another buyer takes the seats ($size)", async ({ size, viewport, seats }) => {
    const { eventId, tierId } = await seatedEvent();
    const held = await hold(eventId, tierId, seats, "Chris Change");
    expect(held.status).toBe(201);
    const page = await chromium.freshPage({ viewport });
    await page.goto(`${base}/order?order=${held.body.order_id}#token=${held.body.order_token}`);
    const cancel = page.locator("#cancel-order");
    await cancel.waitFor();
    expect(await page.locator("#status").textContent()).toContain(`This order is not paid yet: seats ${seats[0]} and ${seats[1]} are held for you.`);
    expect(await page.getByRole("link", { name: "Finish checkout" }).getAttribute("href")).toBe(`/checkout?order=${held.body.order_id}`);
    await shoot(page, `order-cancel-${size}`);

    // Backing out keeps the hold: nobody else can take the seats.
    await cancel.click();
    const dialog = page.locator("dialog.confirm");
    expect(await dialog.textContent()).toContain(`Your hold on seats ${seats[0]} and ${seats[1]} ends now`);
    await dialog.getByRole("button", { name: "Keep my order" }).click();
    expect((await hold(eventId, tierId, seats, "Too Soon")).body.error?.code).toBe("SEAT_UNAVAILABLE");

    await cancel.click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Cancel order" }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 30_000 }).toContain("This order was cancelled and has no tickets; its seats are back on sale.");
    expect(await page.locator("#status").textContent()).toContain("You have not been charged.");
    expect(await page.locator("#cancel-order").count()).toBe(0);
    await shoot(page, `order-cancelled-${size}`);

    const next = await hold(eventId, tierId, seats, "Nora Next");
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect((await post(`/api/v1/orders/${next.body.order_id}/pay`, { payment_method: "pm_card_visa" }, next.body.order_token)).status).toBe(200);
  });
});

/**
 * The organizer's refund dialog (issue #14 item 2) in Chromium against the real Worker, Stripe
 * emulator, Queue and mail outbox, at 1280×800 and 390×844: the organizer refunds one ticket of two,
 * then types the rest as an amount (capped at what is left); the order then shows everything
 * refunded, and the attendee has one mail per refund (the amount's says the ticket stays valid).
 * A finance member sees the orders but no Refund button.
 * UX_SCREENSHOTS=1 writes docs/ux/organizer-refund-{tickets,amount}-{desktop,phone}.png.
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { mailedInvitationToken, mailsIn, organizerWithEvent, PHONE, postJson, signInToEvent, unique, useChromium } from "./harness";

const { worker: base, mail: outbox, databaseUrl } = inject("browserStack");
const DAY = 86_400_000;
const DESKTOP = { width: 1280, height: 800 };
const PASSWORD = "refund dialog password";
const SCREENSHOTS = process.env.UX_SCREENSHOTS ? new URL("../../docs/ux/", import.meta.url) : undefined;
const chromium = useChromium(base);
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

const mailsTo = (to: string) => mailsIn(outbox, to);

async function shoot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname });
}

/** A published seated event (row B, €30 a seat) and a paid order of seats B1 and B2. */
async function paidOrder(buyerName: string) {
  const seats = Array.from({ length: 4 }, (_, i) => ({ label: `B${i + 1}`, section: "Stalls", row: "B", number: i + 1, x: i * 30, y: 60 }));
  const { eventId, apiKey, email, tierIds } = await organizerWithEvent(
    base,
    {
      organizer: "Refund Dialog",
      password: PASSWORD,
      title: `Refund Recital ${unique("")}`,
      startsAt: new Date(Date.now() + 20 * DAY),
      tiers: [{ name: "Stalls", price: 3000, seats }],
      extra: { description: "Two seats, refunded in two steps.", venue: { name: "Recital Hall", city: "Porto", address: "3 Rua Alta" }, refund_policy: { schedule: [] } },
    },
    chromium.cancelAfterwards,
  );
  const buyer = `${unique("buyer")}@example.test`;
  const registered = await post<{ order_id: string; order_token: string }>(`/api/v1/events/${eventId}/register`, {
    tier_id: tierIds.Stalls!,
    quantity: 2,
    seats: ["B1", "B2"],
    idempotency_key: crypto.randomUUID(),
    attendee: { name: buyerName, email: buyer },
  });
  expect(registered.status).toBe(201);
  expect((await post(`/api/v1/orders/${registered.body.order_id}/pay`, { payment_method: "pm_card_visa" }, registered.body.order_token)).status).toBe(200);
  return { eventId, apiKey, email, buyer };
}

describe("the organizer's refund dialog", () => {
  it.each([
    { size: "desktop", viewport: DESKTOP, name: "Tess Desktop" },
    { size: "phone", viewport: PHONE, name: "Pia Phone" },
  ])("refunds one ticket of two, then the rest as a typed amount; the attendee gets a mail for each ($size)", async ({ size, viewport, name }) => {
    const { eventId, email, buyer } = await paidOrder(name);
    const page = await chromium.freshPage({ viewport });
    await signInToEvent(base, page, { email, password: PASSWORD }, eventId);
    const row = () => page.locator("#orders .sales-row", { hasText: name });
    await row().waitFor();

    // One ticket: both are listed and ticked; unticking B2 says what B1's refund does.
    await row().getByRole("button", { name: "Refund…" }).click();
    const dialog = page.locator("dialog.refund-dialog");
    await dialog.waitFor();
    expect(await dialog.locator(".refund-ticket-name").allTextContents()).toEqual(["Seat B1 · Stalls", "Seat B2 · Stalls"]);
    const boxes = dialog.locator(".refund-ticket input[type=checkbox]");
    expect(await boxes.evaluateAll((all) => all.map((b) => (b as HTMLInputElement).checked))).toEqual([true, true]);
    expect(await dialog.locator("button.danger").textContent()).toBe("Refund €60.00");
    await boxes.nth(1).uncheck();
    expect(await dialog.locator("#refund-summary").textContent()).toContain("€30.00 goes back to the card they paid with for 1 ticket; that ticket stops working at the door");
    await shoot(page, `organizer-refund-tickets-${size}`);
    await dialog.getByRole("button", { name: "Refund €30.00" }).click();
    await page.locator("#sales-status .notice.success").waitFor();
    expect(await page.locator("#sales-status").textContent()).toContain(`Refunded €30.00 to ${name}`);
    expect(await row().textContent()).toContain("€30.00 refunded");
    expect(await row().textContent()).toContain("1 of 2 tickets refunded");

    // The rest as an amount: B1 shows refunded and cannot be ticked; more than is left is refused.
    await row().getByRole("button", { name: "Refund… · €30.00 left" }).click();
    await dialog.waitFor();
    const b1 = dialog.locator(".refund-ticket", { hasText: "Seat B1" });
    expect(await b1.locator(".badge").textContent()).toBe("Refunded");
    expect(await b1.locator("input").isDisabled()).toBe(true);
    expect(await dialog.locator(".meta").first().textContent()).toBe("€60.00 paid · €30.00 refunded · €30.00 left to refund");
    await dialog.locator("#refund-mode-amount").check();
    await dialog.locator("#refund-amount").fill("40");
    expect(await dialog.locator("#refund-summary").textContent()).toBe("At most €30.00 is left to refund.");
    expect(await dialog.locator("button.danger").isDisabled()).toBe(true);
    await dialog.locator("#refund-amount").fill("30,00");
    expect(await dialog.locator("#refund-summary").textContent()).toBe("€30.00 goes back to the card they paid with. Every ticket stays valid. This cannot be undone.");
    await shoot(page, `organizer-refund-amount-${size}`);
    await dialog.getByRole("button", { name: "Refund €30.00" }).click();
    await expect.poll(() => row().textContent(), { timeout: 30_000 }).toContain("All €60.00 refunded");
    expect(await row().getByRole("button").count()).toBe(0);

    // One mail per refund, through the outbox and the Queue.
    await expect.poll(async () => (await mailsTo(buyer)).filter((m) => m.subject.startsWith("Your refund for")).length, { timeout: 30_000, interval: 250 }).toBe(2);
    const texts = (await mailsTo(buyer)).filter((m) => m.subject.startsWith("Your refund for")).map((m) => m.text);
    expect(texts.some((t) => t.includes("We have refunded €30.00 for 1 ticket; those tickets no longer admit anyone."))).toBe(true);
    expect(texts.some((t) => t.includes("We have refunded €30.00 of your order. Your ticket stays valid"))).toBe(true);
  });

  it("shows a finance member the orders without a Refund button", async () => {
    const { eventId, apiKey } = await paidOrder("Fay Finance-View");
    const financeEmail = `${unique("finance")}@example.test`;
    expect((await post("/api/v1/organizations/current/invitations", { email: financeEmail, role: "finance" }, apiKey)).status).toBe(201);
    const page = await chromium.freshPage({ viewport: DESKTOP });
    await page.goto(`${base}/organizer/join#token=${await mailedInvitationToken(databaseUrl, financeEmail)}`);
    await page.locator("#signup:not([hidden])").waitFor();
    await page.fill("#name", "Fin Ance");
    await page.fill("#password", PASSWORD);
    await page.click("#signup button[type=submit]");
    await page.waitForURL(`${base}/organizer/`);
    await page.goto(`${base}/organizer/event?id=${eventId}`);
    const row = page.locator("#orders .sales-row", { hasText: "Fay Finance-View" });
    await row.waitFor();
    expect(await row.textContent()).toContain("€60.00");
    expect(await row.getByRole("button").count()).toBe(0);
  });
});

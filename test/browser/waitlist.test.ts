/**
 * The waitlist in Chromium, end to end against the real Worker, ledger, Stripe emulator and mail
 * outbox: on an event whose only ticket is sold, an attendee joins the waitlist from the event
 * page's purchase form and sees place 1; when the organizer refunds the sold ticket, the freed unit
 * is offered to them, the offer mail lands in the outbox, and its link opens the offer page, where
 * "Buy now" continues into the usual checkout and ends with a QR ticket. The form also turns to the
 * waitlist when register finds the last ticket gone, and the waitlist page leaves after a
 * confirmation. No token ever stays in an address.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { organizerWithEvent, postJson, unique, useChromium } from "./harness";

const { worker: base, mail } = inject("browserStack");
const DAY = 86_400_000;
const chromium = useChromium(base);
const freshPage = () => chromium.freshPage();
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

/** A published event with one general-admission ticket and a waitlist, made by a new organizer. */
async function oneTicketEvent(title: string) {
  const { eventId, apiKey, tierIds } = await organizerWithEvent(
    base,
    {
      organizer: "Tiny Venue",
      title,
      startsAt: new Date(Date.now() + 60 * DAY),
      durationHours: 3,
      tiers: [{ name: "GA", price: 2500, capacity: 1, max_per_order: 2 }],
      extra: {
        description: "Forty seats in a back room, and only one of them for sale.",
        venue: { name: "The Back Room", city: "Porto", address: "1 Rua Escura" },
        refund_policy: { schedule: [{ until_hours_before_start: 24, percent: 100 }] },
        waitlist: { enabled: true, offer_minutes: 30 },
      },
    },
    chromium.cancelAfterwards,
  );
  return { eventId, tierId: tierIds.GA!, apiKey };
}

async function buyOverApi(eventId: string, tierId: string): Promise<string> {
  const registered = await post<{ order_id: string; order_token: string }>(`/api/v1/events/${eventId}/register`, {
    tier_id: tierId,
    quantity: 1,
    idempotency_key: crypto.randomUUID(),
    attendee: { name: "First Buyer", email: `${unique("first")}@example.test` },
  });
  expect(registered.status).toBe(201);
  const paid = await post(`/api/v1/orders/${registered.body.order_id}/pay`, { payment_method: "pm_card_visa" }, registered.body.order_token);
  expect(paid.status).toBe(200);
  return registered.body.order_id;
}

async function mailsTo(address: string): Promise<{ subject: string; text: string }[]> {
  const response = await fetch(`${mail}/api/emails?to=${encodeURIComponent(address)}`);
  return ((await response.json()) as { data: { subject: string; text: string }[] }).data;
}

function expectNoTokenInAddress(page: Page): void {
  expect(new URL(page.url()).hash).toBe("");
  expect(page.url()).not.toContain("token");
}

describe("waitlist", () => {
  it("joins a sold-out tier's waitlist from the event page, gets the refunded ticket's offer by mail, and buys it through the offer page", async () => {
    const title = `Back Room Session ${unique("")}`;
    const { eventId, tierId, apiKey } = await oneTicketEvent(title);
    const firstOrder = await buyOverApi(eventId, tierId);

    // The event page offers the waitlist instead of the sold-out ticket.
    const page = await freshPage();
    await page.goto(`${base}/event?id=${eventId}`);
    const ga = page.locator(".tier", { hasText: "GA" });
    await expect
      .poll(async () => {
        // The catalog remembers a tier for a couple of seconds; the page is asked again until it says sold out.
        const text = await ga.locator(".meta").textContent();
        if (!text?.includes("Sold out")) await page.reload();
        return ga.locator(".meta").textContent();
      }, { timeout: 15_000 })
      .toBe("Sold out · waitlist open");
    await ga.locator("input[type=radio]").check();
    expect(await ga.locator(".waitlist-choice").isVisible()).toBe(true);
    expect(await page.locator("#continue").textContent()).toBe("Join the waitlist");
    const email = `${unique("wanda")}@example.test`;
    await page.fill("#attendee-name", "Wanda Waiting");
    await page.fill("#attendee-email", email);
    await page.click("#continue");

    await page.waitForURL(/\/waitlist\?entry=/);
    await page.locator("#entry:not([hidden])").waitFor();
    expectNoTokenInAddress(page);
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await page.locator("#entry-status").textContent()).toBe("Waiting");
    expect(await page.locator("#status-words").textContent()).toContain("first in line");
    expect(await page.locator("#event-title").textContent()).toBe(title);

    // The organizer refunds the sold ticket: the freed unit goes to the head of the waitlist.
    const refund = await post<{ amount: number }>(`/api/v1/orders/${firstOrder}/refund`, { reason: "Cannot come" }, apiKey);
    expect(refund.status).toBe(200);
    expect(refund.body.amount).toBe(2500);

    // The waitlist page notices by itself, and the offer mail arrives.
    await page.locator("#offer:not([hidden])").waitFor({ timeout: 20_000 });
    expect(await page.locator("#entry-status").textContent()).toBe("Your turn");
    expect(await page.locator("#countdown").textContent()).toMatch(/^\d+:\d\d$/);
    let offerMail: { subject: string; text: string } | undefined;
    await expect
      .poll(async () => (offerMail = (await mailsTo(email)).find((m) => m.subject.startsWith("Tickets are waiting for you"))), { timeout: 20_000 })
      .toBeTruthy();
    const link = /(https?:\/\/\S+\/offer#token=\S+)/.exec(offerMail!.text)?.[1];
    expect(link).toBeTruthy();
    // The mail links to PUBLIC_BASE_URL; this test's Worker listens on its own port.
    const offerLink = new URL(link!);
    const onWorker = `${base}${offerLink.pathname}${offerLink.hash}`;

    // Another browser (say, the phone the mail was read on) opens the offer and buys.
    const phone = await freshPage();
    await phone.goto(onWorker);
    await phone.locator("#offer:not([hidden])").waitFor();
    expectNoTokenInAddress(phone);
    expect(await phone.locator("#event-title").textContent()).toBe(title);
    expect(await phone.locator("#offer-tickets").textContent()).toBe("1 × GA");
    expect(await phone.locator("#offer-amount").textContent()).toContain("25.00");
    expect(await phone.locator("#countdown").textContent()).toMatch(/^(29|30):\d\d$/);

    await phone.click("#buy-now");
    await phone.waitForURL(/\/checkout\?order=/);
    await phone.locator("#checkout:not([hidden])").waitFor();
    expectNoTokenInAddress(phone);
    expect(await phone.locator("#summary-tickets").textContent()).toContain("1 × GA");
    await phone.selectOption("#payment-method", "pm_card_visa");
    await phone.click("#pay");
    await phone.waitForURL(/\/order\?order=/);
    await phone.locator("#confirmation:not([hidden])").waitFor();
    expect(await phone.locator("#tickets li.ticket svg").count()).toBe(1);
    expect(await phone.locator("#tickets .ticket-name").allTextContents()).toEqual(["Wanda Waiting"]);
    expect(await phone.locator("#order-status").textContent()).toBe("Confirmed");

    // The waitlist page, still open in the first browser, ends in the bought state.
    await expect.poll(() => page.locator("#entry-status").textContent(), { timeout: 15_000 }).toBe("Bought");
    expect(await page.locator("#ended-title").textContent()).toBe("You're going!");
    expect(await page.locator("#leave").isVisible()).toBe(false);

    // The offer link, opened again, says the tickets are bought rather than offering them twice.
    await phone.goto(onWorker);
    await phone.locator("#ended:not([hidden])").waitFor();
    expect(await phone.locator("#ended-title").textContent()).toBe("You bought these tickets");
  });

  it("turns Continue into the waitlist when the last ticket sells while the attendee fills in the form", async () => {
    const { eventId, tierId } = await oneTicketEvent(`Back Room Race ${unique("")}`);
    const page = await freshPage();
    await page.goto(`${base}/event?id=${eventId}`);
    const ga = page.locator(".tier", { hasText: "GA" });
    await expect.poll(() => ga.locator(".meta").textContent()).toBe("1 left");
    await page.fill("#attendee-name", "Sol Slow");
    await page.fill("#attendee-email", `${unique("sol")}@example.test`);
    await buyOverApi(eventId, tierId);

    await page.click("#continue");
    await expect.poll(() => page.locator("#purchase-status").textContent(), { timeout: 10_000 }).toContain("You can join its waitlist below");
    expect(new URL(page.url()).pathname).toBe("/event");
    expect(await ga.locator(".meta").textContent()).toBe("Sold out · waitlist open");
    expect(await ga.locator(".waitlist-choice").isVisible()).toBe(true);
    expect(await page.locator("#continue").textContent()).toBe("Join the waitlist");
    await page.click("#continue");
    await page.waitForURL(/\/waitlist\?entry=/);
    await page.locator("#entry:not([hidden])").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
  });

  it("leaves the waitlist after confirming, and says so", async () => {
    const { eventId, tierId } = await oneTicketEvent(`Back Room Leaving ${unique("")}`);
    await buyOverApi(eventId, tierId);
    const joined = await post<{ entry_id: string; entry_token: string; position: number }>(`/api/v1/events/${eventId}/waitlist`, {
      tier_id: tierId,
      quantity: 1,
      attendee: { name: "Leo Leaving", email: `${unique("leo")}@example.test` },
    });
    expect(joined.status).toBe(201);

    const page = await freshPage();
    await page.goto(`${base}/waitlist?entry=${joined.body.entry_id}#token=${joined.body.entry_token}`);
    await page.locator("#entry:not([hidden])").waitFor();
    expectNoTokenInAddress(page);
    expect(await page.locator("#entry-tickets").textContent()).toBe("1 × GA");

    await page.click("#leave");
    const dialog = page.locator("dialog.confirm");
    expect(await dialog.textContent()).toContain("lose your place");
    await dialog.getByRole("button", { name: "Leave the waitlist" }).click();
    await page.locator("#ended:not([hidden])").waitFor();
    expect(await page.locator("#entry-status").textContent()).toBe("Left");
    expect(await page.locator("#ended-title").textContent()).toBe("You left the waitlist");

    // The offer page of an entry that never had an offer explains rather than failing.
    const stranger = await freshPage();
    await stranger.goto(`${base}/offer#token=not-a-real-offer`);
    await expect.poll(() => stranger.locator("#status").textContent()).toContain("not valid");
  });
});

/**
 * "Find your tickets" in Chromium against the real Worker, Queue and mail outbox (issue #14 item 5):
 * the confirmation mail shows each ticket's QR inline with the order code and an `.ics`; on /tickets
 * a buyer's email and a stranger's get the same answer, and only the buyer gets a mail, whose link
 * opens the order with its code. The page loads with no failed request at phone and desktop sizes.
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { mailsIn, organizerWithEvent, type OutboxMail, postJson, unique, useChromium } from "./harness";

const { worker: base, mail: outbox } = inject("browserStack");
const chromium = useChromium(base);
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);
/** Set UX_SCREENSHOTS=1 to refresh the pictures in docs/ux.md. */
const SCREENSHOTS = process.env.UX_SCREENSHOTS ? new URL("../../docs/ux/", import.meta.url) : undefined;

const mailsTo = (to: string) => mailsIn(outbox, to);

/** Polls the outbox (the Queue delivers in the background) until a mail to `to` matches. */
async function mailMatching(to: string, test: (mail: OutboxMail) => boolean): Promise<OutboxMail> {
  let found: OutboxMail | undefined;
  await expect.poll(async () => (found = (await mailsTo(to)).find(test)), { timeout: 30_000, interval: 250 }).toBeDefined();
  return found!;
}

async function paidOrder() {
  const { eventId, tierIds } = await organizerWithEvent(
    base,
    {
      organizer: "Tickets Desk",
      title: `Harbour Fado ${unique("")}`,
      startsAt: new Date(Date.now() + 20 * 86_400_000),
      durationHours: 2,
      tiers: [{ name: "GA", price: 1500, capacity: 20, max_per_order: 4 }],
      extra: { description: "Fado by the river.", venue: { name: "Harbour Hall", city: "Lisbon", address: "2 Cais do Sodré" } },
    },
    chromium.cancelAfterwards,
  );
  const email = `${unique("fan")}@example.test`;
  const registered = await post<{ order_id: string; order_token: string }>(`/api/v1/events/${eventId}/register`, {
    tier_id: tierIds.GA!,
    quantity: 2,
    idempotency_key: crypto.randomUUID(),
    attendee: { name: "Ana Fado", email },
  });
  expect(registered.status).toBe(201);
  expect((await post(`/api/v1/orders/${registered.body.order_id}/pay`, { payment_method: "pm_card_visa" }, registered.body.order_token)).status).toBe(200);
  return { email, ...registered.body };
}

function failedRequests(page: Page): string[] {
  const failed: string[] = [];
  page.on("requestfailed", (request) => failed.push(`${request.url()} ${request.failure()?.errorText}`));
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.url()} ${response.status()}`);
  });
  return failed;
}

async function askForLinks(page: Page, email: string): Promise<string> {
  await page.fill("#email", email);
  await page.click("#resend button[type=submit]");
  const notice = page.locator("#status .notice.success");
  await notice.waitFor();
  return (await notice.textContent()) ?? "";
}

describe("find your tickets", () => {
  it("shows the QR codes, the code and an .ics in the confirmation mail", async () => {
    const order = await paidOrder();
    const confirmation = await mailMatching(order.email, (m) => m.subject.startsWith("Your tickets for"));
    const code = /Order: ([A-Z0-9]{5})/.exec(confirmation.text)?.[1];
    expect(code).toBeDefined();
    expect(confirmation.attachments.filter((a) => a.content_id && a.content_type === "image/png")).toHaveLength(2);
    expect(confirmation.attachments.some((a) => a.filename === "event.ics" && a.content_type.startsWith("text/calendar"))).toBe(true);

    // As a mail client shows it: the outbox draws the cid: images inside the mail.
    const page = await chromium.freshPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${outbox}/emails/${confirmation.id}`);
    const frame = page.frameLocator("iframe");
    // Both QR images decoded and drawn (a broken or missing cid: image has no natural width).
    await expect.poll(() => frame.locator("img").evaluateAll((imgs) => imgs.filter((img) => (img as HTMLImageElement).naturalWidth > 100).length)).toBe(2);
    await expect.poll(() => frame.locator("[data-order-code]").textContent()).toBe(code);
    if (SCREENSHOTS) {
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: new URL("confirmation-mail-desktop.png", SCREENSHOTS).pathname, fullPage: true });
    }
  });

  it("answers a buyer and a stranger alike, mails only the buyer, and the mailed link opens the order with its code", async () => {
    const order = await paidOrder();
    await mailMatching(order.email, (m) => m.subject.startsWith("Your tickets for"));
    const stranger = `${unique("nobody")}@example.test`;

    const page = await chromium.freshPage();
    const failed = failedRequests(page);
    await page.goto(`${base}/tickets`);
    if (SCREENSHOTS) await page.screenshot({ path: new URL("tickets-phone.png", SCREENSHOTS).pathname, fullPage: true });
    const forStranger = await askForLinks(page, stranger);
    const forBuyer = await askForLinks(page, order.email);
    expect(forBuyer).toBe(forStranger);
    if (SCREENSHOTS) await page.screenshot({ path: new URL("tickets-sent-phone.png", SCREENSHOTS).pathname, fullPage: true });
    expect(failed).toEqual([]);

    const links = await mailMatching(order.email, (m) => m.text.includes("asked for the links"));
    const link = new RegExp(`(http\\S+/order\\?order=${order.order_id}#token=\\S+)`).exec(links.text)?.[1];
    expect(link).toBeDefined();
    const opened = await chromium.freshPage();
    await opened.goto(link!.replace(/^https?:\/\/[^/]+/, base));
    await opened.locator("#confirmation:not([hidden])").waitFor();
    const code = (await opened.locator("#order-code").textContent())?.trim();
    expect(code).toMatch(/^[A-Z0-9]{5}$/);
    expect(links.text).toContain(code);
    if (SCREENSHOTS) await opened.screenshot({ path: new URL("order-code-phone.png", SCREENSHOTS).pathname, fullPage: true });
    // The stranger's inbox stays empty (the buyer's second mail arrived, so the Queue got this far).
    expect(await mailsTo(stranger)).toEqual([]);
  });

  it("fits a desktop screen with no failed request", async () => {
    const page = await chromium.freshPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    const failed = failedRequests(page);
    await page.goto(`${base}/tickets`);
    await page.locator("#resend").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    if (SCREENSHOTS) await page.screenshot({ path: new URL("tickets-desktop.png", SCREENSHOTS).pathname, fullPage: true });
    expect(failed).toEqual([]);
  });
});

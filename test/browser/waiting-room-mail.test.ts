/**
 * "Tell me by mail when it's my turn" in Chromium, at 390×844 and 1280×800, against wrangler dev:
 * a visitor queued behind the one shopper inside types an address on the queue page; when that
 * shopper pays, the slot is the visitor's turn, and the dev mail outbox holds exactly one mail to
 * the address, whose link opens the same, admitted place on another device. The turn comes from a
 * purchase, never from waiting on the room's clock.
 */
import { mkdir } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import { mailsIn, organizerWithEvent, PHONE, requestJson, unique, useChromium } from "./harness";

const { worker: base, mail: outbox } = inject("browserStack");
const chromium = useChromium(base);
/** Set UX_SCREENSHOTS=1 to refresh the pictures in docs/ux.md. */
const SCREENSHOTS = process.env.UX_SCREENSHOTS ? new URL("../../docs/ux/", import.meta.url) : undefined;

const mailsTo = (to: string) => mailsIn(outbox, to);

const json = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => requestJson(base, method, path, body, headers);

async function screenshot(page: import("playwright-core").Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(name, SCREENSHOTS).pathname, fullPage: true });
}

const SIZES = [
  { name: "phone", viewport: PHONE },
  { name: "desktop", viewport: { width: 1280, height: 800 } },
] as const;

describe("the queue page's 'mail me when it's my turn'", () => {
  for (const size of SIZES) {
    it(`asks for the mail while queued (${size.viewport.width}×${size.viewport.height}), is admitted, and finds one mail whose link resumes the place`, { timeout: 120_000 }, async () => {
      const title = `Mail Turn ${unique("")}`;
      const { eventId, tierIds } = await organizerWithEvent(
        base,
        {
          title,
          tiers: [{ name: "Floor", price: 3500, capacity: 20 }],
          extra: {
            sales_start_at: new Date(Date.now() - 60_000).toISOString(),
            waiting_room: { enabled: true, opens_minutes_before: 30, admit_per_minute: 600, max_active_shoppers: 1, session_minutes: 10 },
          },
        },
        chromium.cancelAfterwards,
      );
      // Someone was quicker: they hold the only shopping slot.
      const first = await json("POST", `/api/v1/events/${eventId}/queue`, {}, { "CF-Connecting-IP": "203.0.113.60" });
      expect(first.body.state).toBe("admitted");

      const page = await chromium.freshPage({ viewport: size.viewport, timezoneId: "Europe/Lisbon" });
      await page.goto(`${base}/queue?event=${eventId}`);
      await expect.poll(() => page.locator("body").getAttribute("data-queue-state"), { timeout: 15_000 }).toBe("waiting");
      await page.locator("#notify:not([hidden])").waitFor();
      await page.fill("#notify-email", "not-an-address");
      await page.click("#notify-submit");
      await expect.poll(() => page.locator("#notify-status").textContent()).toContain("Enter an email address");
      const email = `${unique("turn")}@example.test`;
      await page.fill("#notify-email", email);
      await page.click("#notify-submit");
      await expect.poll(() => page.locator("#notify-status").textContent(), { timeout: 15_000 }).toBe(`We'll mail ${email} when it's your turn. You can close this page.`);
      await screenshot(page, `waiting-room-notify-${size.name}.png`);

      // The one inside buys and pays: the slot is this place's turn.
      const access = await json("GET", `/api/v1/events/${eventId}/queue/status`, undefined, { Authorization: `Bearer ${first.body.queue_token}` });
      expect(access.body.state).toBe("admitted");
      const bought = await json(
        "POST",
        `/api/v1/events/${eventId}/register`,
        { tier_id: tierIds.Floor, quantity: 1, idempotency_key: crypto.randomUUID(), attendee: { email: `${unique("quick")}@example.test`, name: "Quick Buyer" } },
        { "X-Queue-Access": access.body.access_token },
      );
      expect(bought.status).toBe(201);
      const paid = await json("POST", `/api/v1/orders/${bought.body.order_id}/pay`, { payment_method: "pm_card_visa" }, { Authorization: `Bearer ${bought.body.order_token}` });
      expect(paid.status).toBe(200);
      // The page was open: it takes the visitor on (and the mail goes out because they asked).
      await page.waitForURL(/\/event\?id=/, { timeout: 30_000 });

      await expect.poll(async () => (await mailsTo(email)).length, { timeout: 30_000, interval: 250 }).toBe(1);
      const [mail] = await mailsTo(email);
      expect(mail!.subject).toBe(`It's your turn: ${title}`);
      expect(mail!.text).toMatch(/You can choose and buy tickets until \d{1,2} \w{3} \d{4}, \d{2}:\d{2} \S+\./);
      const link = /(\/queue\?event=[0-9a-f-]+#queue_token=\S+)/.exec(mail!.text)![1]!;

      // The link on another device (a fresh profile): the same place, admitted, straight to the tickets.
      const phone = await chromium.freshPage({ viewport: PHONE });
      await phone.goto(`${base}${link}`);
      await phone.waitForURL(/\/event\?id=/, { timeout: 30_000 });
      await phone.locator("#queue-gate").waitFor();
      expect(await phone.locator("#queue-gate").textContent()).toContain("your turn");

      if (size.name === "desktop") {
        const view = await chromium.freshPage({ viewport: size.viewport });
        await view.goto(`${outbox}/emails/${mail!.id}`);
        await view.frameLocator("iframe").locator("a", { hasText: "Continue to the tickets" }).waitFor();
        await screenshot(view, "waiting-room-turn-mail-desktop.png");
      }
      // Still one mail: nothing repeats it.
      expect(await mailsTo(email)).toHaveLength(1);
    });
  }
});

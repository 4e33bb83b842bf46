/**
 * Promo codes that unlock a hidden tier or keep units, made on the organizer's event page in
 * Chromium against the real Worker (docs/promo-codes.md): the API's refusals of a kept-units code
 * appear at the "Keep units" field (no tier named; more than the public could buy); ACME keeps 3 of
 * Standing's 6, so the public sees 3 and cannot hold 4 while ACME's holder holds its 3; SPEAKER
 * unlocks the Speakers tier, which the public event page then hides until a buyer types the code
 * under "Have a code?" (or opens the buyers' link the list shows), and the order it holds is for
 * Speakers at the code's price.
 * UX_SCREENSHOTS=1 writes docs/ux/organizer-promo-unlock-desktop.png (the section with both codes).
 */
import { describe, expect, inject, it } from "vitest";
import { organizerWithEvent, postJson, signInToEvent, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const PASSWORD = "unlock maker password";
const DESKTOP = { width: 1280, height: 800 };
const chromium = useChromium(base);
const SCREENSHOT = process.env.UX_SCREENSHOTS === "1" ? new URL("../../docs/ux/organizer-promo-unlock-desktop.png", import.meta.url).pathname : undefined;

interface PublicEvent {
  tiers: { tier_id: string; name: string; available: number }[];
}

async function publicEvent(eventId: string, query = ""): Promise<PublicEvent> {
  const response = await fetch(`${base}/api/v1/events/${eventId}${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PublicEvent;
}

const registration = (tierId: string, quantity: number, promoCode?: string) => ({
  tier_id: tierId,
  quantity,
  idempotency_key: unique("idem"),
  attendee: { email: `${unique("buyer")}@example.test`, name: "Ada Buyer" },
  ...(promoCode ? { promo_code: promoCode } : {}),
});

describe("promo codes that unlock a hidden tier or keep units", () => {
  it("are made on the page with the API's refusals at their field; the kept units are held, the hidden tier shows with the code", async () => {
    const { eventId, email, tierIds } = await organizerWithEvent(
      base,
      {
        organizer: "Unlockers",
        password: PASSWORD,
        tiers: [
          { name: "Standing", price: 2000, capacity: 6, max_per_order: 4 },
          { name: "Speakers", price: 5000, capacity: 10, max_per_order: 2 },
        ],
      },
      chromium.cancelAfterwards,
    );
    const page = await chromium.freshPage({ viewport: DESKTOP });
    await signInToEvent(base, page, { email, password: PASSWORD }, eventId);
    await page.locator("#promo:not([hidden])").waitFor();
    const form = page.locator("#new-promo");
    const create = form.getByRole("button", { name: "Create" });
    const reservesError = page.locator(".field:has(#promo-reserves) .field-error");

    // Keeping units without naming the one tier: the API's VALIDATION_FAILED, at the field.
    await page.fill("#promo-code-input", "ACME");
    await page.fill("#promo-value", "100");
    await page.fill("#promo-max-uses", "3");
    await page.fill("#promo-reserves", "3");
    await create.click();
    await page.locator("#promo-reserves[aria-invalid=true]").waitFor();
    expect(await reservesError.textContent()).toContain("exactly one tier");
    // More than the public could buy: the API's CONFLICT (with `available`), at the same field.
    await form.locator("#promo-tiers label", { hasText: "Standing" }).locator("input").check();
    await page.fill("#promo-reserves", "10");
    await create.click();
    await expect.poll(() => reservesError.textContent()).toBe("This tier can keep at most 6 more units now.");
    expect(await page.locator("#promo-reserves").getAttribute("aria-invalid")).toBe("true");
    await page.fill("#promo-reserves", "3");
    await create.click();
    await expect.poll(() => page.locator("#promo-status").textContent()).toBe("Created the code ACME.");
    expect(await page.locator(".promo-row", { hasText: "ACME" }).locator(".promo-tiers").textContent()).toBe("Tiers: Standing · Keeps 3 for its holders");

    // The 3 kept units are held for ACME: the public sees 3 and cannot hold 4; ACME's holder holds its 3.
    expect((await publicEvent(eventId)).tiers.find((t) => t.name === "Standing")!.available).toBe(3);
    const publicFour = await postJson<{ error: { code: string } }>(base, `/api/v1/events/${eventId}/register`, registration(tierIds.Standing!, 4));
    expect(publicFour.status).toBe(409);
    const holder = await postJson<{ amount: number }>(base, `/api/v1/events/${eventId}/register`, registration(tierIds.Standing!, 3, "acme"));
    expect([holder.status, holder.body.amount]).toEqual([201, 0]);
    expect((await publicEvent(eventId)).tiers.find((t) => t.name === "Standing")!.available).toBe(3);

    // SPEAKER unlocks Speakers (50 % off): listed with the link for its holders.
    await page.fill("#promo-code-input", "SPEAKER");
    await page.fill("#promo-value", "50");
    await page.fill("#promo-max-uses", "10");
    await page.selectOption("#promo-unlocks", { label: "Speakers" });
    await create.click();
    await expect.poll(() => page.locator("#promo-status").textContent()).toBe("Created the code SPEAKER.");
    const speakerRow = page.locator(".promo-row", { hasText: "SPEAKER" });
    expect(await speakerRow.locator(".promo-tiers").textContent()).toBe("Unlocks Speakers");
    expect(await speakerRow.locator(".promo-link").getAttribute("href")).toBe(`/event?id=${eventId}&code=SPEAKER`);
    if (SCREENSHOT) await page.locator("#promo").screenshot({ path: SCREENSHOT });
    // Hidden from the public (the Worker remembers an event's hidden tiers for up to two seconds).
    await expect.poll(async () => (await publicEvent(eventId)).tiers.map((t) => t.name), { timeout: 30_000 }).toEqual(["Standing"]);

    // The buyer: no Speakers until the code is typed; then the page shows it, and the order is for it at half price.
    const buyer = await chromium.freshPage({ viewport: DESKTOP });
    await buyer.goto(`${base}/event?id=${eventId}`);
    await buyer.locator(".tier", { hasText: "Standing" }).waitFor();
    expect(await buyer.locator(".tier", { hasText: "Speakers" }).count()).toBe(0);
    const samEmail = `${unique("sam")}@example.test`;
    await buyer.fill("#attendee-name", "Sam Speaker");
    await buyer.fill("#attendee-email", samEmail);
    await buyer.fill("#promo-code", "speaker");
    await buyer.locator("#promo-code").press("Tab");
    await buyer.waitForURL((url) => url.searchParams.get("code") === "speaker");
    const speakers = buyer.locator(".tier", { hasText: "Speakers" });
    await speakers.waitFor();
    // The page opened again with the code, and with what the buyer had typed.
    expect([await buyer.locator("#promo-code").inputValue(), await buyer.locator("#attendee-name").inputValue(), await buyer.locator("#attendee-email").inputValue()]).toEqual(["speaker", "Sam Speaker", samEmail]);
    await speakers.locator("input[type=radio]").check();
    await buyer.click("#continue");
    await buyer.waitForURL(/\/checkout\?order=/);
    await buyer.locator("#checkout:not([hidden])").waitFor();
    expect(await buyer.locator("#summary-amount").textContent()).toContain("25.00");
    // The checkout reads the event with the order's code, so it names the hidden tier and its prices.
    expect(await buyer.locator("#summary-tickets").textContent()).toBe("1 × Speakers · €25.00 each with your code (was €50.00)");

    // The buyers' link shows it at once.
    const linked = await chromium.freshPage({ viewport: DESKTOP });
    await linked.goto(`${base}/event?id=${eventId}&code=SPEAKER`);
    await linked.locator(".tier", { hasText: "Speakers" }).waitFor();
    expect(await linked.locator("#promo-code").inputValue()).toBe("SPEAKER");
  });
});

/**
 * Promo codes on the organizer's event page, in Chromium against the real Worker and Stripe
 * emulator: the organizer sees the API's field error at the code field, makes a 20 % code for two
 * orders on one tier and generates 3 codes with a prefix, sees them listed, downloads the CSV; an
 * attendee buys with the code at the discounted price and the list then shows 1 of 2 uses and the
 * revenue; withdrawing a code (after a confirm dialog) marks it withdrawn, here and in the API.
 * A finance member sees the codes but no form and no Withdraw; moved to door staff, the section is gone.
 * UX_SCREENSHOTS=1 writes docs/ux/organizer-promo-desktop.png (1280×800).
 */
import { readFile } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import { mailedInvitationToken, organizerWithEvent, postJson, signInToEvent, unique, useChromium } from "./harness";

/** The answer this test reads (the page's own type comes through hc, which this Node program does not compile). */
interface PromoCode {
  promo_code_id: string;
  code: string;
  percent_off: number | null;
  amount_off: number | null;
  max_uses: number;
  valid_from: string | null;
  valid_until: string | null;
  tier_ids: string[] | null;
  unlocks_tier_id: string | null;
  reserves: number | null;
  batch_id: string;
  status: "active" | "cancelled";
  orders?: number;
  revenue?: number;
}

const { worker: base, databaseUrl } = inject("browserStack");
const DAY = 86_400_000;
const PASSWORD = "promo maker password";
const DESKTOP = { width: 1280, height: 800 };
const SCREENSHOT = process.env.UX_SCREENSHOTS ? new URL("../../docs/ux/organizer-promo-desktop.png", import.meta.url).pathname : undefined;
const chromium = useChromium(base);
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

async function getAs<T>(apiKey: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe("promo codes on the organizer's event page", () => {
  it("creates a code and a batch, exports them, counts a purchase's use and revenue, and withdraws one", async () => {
    const { eventId, apiKey, email, startsAt, tierIds } = await organizerWithEvent(
      base,
      {
        organizer: "Code Makers",
        password: PASSWORD,
        title: `Code Night ${unique("")}`,
        startsAt: new Date(Date.now() + 40 * DAY),
        tiers: [
          { name: "Standing", price: 4000, capacity: 50, max_per_order: 4 },
          { name: "VIP", price: 9000, capacity: 10, max_per_order: 2 },
        ],
      },
      chromium.cancelAfterwards,
    );
    const standingId = tierIds.Standing!;

    const page = await chromium.freshPage({ viewport: DESKTOP });
    await signInToEvent(base, page, { email, password: PASSWORD }, eventId);
    const failed: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    await page.locator("#promo:not([hidden])").waitFor();
    await expect.poll(() => page.locator("#promo-codes .empty-row").textContent()).toBe("No promo codes yet.");

    // The API's refusal lands at the field it is about.
    const form = page.locator("#new-promo");
    await page.fill("#promo-code-input", "x!");
    await page.fill("#promo-value", "20");
    await page.fill("#promo-max-uses", "2");
    await form.getByRole("button", { name: "Create" }).click();
    await page.locator("#promo-code-input[aria-invalid=true]").waitFor();
    expect(await page.locator("#promo-single .field-error").textContent()).toContain("3 to 40 letters");
    expect(failed).toEqual([expect.stringMatching(/^400 .*\/promo-codes$/)]);
    failed.length = 0;

    // 20 % off Standing, for two orders.
    await page.fill("#promo-code-input", "Spring20");
    await page.locator("#promo-tiers").getByLabel("Standing").check();
    await form.getByRole("button", { name: "Create" }).click();
    const spring = page.locator("#promo-codes .promo-row", { hasText: "SPRING20" });
    await spring.waitFor();
    expect(await page.locator("#promo-status .notice.success").textContent()).toContain("Created the code SPRING20.");
    expect(await spring.locator(".promo-discount").textContent()).toBe("20 %");
    expect(await spring.locator(".promo-uses").textContent()).toBe("0 of 2 uses");
    expect(await spring.locator(".promo-tiers").textContent()).toBe("Tiers: Standing");
    expect(await spring.locator(".promo-window").textContent()).toBe("Valid any time");
    expect(await spring.locator(".promo-status").textContent()).toBe("Active");

    // Three generated codes, €5 off each ticket, single use, valid until a wall time in Lisbon.
    await page.locator("#promo-mode-bulk").check();
    await page.fill("#promo-count-input", "3");
    await page.fill("#promo-prefix", "PARTNER-");
    await page.selectOption("#promo-kind", "amount");
    await page.fill("#promo-value", "5.00");
    await page.fill("#promo-max-uses", "1");
    const until = new Date(startsAt.getTime() - DAY);
    const untilWall = `${until.toISOString().slice(0, 10)}T20:00`;
    await page.fill("#promo-until", untilWall);
    await form.getByRole("button", { name: "Create" }).click();
    const partners = page.locator("#promo-codes .promo-row", { hasText: "PARTNER-" });
    await expect.poll(() => partners.count()).toBe(3);
    expect(await page.locator("#promo-status .notice.success").textContent()).toContain("Generated 3 codes.");
    expect(await page.locator("#promo-total").textContent()).toBe("4 codes");
    expect(await partners.first().locator(".promo-discount").textContent()).toBe("€5.00 off per ticket");
    expect(await partners.first().locator(".promo-uses").textContent()).toBe("0 of 1 uses");
    expect(await partners.first().locator(".promo-revenue").textContent()).toBe("No revenue yet");
    expect(await partners.first().locator(".promo-window").textContent()).toMatch(/^Valid until .*8:00/);

    const listed = await getAs<{ promo_codes: PromoCode[] }>(apiKey, `/api/v1/events/${eventId}/promo-codes`);
    const generated = listed.promo_codes.filter((c) => c.code.startsWith("PARTNER-"));
    expect(generated).toHaveLength(3);
    for (const code of generated) {
      expect(code).toMatchObject({ amount_off: 500, percent_off: null, max_uses: 1, tier_ids: null });
      expect(code.code).toMatch(/^PARTNER-[A-HJKMNP-Z2-9]{8}$/);
      // 20:00 in Lisbon, summer or winter, is 19:00 or 20:00 UTC.
      expect(code.valid_until).toMatch(new RegExp(`^${untilWall.slice(0, 10)}T(19|20):00:00`));
    }

    // The CSV, downloaded with the organizer's session.
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#promo-csv").click()]);
    const csv = (await readFile((await download.path())!, "utf8")).trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/^code,status,percent_off,amount_off,max_uses,/);
    expect(csv).toHaveLength(5);
    const csvCodes = csv.slice(1).map((row) => row.split(",")[0]);
    expect(csvCodes.sort()).toEqual(["SPRING20", ...generated.map((c) => c.code)].sort());
    expect(csv.find((row) => row.startsWith("SPRING20,"))).toMatch(/^SPRING20,active,20,,2,/);

    // An attendee buys two Standing tickets with the code: 2 × €40 less 20 %.
    const registered = await post<{ order_id: string; order_token: string; amount: number }>(`/api/v1/events/${eventId}/register`, {
      tier_id: standingId,
      quantity: 2,
      promo_code: " spring20 ",
      idempotency_key: unique("k"),
      attendee: { email: `${unique("buyer")}@example.test`, name: "Bo Buyer" },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.amount).toBe(6400);
    const paid = await post(`/api/v1/orders/${registered.body.order_id}/pay`, { payment_method: "pm_card_visa" }, registered.body.order_token);
    expect(paid.status).toBe(200);

    await page.reload();
    await spring.waitFor();
    await expect.poll(() => spring.locator(".promo-uses").textContent()).toBe("1 of 2 uses");
    expect(await spring.locator(".promo-revenue").textContent()).toBe("€64.00 revenue");
    if (SCREENSHOT) {
      await page.locator("#promo-title").evaluate((e) => e.scrollIntoView({ block: "start" }));
      await page.screenshot({ path: SCREENSHOT });
    }

    // Withdrawing asks first; backing out changes nothing.
    const victim = generated[0]!;
    const row = page.locator(`#promo-codes .promo-row[data-promo-id="${victim.promo_code_id}"]`);
    await row.getByRole("button", { name: "Withdraw" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Keep it" }).click();
    expect(await row.locator(".promo-status").textContent()).toBe("Active");
    await row.getByRole("button", { name: "Withdraw" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Withdraw code" }).click();
    await page.locator(`#promo-codes .promo-row.withdrawn[data-promo-id="${victim.promo_code_id}"]`).waitFor();
    expect(await row.locator(".promo-status").textContent()).toBe("Withdrawn");
    expect(await row.getByRole("button", { name: "Withdraw" }).count()).toBe(0);
    const after = await getAs<{ promo_codes: PromoCode[] }>(apiKey, `/api/v1/events/${eventId}/promo-codes`);
    expect(after.promo_codes.find((c) => c.promo_code_id === victim.promo_code_id)!.status).toBe("cancelled");
    expect(after.promo_codes.filter((c) => c.status === "active")).toHaveLength(3);
    expect(failed).toEqual([]);
  });

  it("shows finance the codes without the form or Withdraw, and door staff nothing", async () => {
    const { eventId, apiKey } = await organizerWithEvent(
      base,
      { organizer: "Olga Owner", password: PASSWORD, title: `Role Night ${unique("")}`, tiers: [{ name: "GA", price: 2000, capacity: 10 }] },
      chromium.cancelAfterwards,
    );
    expect((await post(`/api/v1/events/${eventId}/promo-codes`, { code: "FRIENDS", amount_off: 250, max_uses: 5 }, apiKey)).status).toBe(201);

    const financeEmail = `${unique("finance")}@example.test`;
    expect((await post("/api/v1/organizations/current/invitations", { email: financeEmail, role: "finance" }, apiKey)).status).toBe(201);
    const page = await chromium.freshPage({ viewport: DESKTOP });
    await page.goto(`${base}/organizer/join#token=${await mailedInvitationToken(databaseUrl, financeEmail)}`);
    await page.fill("#name", "Fin Ance");
    await page.fill("#password", PASSWORD);
    await page.click("#signup button[type=submit]");
    await page.waitForURL(`${base}/organizer/`);

    await page.goto(`${base}/organizer/event?id=${eventId}`);
    await page.locator("#promo:not([hidden])").waitFor();
    const row = page.locator("#promo-codes .promo-row", { hasText: "FRIENDS" });
    await row.waitFor();
    expect(await row.locator(".promo-discount").textContent()).toBe("€2.50 off per ticket");
    expect(await row.getByRole("button", { name: "Withdraw" }).count()).toBe(0);
    expect(await page.locator("#new-promo").isVisible()).toBe(false);
    expect(await page.locator("#promo-csv").isVisible()).toBe(true);

    const { members } = await getAs<{ members: { organizer_id: string; email: string }[] }>(apiKey, "/api/v1/organizations/current/members");
    const finance = members.find((m) => m.email === financeEmail)!;
    const changed = await fetch(`${base}/api/v1/organizations/current/members/${finance.organizer_id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ role: "door" }),
    });
    expect(changed.status).toBe(200);
    // The section starts hidden: wait until the page has read the role's permissions.
    const permissionsRead = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/organizations/current");
    await page.reload();
    expect((await permissionsRead).status()).toBe(200);
    await page.locator("#door:not([hidden])").waitFor();
    expect(await page.locator("#promo").isHidden()).toBe(true);
  });
});

/**
 * An organizer, on a phone-sized screen, signs up (seeing the API key once), builds an event with
 * a general-admission tier and a seat map drawn in the editor, previews and publishes it; an
 * attendee in a fresh browser then finds it and sees both tiers. The organizer manages API keys and
 * finally cancels the event, which leaves the catalog as it was. Sign-in failures show the API's
 * own message, and organizer pages send strangers to the login page.
 */
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";

const base = inject("browserStack").worker;
const PHONE = { width: 390, height: 844 };
let browser: Browser;
/** Published events this file created, cancelled afterwards so the public catalog is left as found. */
const cleanup: { eventId: string; apiKey: string }[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  for (const { eventId, apiKey } of cleanup) {
    await fetch(`${base}/api/v1/events/${eventId}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${apiKey}` } });
  }
  await browser?.close();
});

/** Lower-case letters only, so full-text search treats it as one plain word. */
function uniqueWord(prefix: string): string {
  const letters = Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => String.fromCharCode(97 + (b % 26))).join("");
  return `${prefix}${letters}`;
}

async function apiAs<T>(apiKey: string, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: (await response.json()) as T };
}

interface SeatView {
  label: string;
  row: string;
  number: number;
  accessible: boolean;
}

interface EventView {
  event_id: string;
  title: string;
  status: string;
  starts_at: string;
  ends_at: string;
  timezone: string;
  tiers: { tier_id: string; name: string; kind: string; price: number; capacity: number }[];
}

async function signUp(context: BrowserContext, email: string): Promise<{ page: Page; apiKey: string }> {
  const page = await context.newPage();
  await page.goto(`${base}/organizer/signup`);
  await page.fill("#name", "Quayside Promotions");
  await page.fill("#email", email);
  await page.fill("#password", "a long enough password");
  await page.click("#signup button[type=submit]");
  // Sign-up lands on the dashboard: a welcome, and the account's first key shown once under API keys.
  await page.waitForURL(`${base}/organizer/`);
  await page.locator("#welcome:not([hidden])").waitFor();
  await page.locator("#key-reveal:not([hidden])").waitFor();
  const apiKey = (await page.locator("#new-key-value").textContent())!.trim();
  return { page, apiKey };
}

function seat(card: Locator, label: string): Locator {
  return card.locator(`svg .seat[data-label="${label}"]`);
}

describe("organizer pages", () => {
  it("an organizer signs up, draws a seat map, previews and publishes; an attendee finds the event until it is cancelled", async () => {
    const organizer = await browser.newContext({ viewport: PHONE });
    await organizer.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    const email = `${uniqueWord("org")}@example.test`;
    const { page, apiKey } = await signUp(organizer, email);

    // A welcome by name; the key is shown once, can be copied, and really is this organizer's key.
    expect(await page.locator("#welcome-title").textContent()).toBe("Welcome to Admit One, Quayside Promotions");
    expect(await page.locator("#key-reveal .notice").textContent()).toContain("won't be shown again");
    await page.click("#copy-new-key");
    await expect.poll(() => page.locator("#copy-new-key-status").textContent()).toContain("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(apiKey);
    const me = await apiAs<{ email: string }>(apiKey, "/api/v1/organizers/me");
    expect(me).toMatchObject({ status: 200, body: { email } });
    await expect.poll(() => page.locator("#events").textContent()).toContain("No events yet");
    expect(await page.locator("#account-name").textContent()).toBe("Quayside Promotions");
    // Shown once: a reload has neither the welcome nor the key.
    await page.reload();
    await expect.poll(() => page.locator("#events").textContent()).toContain("No events yet");
    expect(await page.locator("#welcome").isHidden()).toBe(true);
    expect(await page.locator("#key-reveal").isHidden()).toBe(true);
    expect(await page.locator("#new-key-value").textContent()).toBe("");

    // A new event, timed in New York whatever zone this browser is in.
    await page.click("#new-event");
    await page.locator("#event-form:not([hidden])").waitFor();
    const word = uniqueWord("harbour");
    const title = `Lighthouse Sessions ${word.slice(-4)}`;
    const year = new Date().getUTCFullYear() + 1;
    await page.fill("#title", title);
    await page.fill("#description", `An acoustic evening at the old lighthouse, ${word} edition.`);
    await page.fill("#category", "music");
    await page.selectOption("#timezone", "America/New_York");
    await page.fill("#starts_at", `${year}-07-15T19:30`);
    await page.fill("#ends_at", `${year}-07-15T23:00`);
    expect(await page.locator('[data-utc-for="starts_at"]').textContent()).toMatch(/7:30\sPM EDT \(11:30\sPM UTC\)/);
    await page.fill("#venue_name", "Old Lighthouse");
    await page.fill("#venue_city", "Portland");
    await page.fill("#venue_address", "1 Harbour Point");
    await page.selectOption("#currency", "USD");

    await page.click("#add-ga");
    const standing = page.locator(".tier-card").nth(0);
    await standing.getByLabel("Tier name").fill("Standing");
    await standing.getByLabel("Price").fill("25");
    await standing.getByLabel("Capacity").fill("150");

    await page.click("#add-seated");
    const balcony = page.locator(".tier-card").nth(1);
    await balcony.getByLabel("Tier name").fill("Balcony");
    await balcony.getByLabel("Price").fill("40.50");
    await balcony.getByLabel("Section name").fill("Balcony");
    await balcony.getByLabel("Rows").fill("A–C");
    await balcony.getByLabel("Seats per row").fill("6");
    await balcony.getByLabel("Spacing").fill("30");
    await balcony.locator(".grid-form button").click();
    await expect.poll(() => balcony.locator("svg .seat").count()).toBe(18);
    expect(await balcony.locator(".seat-total").textContent()).toContain("18 seats");

    // Delete a seat with the keyboard.
    await seat(balcony, "A6").click();
    await page.keyboard.press("Delete");
    await expect.poll(() => balcony.locator("svg .seat").count()).toBe(17);
    expect(await seat(balcony, "A6").count()).toBe(0);

    // Rename one; a duplicate label is refused with a message and changes nothing.
    await seat(balcony, "B1").click();
    await balcony.getByLabel("Seat label").fill("A2");
    await balcony.getByRole("button", { name: "Rename" }).click();
    await expect.poll(() => balcony.locator(".seatmap-message").textContent()).toContain("already a seat labelled A2");
    expect(await seat(balcony, "B1").count()).toBe(1);
    await balcony.getByLabel("Seat label").fill("BOX1");
    await balcony.getByRole("button", { name: "Rename" }).click();
    await expect.poll(() => seat(balcony, "BOX1").count()).toBe(1);
    expect(await seat(balcony, "B1").count()).toBe(0);

    // Mark one accessible: it is drawn with a ring.
    await seat(balcony, "C1").click();
    await balcony.getByRole("button", { name: "Mark accessible" }).click();
    await expect.poll(() => seat(balcony, "C1").getAttribute("class")).toContain("accessible");
    expect(await seat(balcony, "C1").locator(".ring").count()).toBe(1);
    expect(await balcony.locator(".seat-count").textContent()).toBe("17 seats · 1 accessible");

    await page.click("#save");
    await page.waitForURL(/\/organizer\/event\?id=/);
    await expect.poll(() => page.locator("#status-badge").textContent()).toBe("Draft");
    const eventId = new URL(page.url()).searchParams.get("id")!;

    // What was saved: UTC times from the New York wall clock, both tiers, the edited seat map.
    const saved = await apiAs<{ events: EventView[] }>(apiKey, "/api/v1/organizers/me/events");
    const event = saved.body.events.find((e) => e.event_id === eventId)!;
    expect(event).toMatchObject({
      title,
      status: "draft",
      timezone: "America/New_York",
      starts_at: `${year}-07-15T23:30:00.000Z`,
      ends_at: `${year}-07-16T03:00:00.000Z`,
    });
    expect(event.tiers.map((t) => [t.name, t.kind, t.price, t.capacity])).toEqual([
      ["Standing", "general_admission", 2500, 150],
      ["Balcony", "seated", 4050, 17],
    ]);
    const seated = event.tiers[1]!;
    const seats = (await apiAs<{ seats: SeatView[] }>(apiKey, `/api/v1/events/${eventId}/tiers/${seated.tier_id}/seats`)).body.seats;
    const labels = seats.map((s) => s.label);
    expect(labels).toHaveLength(17);
    expect(labels).toContain("BOX1");
    expect(labels).not.toContain("A6");
    expect(labels).not.toContain("B1");
    expect(seats.filter((s) => s.accessible).map((s) => s.label)).toEqual(["C1"]);
    expect(seats.find((s) => s.label === "BOX1")).toMatchObject({ row: "BOX", number: 1 });

    // Reloading the editor shows the saved seat map.
    await page.reload();
    await page.locator("#event-form:not([hidden])").waitFor();
    await expect.poll(() => page.locator(".tier-card").nth(1).locator("svg .seat").count()).toBe(17);

    // The preview opens the public page, which shows the draft to its owner.
    const [preview] = await Promise.all([organizer.waitForEvent("page"), page.click("#preview")]);
    await preview.locator("#event:not([hidden])").waitFor();
    expect(await preview.locator("#title").textContent()).toBe(title);
    expect(await preview.locator("#tiers li strong").allTextContents()).toEqual(["Standing", "Balcony"]);
    await preview.close();

    await page.click("#publish");
    await expect.poll(() => page.locator("#status-badge").textContent()).toBe("Published");
    cleanup.push({ eventId, apiKey });

    // An attendee with no cookies finds it by a word of its description and sees both tiers.
    const attendee = await browser.newContext({ viewport: PHONE });
    const shopper = await attendee.newPage();
    await shopper.goto(`${base}/`);
    await shopper.fill("input[name=q]", word);
    await shopper.click("#filters button[type=submit]");
    await expect.poll(() => shopper.locator("#events .card h2").allTextContents()).toEqual([title]);
    await shopper.locator("#events .card").click();
    await shopper.locator("#event:not([hidden])").waitFor();
    expect(await shopper.locator("#title").textContent()).toBe(title);
    expect(await shopper.locator("#organizer").textContent()).toBe("Presented by Quayside Promotions");
    expect(await shopper.locator("#tiers li strong").allTextContents()).toEqual(["Standing", "Balcony"]);
    expect(await shopper.locator("#tiers li").nth(0).textContent()).toContain("150 left");
    expect(await shopper.locator("#tiers li").nth(1).textContent()).toContain("17 left");

    // The dashboard lists it as published with its sales.
    await page.goto(`${base}/organizer/`);
    const row = page.locator(`.event-row[data-event-id="${eventId}"]`);
    await row.waitFor();
    expect(await row.locator(".badge").textContent()).toBe("Published");
    expect(await row.locator(".sold").textContent()).toContain("0 / 167");

    // API keys: with the tab's CSRF token gone (a fresh tab), the page fetches it again and the
    // writes still go through; a revoked key stops working at once.
    await page.evaluate(() => sessionStorage.clear());
    await page.fill("#key-name", "Box office sync");
    await page.click("#new-key button[type=submit]");
    await page.locator("#key-reveal:not([hidden])").waitFor();
    const secondKey = (await page.locator("#new-key-value").textContent())!.trim();
    expect((await apiAs(secondKey, "/api/v1/organizers/me")).status).toBe(200);
    const keyRow = page.locator("#keys li", { hasText: "Box office sync" });
    await keyRow.waitFor();
    await keyRow.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await expect.poll(() => page.locator("#keys").textContent()).not.toContain("Box office sync");
    expect((await apiAs(secondKey, "/api/v1/organizers/me")).status).toBe(401);

    // Cancelling, after a confirmation, takes the event out of the catalog.
    await row.getByRole("link", { name: "Edit" }).click();
    await page.locator("#event-form:not([hidden])").waitFor();
    await page.click("#cancel-event");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel event" }).click();
    await expect.poll(() => page.locator("#status-badge").textContent()).toBe("Cancelled");
    expect(await page.locator("#save").isHidden()).toBe(true);
    await shopper.goto(`${base}/?q=${word}`);
    await expect.poll(() => shopper.locator("#status").textContent()).toContain("No events match");

    await attendee.close();
    await organizer.close();
  });

  it("shows the API's message when the password is wrong, and keeps the organizer on the login page", async () => {
    const email = `${uniqueWord("org")}@example.test`;
    const created = await fetch(`${base}/api/v1/organizers`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Pier Nine", email, password: "the right password" }),
    });
    expect(created.status).toBe(201);
    // What the API itself says for a failed sign-in (the same for an unknown email).
    const refused = await fetch(`${base}/api/v1/sessions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: `${uniqueWord("nobody")}@example.test`, password: "whatever it is" }),
    });
    expect(refused.status).toBe(401);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("UNAUTHENTICATED");

    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${base}/organizer/login`);
    await page.fill("#email", email);
    await page.fill("#password", "not the right password");
    await page.click("#submit");
    await expect.poll(() => page.locator("#status .notice.error").textContent()).toBe(error.message);
    expect(new URL(page.url()).pathname).toBe("/organizer/login");
    expect(await page.inputValue("#password")).toBe("");

    // The right password then signs in and lands on the dashboard.
    await page.fill("#password", "the right password");
    await page.click("#submit");
    await page.waitForURL(`${base}/organizer/`);
    await expect.poll(() => page.locator("#account-name").textContent()).toBe("Pier Nine");
    await context.close();
  });

  it("sends a visitor who is not signed in from the dashboard to the login page, and back after signing in", async () => {
    const email = `${uniqueWord("org")}@example.test`;
    const created = await fetch(`${base}/api/v1/organizers`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Dockside", email, password: "dockside password" }),
    });
    expect(created.status).toBe(201);
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${base}/organizer/event?new=1`);
    await page.waitForURL(/\/organizer\/login\?next=/);
    await page.fill("#email", email);
    await page.fill("#password", "dockside password");
    await page.click("#submit");
    await page.waitForURL(`${base}/organizer/event?new=1`);
    await page.locator("#event-form:not([hidden])").waitFor();

    // Signing out ends the session: the dashboard sends the visitor back to the login page.
    await page.click("#sign-out");
    await page.waitForURL(/\/organizer\/login\?signed_out=1/);
    await page.goto(`${base}/organizer/`);
    await page.waitForURL(/\/organizer\/login\?next=%2Forganizer%2F/);
    await context.close();
  });
});

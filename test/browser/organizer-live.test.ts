/**
 * The sale-open war room in Chromium against the real Worker, EventLive and ledger: the organizer
 * opens it from the event page; tickets bought meanwhile (through the API, as another buyer's browser
 * would) move the sold counter, the revenue, the tier's bar and the plot without a reload; a scan at
 * the door moves attendance and its gate. A socket the network closes shows "Reconnecting…" and comes
 * back "Live" by itself, as does a laptop that drops off the Wi-Fi, and the figures keep moving after.
 * Loading the page makes no failed request.
 */
import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";
import { organizerWithEvent, postJson, unique } from "./harness";

const base = inject("browserStack").worker;
const MINUTE = 60_000;
const PASSWORD = "war room password";
/** Pushes arrive within a second; the bound is for a busy 2-core machine, not a timing claim. */
const SOON = { timeout: 20_000, interval: 100 };
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

let browser: Browser;
const contexts: BrowserContext[] = [];
const cleanup: { eventId: string; apiKey: string }[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  for (const { eventId, apiKey } of cleanup) {
    await fetch(`${base}/api/v1/events/${eventId}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${apiKey}` } });
  }
  await browser?.close();
});

/** A published event with Standing (€15, 50) and VIP (€60, 10), starting in 90 minutes (doors open). */
async function publishedEvent() {
  const event = await organizerWithEvent(
    base,
    {
      organizer: "War Room Presents",
      password: PASSWORD,
      title: `Sale Night ${unique("")}`,
      startsAt: new Date(Date.now() + 90 * MINUTE),
      tiers: [
        { name: "Standing", price: 1500, capacity: 50, max_per_order: 6 },
        { name: "VIP", price: 6000, capacity: 10, max_per_order: 2 },
      ],
    },
    (eventId, apiKey) => cleanup.push({ eventId, apiKey }),
  );
  return { ...event, standingId: event.tierIds.Standing!, vipId: event.tierIds.VIP! };
}

async function buy(eventId: string, tierId: string, quantity: number) {
  const registered = await post<{ order_id: string; order_token: string }>(`/api/v1/events/${eventId}/register`, {
    tier_id: tierId,
    quantity,
    idempotency_key: crypto.randomUUID(),
    attendee: { name: "Rosa Buyer", email: `${unique("buyer")}@example.test` },
  });
  expect(registered.status).toBe(201);
  const paid = await post<{ tickets: { ticket_id: string; token: string }[] }>(
    `/api/v1/orders/${registered.body.order_id}/pay`,
    { payment_method: "pm_card_visa" },
    registered.body.order_token,
  );
  expect(paid.status).toBe(200);
  return paid.body.tickets;
}

const figure = (page: Page, name: string) => page.locator(`[data-figure="${name}"]`).first().textContent();

describe("the organizer's live view", () => {
  it("moves sold, revenue, tiers, plot and door with each purchase and scan, and reconnects by itself", async () => {
    const { eventId, apiKey, email, standingId, vipId } = await publishedEvent();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    contexts.push(context);
    const eventPage = await context.newPage();
    await eventPage.goto(`${base}/organizer/login?next=${encodeURIComponent(`/organizer/event?id=${eventId}`)}`);
    await eventPage.fill("#email", email);
    await eventPage.fill("#password", PASSWORD);
    await eventPage.click("#submit");
    await eventPage.waitForURL((url) => url.pathname === "/organizer/event");
    const link = eventPage.getByRole("link", { name: "Open live view" });
    await link.waitFor();
    const href = await link.getAttribute("href");
    expect(href).toBe(`/organizer/live?id=${eventId}`);
    await eventPage.close();

    // The live view in its own tab, watched from its first request.
    const page = await context.newPage();
    const failed: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    page.on("requestfailed", (r) => failed.push(`failed ${r.url()}`));
    page.on("pageerror", (e) => failed.push(`error ${e.message}`));
    // Every live socket goes through the test, so one can be closed as a network would close it.
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/live$/, (ws) => {
      ws.connectToServer();
      sockets.push(ws);
    });
    await page.goto(`${base}${href}`);

    // On load: the first snapshot, nothing sold yet.
    await page.locator('[data-connection="live"]').waitFor(SOON);
    expect(await page.locator("#connection").textContent()).toBe("Live");
    expect(await figure(page, "sold")).toBe("0");
    expect(await figure(page, "capacity")).toBe("60");
    expect(await figure(page, "revenue")).toBe("€0.00");
    const standing = page.locator(`[data-tier-id="${standingId}"]`);
    expect(await standing.locator('[data-tier-figure="available"]').textContent()).toBe("50");
    await page.locator('#chart[data-points] canvas').first().waitFor(SOON);
    expect(failed).toEqual([]);
    // Marks this document: a reload would lose the mark.
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));

    // Three Standing and one VIP bought elsewhere: the page moves without a reload.
    await buy(eventId, standingId, 3);
    const [vipTicket] = await buy(eventId, vipId, 1);
    await expect.poll(() => figure(page, "sold"), SOON).toBe("4");
    await expect.poll(() => figure(page, "revenue"), SOON).toBe("€105.00");
    expect(await standing.locator('[data-tier-figure="sold"]').textContent()).toBe("3");
    expect(await standing.locator('[data-tier-figure="available"]').textContent()).toBe("47");
    expect(await standing.locator(".segment.sold").getAttribute("style")).toContain("width: 6%");
    expect(await page.locator(`[data-tier-id="${vipId}"] [data-tier-figure="revenue"]`).textContent()).toBe("€60.00");
    expect(await figure(page, "hold-to-paid")).toBe("100%");
    await expect.poll(() => page.locator("#chart").getAttribute("data-last-sold"), SOON).toBe("4");

    // A scan at the door: attendance and the gate that admitted it.
    const gate = await post<{ device_id: string; device_token: string }>(`/api/v1/events/${eventId}/devices`, { name: "Front door" }, apiKey);
    expect(gate.status).toBe(201);
    const scan = await post<{ valid: boolean }>("/api/v1/checkin/scan", { token: vipTicket!.token, nonce: crypto.randomUUID() }, gate.body.device_token);
    expect(scan.body).toMatchObject({ valid: true });
    await expect.poll(() => figure(page, "checked-in"), SOON).toBe("1");
    expect(await figure(page, "checked-in-of")).toBe("4");
    const gateRow = page.locator(`[data-gate-id="${gate.body.device_id}"]`);
    await expect.poll(() => gateRow.locator('[data-gate-figure="admitted"]').textContent(), SOON).toBe("1");
    expect(await gateRow.locator(".gate-name").textContent()).toBe("Front door");

    // The network closes the socket: "Reconnecting…", then a new socket and "Live" again.
    expect(sockets.length).toBe(1);
    await sockets[0]!.close({ code: 4000, reason: "network went away" });
    await page.locator('[data-connection="reconnecting"]').waitFor(SOON);
    expect(await page.locator("#connection").textContent()).toBe("Reconnecting…");
    await page.locator('[data-connection="live"]').waitFor(SOON);
    expect(sockets.length).toBe(2);

    // The laptop drops off the Wi-Fi and comes back.
    await context.setOffline(true);
    await page.locator('[data-connection="reconnecting"]').waitFor(SOON);
    await context.setOffline(false);
    await page.locator('[data-connection="live"]').waitFor(SOON);

    // The new socket carries the next sale, still without a reload.
    await buy(eventId, standingId, 2);
    await expect.poll(() => figure(page, "sold"), SOON).toBe("6");
    await expect.poll(() => figure(page, "revenue"), SOON).toBe("€135.00");
    expect(await page.evaluate(() => "sameDocument" in window)).toBe(true);

    // The revenue report (summaries + ledger) agrees with the live figure, per hour as per day.
    await page.selectOption("#revenue-report select[name=bucket]", "hour");
    await expect.poll(() => page.locator('[data-report-total="gross"]').textContent(), SOON).toBe("€135.00");
    expect(await page.locator('[data-report-total="tickets"]').textContent()).toBe("6");
  });
});

/**
 * Rotating a webhook endpoint's secret from the organizer's Webhooks page, in Chromium against
 * `wrangler dev`: the page asks first, shows the new secret once with when the old one stops, and
 * the endpoint says a grace is running; the next delivery (through the real Queue) verifies with
 * the secret the page showed and with the old one.
 */
import { describe, expect, inject, it } from "vitest";
import { verifySignature } from "../../workers/webhooks-out/signature";
import { organizerWithEvent, postJson, requestJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const mail = inject("browserStack").mail;
const chromium = useChromium(base);

describe("organizer webhooks page: rotating a secret", () => {
  it("asks, shows the new secret once, and deliveries verify with it and, in the grace, the old one", async () => {
    const organizer = await organizerWithEvent(base, { tiers: [{ name: "GA", price: 1200, capacity: 10 }] }, chromium.cancelAfterwards);
    const inbox = unique("rotate");
    const made = await postJson<{ endpoint_id: string; secret: string }>(base, "/api/v1/webhook-endpoints", { url: `${mail}/webhooks/in/${inbox}`, events: ["order.paid"] }, organizer.apiKey);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const oldSecret = made.body.secret;

    const page = await chromium.freshPage();
    await page.goto(`${base}/organizer/login?next=${encodeURIComponent("/organizer/webhooks")}`);
    await page.fill("#email", organizer.email);
    await page.fill("#password", organizer.password);
    await page.click("#submit");
    await page.waitForURL((url) => url.pathname === "/organizer/webhooks");
    const card = page.locator(`article.endpoint[data-endpoint-id="${made.body.endpoint_id}"]`);
    await card.waitFor();
    expect(await card.locator("[data-grace]").count()).toBe(0);

    // Asked first: keeping the secret changes nothing.
    await card.getByRole("button", { name: "Rotate secret" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Keep the secret" }).click();
    const endpointPath = `/api/v1/webhook-endpoints/${made.body.endpoint_id}`;
    expect((await requestJson(base, "GET", endpointPath, undefined, { Authorization: `Bearer ${organizer.apiKey}` })).body.previous_secret_expires_at).toBeNull();

    await card.getByRole("button", { name: "Rotate secret" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Rotate secret" }).click();
    await page.locator("#secret-reveal:not([hidden])").waitFor();
    const newSecret = (await page.locator("#secret-value").textContent())!.trim();
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(await page.locator("#secret-note").textContent()).toContain("The old one still signs until");
    await expect.poll(() => page.locator(`article.endpoint[data-endpoint-id="${made.body.endpoint_id}"] [data-grace]`).count()).toBe(1);
    const shown = await requestJson(base, "GET", endpointPath, undefined, { Authorization: `Bearer ${organizer.apiKey}` });
    expect(Date.parse(shown.body.previous_secret_expires_at)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    // Hidden when done, and not on the page any more.
    await page.getByRole("button", { name: "Done, hide the secret" }).click();
    expect(await page.content()).not.toContain(newSecret);

    // A purchase's delivery (the Queue sends it: waited for, not timed) verifies with both secrets.
    const registered = await postJson<{ order_id: string; order_token: string }>(base, `/api/v1/events/${organizer.eventId}/register`, {
      tier_id: organizer.tierIds.GA, quantity: 1, idempotency_key: unique("k"), attendee: { email: `${unique("b")}@example.test`, name: "Bea" },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect((await postJson(base, `/api/v1/orders/${registered.body.order_id}/pay`, { payment_method: "pm_card_visa" }, registered.body.order_token)).status).toBe(200);
    type Received = { body: string; signature: string; received_at: string };
    const received = async () => ((await (await fetch(`${mail}/webhooks/api/deliveries?inbox=${inbox}`)).json()) as { data: Received[] }).data;
    await expect.poll(async () => (await received()).length, { timeout: 150_000, interval: 2_000 }).toBeGreaterThanOrEqual(1);
    const [delivery] = await received();
    const at = Math.floor(Date.parse(delivery!.received_at) / 1000);
    expect(delivery!.signature.split(",").filter((p) => p.startsWith("v1="))).toHaveLength(2);
    expect((await verifySignature(newSecret, delivery!.body, delivery!.signature, at)).ok).toBe(true);
    expect((await verifySignature(oldSecret, delivery!.body, delivery!.signature, at)).ok).toBe(true);
  }, 360_000);
});

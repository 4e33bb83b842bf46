/**
 * The Stripe webhook in workerd, sent signed as Stripe would: a payment event acts on an order only
 * when its intent id, amount and currency are the order's payment; a dispute revokes the order's
 * tickets (listed at /revocations, refused at the door) and tells the organizer by mail; a decline
 * reported only by webhook is recorded as pay's own decline is, and keeps the hold.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { ensurePayment, updatePayment } from "../../db/queries/orders";
import { createStripe } from "../../workers/adapters/stripe";
import { inventoryOf } from "../../workers/inventory-client";
import { db } from "./fixtures";
import { call, signUp } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

const stripe = () => createStripe(env);

async function deliver(event: unknown) {
  const payload = JSON.stringify(event);
  const signature = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET });
  return call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": signature });
}

async function eventsOf(type: string, objectMatches: (object: Record<string, unknown>) => boolean): Promise<Stripe.Event[]> {
  return (await stripe().events.list({ type, limit: 100 })).data.filter((e) => objectMatches(e.data.object as unknown as Record<string, unknown>));
}

/** A pending order of `quantity` at `price`, and its PaymentIntent as pay records it, before any confirm. */
async function orderWithIntent(price = 2000, quantity = 2) {
  const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price, capacity: 10 }]);
  const tierId = tiers[0]!.tier_id;
  const order = (await register(eventId, registration(tierId, { quantity }))).body as { order_id: string; order_token: string };
  const amount = price * quantity;
  const intent = await stripe().paymentIntents.create(
    { amount, currency: "eur", automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { order_id: order.order_id } },
    { idempotencyKey: `pi_create_${order.order_id}` },
  );
  await ensurePayment(db(), { orderId: order.order_id, idempotencyKey: `order_${order.order_id}`, amount, currency: "EUR" });
  await updatePayment(db(), order.order_id, { providerPaymentId: intent.id, status: "processing" });
  return { eventId, tierId, organizer, order, intent, amount };
}

async function ticketsOf(orderId: string) {
  return db().select().from(schema.tickets).where(eq(schema.tickets.orderId, orderId));
}

describe("payment events that are not the order's payment", () => {
  it("are acknowledged and ignored: another intent, another amount, another currency change nothing", async () => {
    const { tierId, order, intent, amount } = await orderWithIntent(2000, 2);
    await stripe().paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    const [genuine] = await eventsOf("payment_intent.succeeded", (o) => o.id === intent.id);
    expect(genuine).toBeDefined();

    // A cheaper payment made elsewhere in the account that names this order in its metadata.
    const cheap = await stripe().paymentIntents.create({ amount: 100, currency: "eur", payment_method: "pm_card_visa", confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { order_id: order.order_id } });
    const [foreign] = await eventsOf("payment_intent.succeeded", (o) => o.id === cheap.id);
    const base = genuine as unknown as Record<string, unknown>;
    const object = genuine!.data.object as unknown as Record<string, unknown>;
    const forgeries: unknown[] = [
      foreign!,
      { ...base, id: `evt_amount_${crypto.randomUUID()}`, data: { object: { ...object, amount: amount - 1, amount_received: amount - 1 } } },
      { ...base, id: `evt_currency_${crypto.randomUUID()}`, data: { object: { ...object, currency: "usd" } } },
      { ...base, id: `evt_intent_${crypto.randomUUID()}`, data: { object: { ...object, id: cheap.id } } },
      // An intent Stripe has never seen: nothing to refund, and no 500 (found by the fuzz, seed 1090615856).
      { ...base, id: `evt_unknown_${crypto.randomUUID()}`, data: { object: { ...object, id: `pi_unknown_${crypto.randomUUID().slice(0, 8)}` } } },
    ];
    for (const forged of forgeries) {
      const answer = await deliver(forged);
      expect(answer.status).toBe(200);
      expect(answer.body.ignored).toEqual(expect.any(String));
    }
    expect(await ticketsOf(order.order_id)).toEqual([]);
    expect((await getOrder(order.order_id, order.order_token)).body).toMatchObject({ status: "pending", tickets: [] });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 2, sold: 0 });

    // The order's own payment event still confirms it.
    const answer = await deliver(genuine);
    expect(answer.body.ignored).toBeUndefined();
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("confirmed");
    expect(await ticketsOf(order.order_id)).toHaveLength(2);
  });
});

describe("a handled event whose signature is tampered or expired", () => {
  it("is refused with 400 and changes nothing; the same event signed now confirms the order", async () => {
    const { tierId, order, intent } = await orderWithIntent(2000, 2);
    await stripe().paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    const [genuine] = await eventsOf("payment_intent.succeeded", (o) => o.id === intent.id);
    const payload = JSON.stringify(genuine);
    const secret = env.STRIPE_WEBHOOK_SECRET;
    const old = Math.floor(Date.now() / 1000) - 301;
    const expired = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp: old });
    const now = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret });
    const attempts: [string, string][] = [
      [payload, expired], // signed by Stripe's secret, but older than the 300 s tolerance
      [payload.replace(`"id":"${intent.id}"`, `"id":"${intent.id}" `), now], // one byte more than what was signed
      [payload, now.replace(/v1=([0-9a-f])/, (_, c: string) => `v1=${c === "0" ? "1" : "0"}`)], // one hex digit changed
      [payload, now.replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) + 1}`)], // another timestamp than the one signed
    ];
    for (const [body, signature] of attempts) {
      const answer = await call("POST", "/api/v1/stripe/webhook", body, {}, { "Stripe-Signature": signature });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await getOrder(order.order_id, order.order_token)).body).toMatchObject({ status: "pending", tickets: [] });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 2, sold: 0 });

    const answer = await call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": now });
    expect(answer.status).toBe(200);
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("confirmed");
  });

  it("refuses a signed body that is not JSON with 400, not a 500", async () => {
    const payload = "not json";
    const signature = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET });
    const answer = await call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": signature });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_FAILED");
  });
});

describe("payment_intent.payment_failed reported only by webhook", () => {
  it("records the decline as pay's does and keeps the hold: the order stays pending and another card pays for it", async () => {
    const { tierId, order, intent } = await orderWithIntent(1500, 2);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 2 });
    // The confirm ran (in a request that then went away), so only the webhook reports the decline.
    await stripe().paymentIntents.confirm(intent.id, { payment_method: "pm_card_chargeDeclined" }).catch(() => undefined);
    const [failed] = await eventsOf("payment_intent.payment_failed", (o) => o.id === intent.id);
    expect((await deliver(failed)).status).toBe(200);
    expect((await deliver(failed)).status).toBe(200);

    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 2, sold: 0, available: 8 });
    const view = (await getOrder(order.order_id, order.order_token)).body;
    expect(view).toMatchObject({ status: "pending", payments: [{ status: "failed", failure_code: "generic_decline" }] });
    const paid = await pay(order.order_id, order.order_token, "pm_card_visa");
    expect(paid.status).toBe(200);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 0, sold: 2 });
    expect((await stripe().paymentIntents.retrieve(intent.id)).amount_received).toBe(3000);
  });

  it("records nothing when it arrives after the buyer paid with another card", async () => {
    const { tierId, order, intent } = await orderWithIntent(1500, 1);
    await stripe().paymentIntents.confirm(intent.id, { payment_method: "pm_card_chargeDeclined" }).catch(() => undefined);
    await stripe().paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    const [failed] = await eventsOf("payment_intent.payment_failed", (o) => o.id === intent.id);
    expect((await deliver(failed)).status).toBe(200);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 1 });
    expect((await getOrder(order.order_id, order.order_token)).body).toMatchObject({ status: "pending", payments: [{ status: "processing" }] });
    const [succeeded] = await eventsOf("payment_intent.succeeded", (o) => o.id === intent.id);
    await deliver(succeeded);
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("confirmed");
  });
});

describe("charge.dispute.created", () => {
  it("revokes the order's tickets (listed at /revocations, refused at the door) and mails each owner of the organization, once", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 3000, capacity: 10 }]);
    // A second owner hears of it too; a finance member does not.
    const [{ organizationId }] = (await db().select({ organizationId: schema.events.organizationId }).from(schema.events).where(eq(schema.events.id, eventId))) as [{ organizationId: string }];
    const [coOwner, finance] = [await signUp(), await signUp()];
    await db().insert(schema.organizationMembers).values([
      { organizationId, organizerId: coOwner.organizerId, role: "owner" },
      { organizationId, organizerId: finance.organizerId, role: "finance" },
    ]);
    const tierId = tiers[0]!.tier_id;
    const order = (await register(eventId, registration(tierId, { quantity: 2 }))).body;
    const paid = await pay(order.order_id, order.order_token, "pm_card_createDispute");
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(2);
    const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, order.order_id));
    const [disputed] = await eventsOf("charge.dispute.created", (o) => o.payment_intent === payment!.providerPaymentId);
    expect(disputed).toBeDefined();

    const since = new Date(Date.now() - 60_000).toISOString();
    expect((await deliver(disputed)).status).toBe(200);
    expect((await deliver(disputed)).body).toMatchObject({ duplicate: true });

    const revocations = await call("GET", `/api/v1/events/${eventId}/revocations?since=${encodeURIComponent(since)}`);
    expect([...revocations.body.ticket_ids].sort()).toEqual([...paid.body.ticket_ids].sort());
    expect(revocations.body.revoked.every((r: { reason: string }) => r.reason === "disputed")).toBe(true);

    const device = await call("POST", `/api/v1/events/${eventId}/devices`, { name: "Main door" }, organizer.key);
    expect(device.status).toBe(201);
    const scanned = await call("POST", "/api/v1/checkin/scan", { token: paid.body.tickets[0].token, nonce: `n-${crypto.randomUUID()}` }, {}, { Authorization: `Bearer ${device.body.device_token}` });
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({ valid: false, reason: "revoked" });

    // The disputed units go back on sale, once.
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 0, available: 10 });

    const mails = async (to: string) => ((await (await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(to)}`)).json()) as { data: { subject: string; text: string }[] }).data;
    for (const owner of [organizer.email, coOwner.email]) {
      await expect.poll(async () => (await mails(owner)).length, { timeout: 20_000 }).toBe(1);
      const [mail] = await mails(owner);
      expect(mail!.subject).toMatch(/disputed/i);
      expect(mail!.text).toContain(order.order_id);
    }
    expect(await mails(finance.email)).toEqual([]);
  });

  it("ignores a dispute of a payment that is not ours", async () => {
    const intent = await stripe().paymentIntents.create({ amount: 900, currency: "eur", payment_method: "pm_card_createDispute", confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: "never" } });
    const [disputed] = await eventsOf("charge.dispute.created", (o) => o.payment_intent === intent.id);
    const answer = await deliver(disputed);
    expect(answer.status).toBe(200);
    expect(answer.body.ignored).toEqual(expect.any(String));
  });
});

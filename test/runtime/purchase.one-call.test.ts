/**
 * Pay's first Stripe call creates and confirms the order's PaymentIntent at once, and nothing is
 * written before it (workers/use-cases/pay-order.ts). These tests break that call at Stripe (the
 * emulator's faults) and check what keeps money safe without a record made first:
 *  - a Worker that never hears of a charge that happened: the payment_intent.succeeded webhook adopts
 *    the intent and issues the tickets, or refunds it when the hold is gone;
 *  - another card while the first call's outcome is unrecorded: 409 PAYMENT_IN_PROGRESS, never a
 *    second intent; a decline nobody recorded is recorded by its webhook, then the other card pays;
 *  - an intent that is not the order's (a create that answered 500 and charged after all) is refunded;
 *  - 3-D Secure is recorded with its intent, also when only its webhook reports it.
 * At the end, for every order here: Stripe's succeeded charges are the order's recorded intent's (kept,
 * with a ticket per unit) and any other intent's (refunded in full), or all refunded without tickets.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { createStripe } from "../../workers/adapters/stripe";
import { inventoryOf } from "../../workers/inventory-client";
import { db } from "./fixtures";
import { call } from "./http";
import { getOrder, inBatches, pay, publishedEvent, register, registration } from "./purchase-helpers";
import { seeded } from "./run-seed";

const stripe = () => createStripe(env);
const touched: string[] = [];

async function gaOrder(price: number, quantity = 1) {
  const { eventId, tiers } = await publishedEvent([{ name: "GA", price, capacity: 10 }]);
  const tierId = tiers[0]!.tier_id;
  const answer = await register(eventId, registration(tierId, { quantity }));
  expect(answer.status).toBe(201);
  const order = answer.body as { order_id: string; order_token: string };
  touched.push(order.order_id);
  return { tierId, order };
}

/** Scripts a failure at the shared Stripe emulator, scoped to one order's keys. */
async function stripeFault(rule: { method: string; path: string; mode: string; times: number; delayMs?: number; idempotencyKeyPrefix: string }) {
  const answer = await fetch(`${inject("stackUrls").stripe}/_emulator/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rule) });
  expect(answer.status).toBe(201);
}

/** Pay's create + confirm is executed and stored at Stripe, and neither its answer nor the SDK's two retries' reach the Worker. */
async function loseTheAnswer(orderId: string) {
  const scope = { method: "POST", path: "/v1/payment_intents", idempotencyKeyPrefix: `pi_create_${orderId}` };
  await stripeFault({ ...scope, mode: "hang_after_commit", times: 1 });
  await stripeFault({ ...scope, mode: "hang_replay", times: 2 });
}

async function intentsFor(orderId: string) {
  return (await stripe().paymentIntents.search({ query: `metadata['order_id']:'${orderId}'` })).data;
}

async function recordedPayment(orderId: string) {
  return (await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId)))[0];
}

/** Delivers Stripe's own event of `type` about `intentId`, signed, as Stripe's webhook would. */
async function deliver(type: string, intentId: string) {
  const events = (await stripe().events.list({ type, limit: 100 })).data.filter((e) => (e.data.object as { id?: string }).id === intentId);
  expect(events, `${type} for ${intentId}`).toHaveLength(1);
  return deliverEvent(events[0]!);
}

async function deliverEvent(event: Stripe.Event) {
  const payload = JSON.stringify(event);
  const signature = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET });
  const answer = await call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": signature });
  expect(answer.status).toBe(200);
  return answer;
}

describe("a Worker that never hears of the charge it made", () => {
  it("leaves the order pending; another card meanwhile gets 409 and no intent; the webhook adopts the charge and issues the tickets", async () => {
    const { tierId, order } = await gaOrder(2700, 2);
    await loseTheAnswer(order.order_id);
    const lost = await pay(order.order_id, order.order_token, "pm_card_visa");
    expect(lost.status).toBe(503);
    expect(lost.body.error.code).toBe("SERVICE_UNAVAILABLE");
    // Charged at Stripe, recorded nowhere.
    const [intent] = await intentsFor(order.order_id);
    expect(intent).toMatchObject({ status: "succeeded", amount_received: 5400 });
    expect(await recordedPayment(order.order_id)).toBeUndefined();
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("pending");

    // Another card while that outcome is unrecorded: Stripe refuses the order's key with other
    // parameters, and pay makes no second intent.
    const other = await pay(order.order_id, order.order_token, "pm_card_mastercard");
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("PAYMENT_IN_PROGRESS");
    expect(other.headers.get("Retry-After")).toBe("2");
    expect((await intentsFor(order.order_id)).map((pi) => pi.id)).toEqual([intent!.id]);

    await deliver("payment_intent.succeeded", intent!.id);
    const view = (await getOrder(order.order_id, order.order_token)).body;
    expect(view).toMatchObject({ status: "confirmed", payments: [{ status: "succeeded" }] });
    expect(view.tickets).toHaveLength(2);
    expect((await recordedPayment(order.order_id))!.providerPaymentId).toBe(intent!.id);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 2, held: 0 });

    // The buyer's next press, with either card, gets those tickets; nothing is charged again.
    for (const card of ["pm_card_visa", "pm_card_mastercard"]) {
      const again = await pay(order.order_id, order.order_token, card);
      expect(again.status).toBe(200);
      expect(again.body.ticket_ids).toEqual(view.ticket_ids);
    }
    const intents = await intentsFor(order.order_id);
    expect(intents.map((pi) => pi.amount_received)).toEqual([5400]);
    expect((await stripe().refunds.list({ payment_intent: intent!.id })).data).toEqual([]);
  });

  it("refunds the charge in full when the hold is gone by the time its webhook comes", async () => {
    const { tierId, order } = await gaOrder(1900, 1);
    await loseTheAnswer(order.order_id);
    expect((await pay(order.order_id, order.order_token)).status).toBe(503);
    const [intent] = await intentsFor(order.order_id);
    expect(intent!.status).toBe("succeeded");
    // The hold runs out before the webhook arrives.
    const stub = inventoryOf(env, tierId);
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE status = 'active'", Date.now() - 1);
    });
    await runDurableObjectAlarm(stub);

    await deliver("payment_intent.succeeded", intent!.id);
    const view = (await getOrder(order.order_id, order.order_token)).body;
    expect(view).toMatchObject({ status: "expired", tickets: [], refunds: [{ amount: 1900, status: "succeeded" }] });
    expect((await stripe().refunds.list({ payment_intent: intent!.id })).data.map((r) => r.amount)).toEqual([1900]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 0, held: 0 });
    // A redelivery refunds nothing more.
    await deliver("payment_intent.succeeded", intent!.id);
    expect((await stripe().refunds.list({ payment_intent: intent!.id })).data).toHaveLength(1);
  });
});

describe("payment_intent.succeeded racing the pay that made it", () => {
  it("8 orders, each paid while its webhook is delivered 1-3 times at once: confirmed once, recorded, never refunded", async () => {
    const random = seeded("purchase.one-call: webhook copies");
    const orders = [];
    for (let i = 0; i < 8; i++) orders.push({ ...(await gaOrder(1200 + i * 100, 2)), copies: 1 + Math.floor(random() * 3) });
    await inBatches(orders, 2, async ({ order, copies }) => {
      const paying = pay(order.order_id, order.order_token);
      // Delivered the moment Stripe has the event: before, during or after pay's confirming statement.
      let event: Stripe.Event | undefined;
      for (let polls = 0; !event && polls < 2000; polls++) {
        event = (await stripe().events.list({ type: "payment_intent.succeeded", limit: 100 })).data.find((e) => (e.data.object as Stripe.PaymentIntent).metadata?.order_id === order.order_id);
      }
      expect(event).toBeDefined();
      const [paid] = await Promise.all([paying, ...Array.from({ length: copies }, () => deliverEvent(event!))]);
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      expect(paid.body.tickets).toHaveLength(2);
    });
    for (const { tierId, order } of orders) {
      const [intent] = await intentsFor(order.order_id);
      expect((await stripe().refunds.list({ payment_intent: intent!.id })).data).toEqual([]);
      expect(await recordedPayment(order.order_id)).toMatchObject({ providerPaymentId: intent!.id, status: "succeeded" });
      expect(await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, order.order_id))).toHaveLength(2);
      expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 2, held: 0 });
    }
  });
});

describe("two cards on an order's first pay at once", () => {
  it("one pays, the other is told the payment is in progress: one intent, one charge", async () => {
    const { order } = await gaOrder(2200, 1);
    // The first create to claim the order's key holds it for 1.5 s; the other card's create with that
    // key has other parameters, which Stripe refuses whichever came first.
    await stripeFault({ method: "POST", path: "/v1/payment_intents", mode: "delay", delayMs: 1500, times: 1, idempotencyKeyPrefix: `pi_create_${order.order_id}` });
    const answers = await Promise.all(["pm_card_visa", "pm_card_mastercard"].map((card) => pay(order.order_id, order.order_token, card)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe("PAYMENT_IN_PROGRESS");
    const intents = await intentsFor(order.order_id);
    expect(intents.map((pi) => pi.amount_received)).toEqual([2200]);
    expect((await recordedPayment(order.order_id))).toMatchObject({ providerPaymentId: intents[0]!.id, status: "succeeded" });
  });
});

describe("a decline nobody recorded", () => {
  it("is recorded by its payment_intent.payment_failed webhook, after which another card pays the same intent", async () => {
    const { tierId, order } = await gaOrder(1600, 2);
    await loseTheAnswer(order.order_id);
    expect((await pay(order.order_id, order.order_token, "pm_card_chargeDeclined")).status).toBe(503);
    const [intent] = await intentsFor(order.order_id);
    expect(intent!.status).toBe("requires_payment_method");
    expect((await pay(order.order_id, order.order_token, "pm_card_visa")).body.error.code).toBe("PAYMENT_IN_PROGRESS");

    await deliver("payment_intent.payment_failed", intent!.id);
    expect(await recordedPayment(order.order_id)).toMatchObject({ providerPaymentId: intent!.id, status: "failed", failureCode: "generic_decline" });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 2, sold: 0 });

    const paid = await pay(order.order_id, order.order_token, "pm_card_visa");
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(2);
    expect((await intentsFor(order.order_id)).map((pi) => [pi.id, pi.amount_received])).toEqual([[intent!.id, 3200]]);
  });
});

describe("an intent that is not the order's", () => {
  it("is refunded when it succeeds, and the order keeps its own payment and tickets", async () => {
    const { order } = await gaOrder(2400, 1);
    const paid = await pay(order.order_id, order.order_token);
    expect(paid.status).toBe(200);
    const own = (await recordedPayment(order.order_id))!.providerPaymentId!;
    // What a create that answered 500 to pay and charged after all would leave: pay went on with the
    // order's next key, so this intent is the order's in its metadata and amount, but not recorded.
    const stray = await stripe().paymentIntents.create(
      { amount: 2400, currency: "eur", automatic_payment_methods: { enabled: true, allow_redirects: "never" }, payment_method: "pm_card_visa", confirm: true, metadata: { order_id: order.order_id } },
      { idempotencyKey: `pi_create_${order.order_id}_2` },
    );
    expect(stray.status).toBe("succeeded");
    const answer = await deliver("payment_intent.succeeded", stray.id);
    expect(answer.body.ignored).toMatch(/not the order's/);
    expect((await stripe().refunds.list({ payment_intent: stray.id })).data.map((r) => r.amount)).toEqual([2400]);
    await deliver("payment_intent.succeeded", stray.id);
    expect((await stripe().refunds.list({ payment_intent: stray.id })).data).toHaveLength(1);
    expect((await stripe().refunds.list({ payment_intent: own })).data).toEqual([]);
    const view = (await getOrder(order.order_id, order.order_token)).body;
    expect(view).toMatchObject({ status: "confirmed", refunds: [], payments: [{ status: "succeeded" }] });
    expect(view.ticket_ids).toEqual(paid.body.ticket_ids);
  });
});

describe("3-D Secure on the first pay", () => {
  it("records the intent with pay's answer; when only the webhook reports it, the webhook records it; then another card pays it", async () => {
    const { order } = await gaOrder(2100, 1);
    const action = await pay(order.order_id, order.order_token, "pm_card_threeDSecure2Required");
    expect(action.status).toBe(402);
    expect(action.body).toMatchObject({ error: { code: "PAYMENT_ACTION_REQUIRED" }, client_secret: expect.stringMatching(/_secret_/) });
    const [intent] = await intentsFor(order.order_id);
    expect(await recordedPayment(order.order_id)).toMatchObject({ providerPaymentId: intent!.id, status: "processing" });

    const { order: lostOrder } = await gaOrder(2100, 1);
    await loseTheAnswer(lostOrder.order_id);
    expect((await pay(lostOrder.order_id, lostOrder.order_token, "pm_card_threeDSecure2Required")).status).toBe(503);
    const [lostIntent] = await intentsFor(lostOrder.order_id);
    expect(lostIntent!.status).toBe("requires_action");
    await deliver("payment_intent.requires_action", lostIntent!.id);
    expect(await recordedPayment(lostOrder.order_id)).toMatchObject({ providerPaymentId: lostIntent!.id, status: "processing" });

    for (const [o, pi] of [[order, intent!], [lostOrder, lostIntent!]] as const) {
      const paid = await pay(o.order_id, o.order_token, "pm_card_visa");
      expect(paid.status).toBe(200);
      expect(paid.body.tickets).toHaveLength(1);
      expect((await intentsFor(o.order_id)).map((x: Stripe.PaymentIntent) => [x.id, x.amount_received])).toEqual([[pi.id, 2100]]);
    }
  });
});

describe("invariant: every charge ends as tickets or a refund", () => {
  it("holds at Stripe for every order these tests made", async () => {
    expect(touched.length).toBeGreaterThanOrEqual(15);
    for (const orderId of touched) {
      const [order] = await db().select().from(schema.orders).where(eq(schema.orders.id, orderId));
      const payment = await recordedPayment(orderId);
      const tickets = await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, orderId));
      for (const intent of await intentsFor(orderId)) {
        if (intent.status !== "succeeded") continue;
        const refunded = (await stripe().refunds.list({ payment_intent: intent.id })).data.filter((r) => r.status === "succeeded").reduce((sum, r) => sum + r.amount, 0);
        const kept = intent.id === payment?.providerPaymentId && tickets.length === order!.quantity && refunded === 0;
        const given_back = refunded === intent.amount_received;
        expect(kept || given_back, `order ${orderId} (${order!.status}), intent ${intent.id}: ${tickets.length} tickets, ${refunded} refunded`).toBe(true);
      }
    }
  });
});

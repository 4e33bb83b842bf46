/**
 * The purchase saga when things go wrong: a hold that expires (alarm fired deterministically), money
 * that arrives after the hold is gone, a Stripe call that times out after charging, a client that
 * vanishes and leaves the webhook to finish, and the sweeper. A declined card: purchase.declines.test.ts.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { ensurePayment, updatePayment } from "../../db/queries/orders";
import { createStripe } from "../../workers/adapters/stripe";
import { inventoryOf } from "../../workers/inventory-client";
import { sweepOverdueOrders } from "../../workers/use-cases/sweep-orders";
import { db } from "./fixtures";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";
import { shuffled } from "../seeded-random";
import { seeded } from "./run-seed";

const stripe = () => createStripe(env);

/** Every order these tests make, for the invariant at the end (never other files' orders). */
const touched: string[] = [];

async function registered(eventId: string, body: unknown) {
  const answer = await register(eventId, body);
  if (answer.body?.order_id) touched.push(answer.body.order_id);
  return answer;
}

async function gaOrder(price = 3000, quantity = 2) {
  const { eventId, tiers } = await publishedEvent([{ name: "GA", price, capacity: 10 }]);
  const tierId = tiers[0]!.tier_id;
  const order = (await registered(eventId, registration(tierId, { quantity }))).body;
  return { eventId, tierId, order };
}

/** Scripts a failure at the Stripe emulator (dev/stripe-emulator/faults.ts), scoped by the caller to its own order's keys. */
async function stripeFault(rule: { method: string; path: string; mode: string; times: number; delayMs?: number; idempotencyKeyPrefix: string }) {
  const answer = await fetch(`${inject("stackUrls").stripe}/_emulator/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rule) });
  expect(answer.status).toBe(201);
}

/** Makes the tier's holds overdue and fires its alarm, as if the hold minutes had passed. */
async function expireHoldsNow(tierId: string) {
  const stub = inventoryOf(env, tierId);
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE status = 'active'", Date.now() - 1);
  });
  await runDurableObjectAlarm(stub);
}

async function intentsFor(orderId: string) {
  return (await stripe().paymentIntents.search({ query: `metadata['order_id']:'${orderId}'` })).data;
}

describe("hold expiry", () => {
  it("returns the units when the alarm fires, and the sweeper expires the order without charging", async () => {
    const { tierId, order } = await gaOrder();
    await expireHoldsNow(tierId);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 0, available: 10 });

    // Overdue since long before any other test's order, so the sweep's oldest-first batch takes it
    // whatever else the shared database holds; one sweep must expire it.
    await db().update(schema.orders).set({ holdExpiresAt: new Date("2001-01-01T00:00:00Z") }).where(eq(schema.orders.id, order.order_id));
    await sweepOverdueOrders(env, db(), new Date());
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("expired");
    const late = await pay(order.order_id, order.order_token);
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: { code: "HOLD_EXPIRED" }, refunded: false });
    expect(await intentsFor(order.order_id)).toEqual([]);
  });

  it("refunds a payment that succeeds after its hold expired, and sells nothing", async () => {
    const { tierId, order } = await gaOrder(2500, 2);
    await expireHoldsNow(tierId);
    const paid = await pay(order.order_id, order.order_token);
    expect(paid.status).toBe(410);
    expect(paid.body).toMatchObject({ error: { code: "HOLD_EXPIRED" }, refunded: true });

    const [intent] = await intentsFor(order.order_id);
    expect(intent!.amount_received).toBe(5000);
    const refunds = await stripe().refunds.list({ payment_intent: intent!.id });
    expect(refunds.data.map((r) => r.amount)).toEqual([5000]);
    const view = (await getOrder(order.order_id, order.order_token)).body;
    expect(view).toMatchObject({ status: "expired", tickets: [], refunds: [{ amount: 5000, status: "succeeded" }] });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 0, held: 0 });
    // Paying again neither charges nor refunds a second time.
    expect((await pay(order.order_id, order.order_token)).status).toBe(410);
    expect((await stripe().refunds.list({ payment_intent: intent!.id })).data).toHaveLength(1);
  });
});

describe("a Stripe call that times out after charging", () => {
  it("is retried with the same idempotency key: one charge, tickets issued", async () => {
    const { order } = await gaOrder(1800, 1);
    // Only this order's create (which confirms too, pay's one Stripe call): the emulator is shared
    // with the other test files running meanwhile. The SDK's retry gets the stored success replayed.
    await stripeFault({ method: "POST", path: "/v1/payment_intents", mode: "hang_after_commit", times: 1, idempotencyKeyPrefix: `pi_create_${order.order_id}` });
    const paid = await pay(order.order_id, order.order_token);
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(1);
    const intents = await intentsFor(order.order_id);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.amount_received).toBe(1800);
  });
});

describe("a Stripe that does not answer at all", () => {
  it("answers 503 with Retry-After, keeps the order pending with its hold, and the next pay charges once", async () => {
    const { order } = await gaOrder(1900, 1);
    // The first call and the SDK's two retries are lost in the network; nothing reaches Stripe.
    await stripeFault({ method: "POST", path: "/v1/payment_intents", mode: "hang", times: 3, idempotencyKeyPrefix: `pi_create_${order.order_id}` });
    const lost = await pay(order.order_id, order.order_token);
    expect(lost.status).toBe(503);
    expect(lost.body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(lost.headers.get("Retry-After")).toBe("2");
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("pending");

    const paid = await pay(order.order_id, order.order_token);
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(1);
    const intents = await intentsFor(order.order_id);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.amount_received).toBe(1900);
  });
});

describe("a 500 from Stripe on creating the intent", () => {
  it("is stored for its key and replayed, so pay goes on with the order's next key: one intent, one charge", async () => {
    const { order } = await gaOrder(2300, 1);
    await stripeFault({ method: "POST", path: "/v1/payment_intents", mode: "error_500", times: 1, idempotencyKeyPrefix: `pi_create_${order.order_id}` });
    // The emulator stores the 500 for `pi_create_<order>` and replays it to the SDK's retries and to every
    // later request with that key (test/dev/stripe-emulator.test.ts), as Stripe does.

    const paid = await pay(order.order_id, order.order_token);
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(1);
    const again = await pay(order.order_id, order.order_token);
    expect(again.body.ticket_ids).toEqual(paid.body.ticket_ids);
    const intents = await intentsFor(order.order_id);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.amount_received).toBe(2300);
  });
});

describe("pay calls that overlap while Stripe is still creating the intent", () => {
  it("answer 200 or 409 PAYMENT_IN_PROGRESS, never a 5xx, and charge once", async () => {
    const { tierId, order } = await gaOrder(2100, 2);
    // The first create holds the order's idempotency key at Stripe for 3.5 s (under the tests' 5 s Stripe
    // timeout): the other calls get Stripe's 409 "in progress" through the SDK's two retries (about 1.5 s
    // of backoff), as they would from real Stripe.
    await stripeFault({ method: "POST", path: "/v1/payment_intents", mode: "delay", delayMs: 3500, times: 1, idempotencyKeyPrefix: `pi_create_${order.order_id}` });
    const answers = await Promise.all([1, 2, 3].map(() => pay(order.order_id, order.order_token)));
    for (const answer of answers) {
      if (answer.status === 200) continue;
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("PAYMENT_IN_PROGRESS");
      expect(answer.headers.get("Retry-After")).toBe("2");
    }
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.status === 409).length).toBeGreaterThanOrEqual(1);

    // The buyer's next press finds the order paid and gets the same tickets.
    const again = await pay(order.order_id, order.order_token);
    expect(again.status).toBe(200);
    const paid = answers.find((a) => a.status === 200)!;
    expect(again.body.ticket_ids).toEqual(paid.body.ticket_ids);
    const intents = await intentsFor(order.order_id);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.amount_received).toBe(4200);
    const [tier] = await db().select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId));
    expect(tier!.soldCount).toBe(2);
  });
});

describe("the webhook finishes what the client left", () => {
  it("confirms the order from payment_intent.succeeded; duplicates and reordering change nothing", async () => {
    const { tierId, order } = await gaOrder(2200, 2);
    // What pay had done before the client (or the Worker) went away: intent created and confirmed.
    const intent = await stripe().paymentIntents.create(
      { amount: 4400, currency: "eur", automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { order_id: order.order_id } },
      { idempotencyKey: `pi_create_${order.order_id}` },
    );
    await ensurePayment(db(), { orderId: order.order_id, idempotencyKey: `order_${order.order_id}`, amount: 4400, currency: "EUR" });
    await updatePayment(db(), order.order_id, { providerPaymentId: intent.id, status: "processing" });
    await stripe().paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });

    const events = (await stripe().events.list({ limit: 100 })).data.filter((e) => (e.data.object as { id?: string }).id === intent.id);
    expect(events.map((e) => e.type)).toContain("payment_intent.succeeded");
    const deliveries = shuffled([...events, ...events], seeded("purchase.faults: webhook deliveries"));
    for (const event of deliveries) {
      const payload = JSON.stringify(event);
      const signature = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET });
      const answer = await call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": signature });
      expect(answer.status).toBe(200);
    }

    const view = (await getOrder(order.order_id, order.order_token)).body;
    expect(view.status).toBe("confirmed");
    expect(view.tickets).toHaveLength(2);
    const tickets = await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, order.order_id));
    expect(tickets).toHaveLength(2);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 2, held: 0 });
    // The client comes back and pays: same tickets, no second charge.
    const again = await pay(order.order_id, order.order_token);
    expect(again.body.ticket_ids).toEqual(view.ticket_ids);
    expect((await stripe().paymentIntents.retrieve(intent.id)).amount_received).toBe(4400);
  });

  it("rejects an unsigned or tampered webhook", async () => {
    const payload = JSON.stringify({ id: "evt_forged", type: "payment_intent.succeeded", data: { object: { metadata: {} } } });
    expect((await call("POST", "/api/v1/stripe/webhook", payload)).status).toBe(400);
    const signature = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: "whsec_wrong" });
    const forged = await call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": signature });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe("VALIDATION_FAILED");
  });
});

describe("expiring an order that a payment is selling at the same moment", () => {
  it("leaves the order to the confirmation once TierInventory has sold its hold", async () => {
    const { expireOrder } = await import("../../workers/use-cases/pay-order");
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: 3 }]);
    const made = await registered(eventId, registration(tiers[0]!.tier_id));
    const [order] = await db().select().from(schema.orders).where(eq(schema.orders.id, made.body.order_id));
    // The payment's finalize sold the hold a moment before a sweep or a cancellation expires the order.
    expect(await inventoryOf(env, tiers[0]!.tier_id).confirm(order!.holdId!)).toMatchObject({ ok: true });
    await expireOrder(env, db(), order!);
    expect((await getOrder(order!.id, made.body.order_token)).body.status).toBe("pending");
    // The payment completes as usual: the charge ends as tickets.
    const paid = await pay(order!.id, made.body.order_token);
    expect(paid.body).toMatchObject({ status: "confirmed" });
    expect(paid.body.tickets).toHaveLength(1);
  });
});

describe("invariant: every charge ends as tickets or a refund", () => {
  it("holds for every order these tests made: a paid order has a ticket per unit, or all its money back", async () => {
    expect(touched.length).toBeGreaterThanOrEqual(5);
    let charged = 0;
    for (const orderId of touched) {
      const [order] = await db().select().from(schema.orders).where(eq(schema.orders.id, orderId));
      const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId));
      if (payment?.status !== "succeeded") continue;
      charged++;
      const tickets = await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, orderId));
      const refunds = await db().select().from(schema.refunds).where(eq(schema.refunds.orderId, orderId));
      const refunded = refunds.filter((r) => r.status === "succeeded").reduce((sum, r) => sum + r.amount, 0);
      const ended = tickets.length === order!.quantity ? "tickets" : refunded === payment.amount && tickets.length === 0 ? "refund" : "neither";
      expect(ended, `order ${orderId} (${order!.status}): ${tickets.length} of ${order!.quantity} tickets, ${refunded} of ${payment.amount} refunded`).not.toBe("neither");
    }
    // The cases above charged seven orders (one refunded late): the check ran on each.
    expect(charged).toBe(7);
  });
});

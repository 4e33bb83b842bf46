/**
 * Webhooks out when the receiver misbehaves: it answers 500, hangs past the sender's timeout, drops
 * the connection, and then recovers. Every event is delivered at least once, every delivery's
 * signature verifies, and per order the receiver never gets `order.refunded` before that order's
 * `order.paid`. Retries are days apart, so the tests move the clock handed to the dispatcher.
 */
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { deliverWebhooks } from "../../workers/webhooks-out/deliver";
import { db } from "./fixtures";
import { call } from "./http";
import { inBatches, pay, publishedEvent, register, registration } from "./purchase-helpers";
import { clearFaults, deliveriesOf, drain, inboxEndpoint, receivedBy, setFault, settled, verified } from "./webhooks-out-helpers";
import { seededRandom } from "../seeded-random";

const HOUR = 3_600_000;
const ORDERS = 8;

async function paidOrders(count: number) {
  const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: count + 5 }]);
  const hook = await inboxEndpoint(organizer.key, ["order.paid", "order.refunded"]);
  return { organizer, eventId, tierId: tiers[0]!.tier_id, hook };
}

async function buy(eventId: string, tierId: string) {
  const registered = await register(eventId, registration(tierId));
  expect(registered.status).toBe(201);
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status).toBe(200);
  return registered.body.order_id as string;
}

/** Per order, the types in the order the receiver first got them. */
function firstArrivals(bodies: { type: string; data: { order_id: string } }[]) {
  const byOrder = new Map<string, string[]>();
  for (const body of bodies) {
    const seen = byOrder.get(body.data.order_id) ?? [];
    if (!seen.includes(body.type)) seen.push(body.type);
    byOrder.set(body.data.order_id, seen);
  }
  return byOrder;
}

describe("a receiver that fails, times out, drops and recovers", () => {
  it("gets every event at least once, signed, with each order's refund after its payment", async () => {
    const { organizer, eventId, tierId, hook } = await paidOrders(ORDERS);
    await setFault(hook.inbox, "error_500", 10_000);

    const orders = await inBatches(Array.from({ length: ORDERS }, (_, i) => i), ORDERS, () => buy(eventId, tierId));
    const random = seededRandom(inject("testSeed"), "webhooks-out: which orders are refunded");
    const refundedOrders = orders.filter(() => random() < 0.5);
    await inBatches(refundedOrders, 6, async (orderId) => {
      const refunded = await call("POST", `/api/v1/orders/${orderId}/refund`, {}, organizer.key);
      expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    });

    // Down (500s): nothing arrives; every order's refund waits behind its payment.
    const start = Date.now();
    await drain([hook.endpointId], new Date(start));
    await settled([hook.endpointId], new Date(start));
    expect(await receivedBy(hook.inbox)).toEqual([]);
    const blocked = (await deliveriesOf(hook.endpointId)).filter((d) => d.type === "order.refunded");
    expect(blocked).toHaveLength(refundedOrders.length);
    for (const d of blocked) expect(d.delivery.attempts).toBe(0);

    // Hangs past the 1 s timeout, then drops connections.
    await clearFaults(hook.inbox);
    await setFault(hook.inbox, "hang", 10_000);
    await drain([hook.endpointId], new Date(start + 2 * HOUR));
    await clearFaults(hook.inbox);
    await setFault(hook.inbox, "drop", 10_000);
    await drain([hook.endpointId], new Date(start + 8 * HOUR));
    expect(await receivedBy(hook.inbox)).toEqual([]);

    // Recovers: everything arrives, refunds right behind their payments.
    await clearFaults(hook.inbox);
    await settled([hook.endpointId], new Date(start + 24 * HOUR));
    const got = await receivedBy(hook.inbox);
    for (const delivery of got) expect(await verified(delivery, hook.secret)).toBe(true);
    const bodies = got.map((d) => JSON.parse(d.body) as { id: string; type: string; data: { order_id: string } });
    const arrivals = firstArrivals(bodies);
    for (const orderId of orders) {
      expect(arrivals.get(orderId), orderId).toEqual(refundedOrders.includes(orderId) ? ["order.paid", "order.refunded"] : ["order.paid"]);
    }
    // Each event keeps its id on every attempt: one id per (type, order).
    const ids = new Map<string, Set<string>>();
    for (const b of bodies) ids.set(`${b.type}:${b.data.order_id}`, (ids.get(`${b.type}:${b.data.order_id}`) ?? new Set()).add(b.id));
    for (const set of ids.values()) expect(set.size).toBe(1);

    // The log shows the 500s, the timeouts and the dropped connections before the 200.
    const log = await call("GET", `/api/v1/webhook-endpoints/${hook.endpointId}/deliveries?limit=100`, undefined, organizer.key);
    const paidLogs = log.body.deliveries.filter((d: { event_type: string }) => d.event_type === "order.paid");
    expect(paidLogs).toHaveLength(ORDERS);
    const all: { response_status: number | null; error: string | null; response_excerpt: string }[] = [];
    for (const d of paidLogs) {
      expect(d.status).toBe("succeeded");
      const attempts = d.log as typeof all;
      // Every one was created while the receiver was down: it failed before it was delivered.
      expect(attempts.at(-1)!.response_status, JSON.stringify(attempts)).toBe(200);
      expect(attempts.length, JSON.stringify(attempts)).toBeGreaterThan(1);
      expect(attempts.slice(0, -1).every((a) => a.response_status !== 200), JSON.stringify(attempts)).toBe(true);
      all.push(...attempts);
    }
    // And each way of failing was met and logged for what it was.
    expect(all.some((a) => a.response_status === 500 && a.response_excerpt.includes("told to fail"))).toBe(true);
    expect(all.some((a) => a.response_status === null && a.error!.startsWith("no answer within"))).toBe(true);
    expect(all.some((a) => a.response_status === null && a.error!.startsWith("could not connect"))).toBe(true);
  }, 240_000);

  it("gives a delivery up after 3 days of failures, then lets the next in line go; a re-send by hand delivers it", async () => {
    const { organizer, eventId, tierId, hook } = await paidOrders(1);
    await setFault(hook.inbox, "error_500", 10_000);
    const orderId = await buy(eventId, tierId);
    expect((await call("POST", `/api/v1/orders/${orderId}/refund`, {}, organizer.key)).status).toBe(200);
    let now = Date.now();
    for (let step = 0; step < 60; step++) {
      await settled([hook.endpointId], new Date(now));
      const rows = await deliveriesOf(hook.endpointId);
      const paid = rows.find((r) => r.type === "order.paid")!.delivery;
      const refunded = rows.find((r) => r.type === "order.refunded")!.delivery;
      // Never attempted while the payment's delivery is still being retried.
      if (paid.status === "pending") expect(refunded.attempts).toBe(0);
      // The next retry time ahead (a delivery waiting behind another has none of its own).
      const ahead = rows.filter((r) => r.delivery.status === "pending" && r.delivery.nextAttemptAt.getTime() > now);
      if (ahead.length === 0) break;
      now = Math.min(...ahead.map((r) => r.delivery.nextAttemptAt.getTime()));
    }
    const rows = await deliveriesOf(hook.endpointId);
    const paid = rows.find((r) => r.type === "order.paid")!.delivery;
    expect(paid.status).toBe("failed");
    expect(paid.attempts).toBeGreaterThan(15);
    expect(paid.nextAttemptAt.getTime() - paid.createdAt.getTime()).toBeLessThanOrEqual(3 * 24 * HOUR);
    expect(rows.find((r) => r.type === "order.refunded")!.delivery.status).toBe("failed");

    await clearFaults(hook.inbox);
    const resent = await call("POST", `/api/v1/webhook-endpoints/${hook.endpointId}/deliveries/${paid.id}/resend`, undefined, organizer.key);
    expect(resent.status).toBe(202);
    await deliverWebhooks(env, db(), [paid.id], new Date(), true);
    await settled([hook.endpointId], new Date());
    expect((await receivedBy(hook.inbox)).map((d) => d.event_type)).toEqual(["order.paid"]);
  }, 180_000);

  it("sends each due delivery once when many dispatchers race for it", async () => {
    const { eventId, tierId, hook } = await paidOrders(6);
    await setFault(hook.inbox, "error_500", 10_000);
    await inBatches(Array.from({ length: 6 }, (_, i) => i), 6, () => buy(eventId, tierId));
    const start = Date.now();
    await settled([hook.endpointId], new Date(start));
    await clearFaults(hook.inbox);
    const later = new Date(start + HOUR);
    const ids = (await db().select({ id: schema.webhookDeliveries.id }).from(schema.webhookDeliveries).where(inArray(schema.webhookDeliveries.endpointId, [hook.endpointId]))).map((r) => r.id);
    const results = await Promise.all(Array.from({ length: 20 }, () => deliverWebhooks(env, db(), ids, later)));
    expect(results.reduce((sum, r) => sum + r.delivered, 0)).toBe(6);
    const got = await receivedBy(hook.inbox);
    expect(got).toHaveLength(6);
    expect(new Set(got.map((d) => d.event_id)).size).toBe(6);
  }, 120_000);
});

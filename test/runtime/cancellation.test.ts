/**
 * Cancelling an event refunds every paid order in full, in the background, exactly once — also
 * when Stripe fails partway and the job is resumed.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { createStripe } from "../../workers/adapters/stripe";
import { inventoryOf } from "../../workers/inventory-client";
import { continueCancellation } from "../../workers/use-cases/cancel-event";
import { resumePendingRefunds } from "../../workers/use-cases/refund-order";
import { db } from "./fixtures";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

async function breakRefundsOf(orderId: string) {
  await fetch(`${inject("stackUrls").stripe}/_emulator/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ method: "POST", path: "/v1/refunds", mode: "error_500", idempotencyKeyPrefix: `refund_${orderId}`, times: 1 }),
  });
}

describe("event cancellation", () => {
  it("refunds every paid order exactly once, through a Stripe outage and a resumed job, and expires the unpaid ones", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 2500, capacity: 30, max_per_order: 4 }], {
      waitlist: { enabled: true, offer_minutes: 30 },
    });
    const tierId = tiers[0]!.tier_id;
    const paid: { order_id: string; order_token: string; amount: number; email: string }[] = [];
    for (const quantity of [1, 2, 3, 1, 2, 1]) {
      const body = registration(tierId, { quantity });
      const registered = await register(eventId, body);
      expect((await pay(registered.body.order_id, registered.body.order_token)).status).toBe(200);
      paid.push({ ...registered.body, email: body.attendee.email });
    }
    // One attendee had already refunded a ticket of their order, at the policy's 50 %: the
    // cancellation gives back the rest of their money too.
    const partial = await getOrder(paid[1]!.order_id, paid[1]!.order_token);
    const early = await call("POST", `/api/v1/orders/${paid[1]!.order_id}/refund`, { ticket_ids: [partial.body.ticket_ids[0]] }, {}, { Authorization: `Bearer ${paid[1]!.order_token}` });
    expect(early.body).toMatchObject({ status: "succeeded", amount: 1250 });
    const unpaid = await register(eventId, registration(tierId, { quantity: 2 }));
    expect(unpaid.status).toBe(201);

    // Stripe fails the first refund attempt of two orders.
    await breakRefundsOf(paid[2]!.order_id);
    await breakRefundsOf(paid[4]!.order_id);
    const cancelled = await call("POST", `/api/v1/events/${eventId}/cancel`, undefined, organizer.key);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", cancellation: { status: "running", orders_total: 6 } });

    // Sales stopped at once.
    const refused = await register(eventId, registration(tierId));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("EVENT_CANCELLED");
    expect((await inventoryOf(env, tierId).snapshot()).available).toBe(0);

    // The job ran in the background (Queue); a batch also runs here at the same time, as a crashed
    // consumer's redelivery would. Then the cron's resume: pending refunds, then the job again.
    await continueCancellation(env, db(), eventId, new Date(), 2);
    // The cron's resume, tick after tick (pending refunds look old enough to retry, then the job
    // again), until the job reports every order done.
    const progressNow = async () => (await call("GET", `/api/v1/events/${eventId}/cancellation`, undefined, organizer.key)).body;
    await expect
      .poll(
        async () => {
          await resumePendingRefunds(env, db(), new Date(Date.now() + 10 * 60_000));
          await continueCancellation(env, db(), eventId, new Date());
          return (await progressNow()).status;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe("completed");
    const progress = { body: await progressNow() };
    expect(progress.body).toMatchObject({ status: "completed", orders_total: 6, orders_refunded: 6 });
    expect(progress.body.finished_at).not.toBeNull();

    const stripe = createStripe(env);
    for (const order of paid) {
      const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, order.order_id));
      const refunds = (await stripe.refunds.list({ payment_intent: payment!.providerPaymentId!, limit: 100 })).data;
      // Refunded in full, once: the money back adds up to the charge, never more.
      expect(refunds.reduce((sum, r) => sum + r.amount, 0)).toBe(order.amount);
      const ledger = await db().select().from(schema.refunds).where(eq(schema.refunds.orderId, order.order_id));
      expect(ledger.map((r) => r.status).every((s) => s === "succeeded")).toBe(true);
      expect(refunds).toHaveLength(ledger.length);
      const view = await getOrder(order.order_id, order.order_token);
      expect(view.body.status).toBe("refunded");
      expect(view.body.tickets.every((t: { status: string }) => t.status === "revoked")).toBe(true);
    }

    expect((await getOrder(unpaid.body.order_id, unpaid.body.order_token)).body.status).toBe("expired");
    const late = await pay(unpaid.body.order_id, unpaid.body.order_token);
    expect(late.status).toBe(410);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 0, held: 0 });

    // Each attendee hears of it once.
    const mails = async (to: string) =>
      ((await (await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(to)}`)).json()) as { data: { subject: string }[] }).data;
    await expect.poll(async () => (await mails(paid[0]!.email)).filter((m) => m.subject.startsWith("Cancelled:")).length, { timeout: 20_000 }).toBe(1);
  });

  it("answers progress only to the event's organizer", async () => {
    const { eventId, organizer } = await publishedEvent([{ name: "GA", price: 0, capacity: 5 }]);
    expect((await call("GET", `/api/v1/events/${eventId}/cancellation`, undefined, organizer.key)).status).toBe(404);
    expect((await call("POST", `/api/v1/events/${eventId}/cancel`, undefined, organizer.key)).status).toBe(200);
    expect((await call("GET", `/api/v1/events/${eventId}/cancellation`)).status).toBe(401);
    await expect
      .poll(async () => (await call("GET", `/api/v1/events/${eventId}/cancellation`, undefined, organizer.key)).body, { timeout: 20_000 })
      .toMatchObject({ status: "completed", orders_total: 0 });
  });
});

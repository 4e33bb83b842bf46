/**
 * Partial refunds to the end (issue #14 item 2): the attendee refunds tickets one at a time at the
 * policy's percent (the quote names each ticket's amount), and the organizer then refunds what is
 * left as an amount. Invariant: the refunds add up to at most what was paid, also when the same
 * amount refund is sent many times at once.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { createStripe } from "../../workers/adapters/stripe";
import { db } from "./fixtures";
import { call, type Caller } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

const HOUR = 3_600_000;

/** Two €30 tickets of an event 48 h away, where the policy gives back 50%. */
async function paidOrder() {
  const startsAt = new Date(Date.now() + 48 * HOUR);
  const published = await publishedEvent([{ name: "GA", price: 3000, capacity: 10, max_per_order: 6 }], {
    starts_at: startsAt.toISOString(),
    ends_at: new Date(startsAt.getTime() + 3 * HOUR).toISOString(),
    refund_policy: { schedule: [{ until_hours_before_start: 72, percent: 100 }, { until_hours_before_start: 24, percent: 50 }] },
  });
  const tierId = published.tiers[0]!.tier_id;
  const registered = await register(published.eventId, registration(tierId, { quantity: 2 }));
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status).toBe(200);
  return { ...published, orderId: registered.body.order_id as string, token: registered.body.order_token as string, tickets: paid.body.tickets as { ticket_id: string }[] };
}

const asAttendee = (orderId: string, token: string, body: unknown) => call("POST", `/api/v1/orders/${orderId}/refund`, body, {}, { Authorization: `Bearer ${token}` });
const asOrganizer = (orderId: string, organizer: Caller, body: unknown) => call("POST", `/api/v1/orders/${orderId}/refund`, body, organizer);

async function stripeRefundsOf(orderId: string) {
  const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId));
  return (await createStripe(env).refunds.list({ payment_intent: payment!.providerPaymentId!, limit: 100 })).data;
}

describe("partial refunds, then the rest", () => {
  it("the attendee refunds one ticket then the other at 50%; the organizer refunds the remaining amount once, however often it is sent", async () => {
    const { orderId, token, tickets, organizer } = await paidOrder();
    const quote = (await getOrder(orderId, token)).body.refund_quote;
    expect(quote).toMatchObject({ percent: 50, amount: 3000, refundable_amount: 6000 });
    expect(quote.tickets.map((t: { ticket_id: string; amount: number; price: number }) => [t.ticket_id, t.price, t.amount]).sort()).toEqual(
      tickets.map((t) => [t.ticket_id, 3000, 1500]).sort(),
    );

    expect((await asAttendee(orderId, token, { ticket_ids: [tickets[0]!.ticket_id] })).body).toMatchObject({ amount: 1500, status: "succeeded" });
    const after = (await getOrder(orderId, token)).body;
    expect(after).toMatchObject({ status: "partially_refunded", refund_quote: { amount: 1500, refundable_amount: 4500, ticket_ids: [tickets[1]!.ticket_id] } });
    const forbidden = await asAttendee(orderId, token, { amount: 100, idempotency_key: "attendee-wants-money" });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("FORBIDDEN");
    expect((await asAttendee(orderId, token, { ticket_ids: [tickets[1]!.ticket_id] })).body).toMatchObject({ amount: 1500 });
    expect((await getOrder(orderId, token)).body.status).toBe("refunded");

    // Every ticket is refunded, half the money is left: only an amount refund can give it back.
    expect((await asOrganizer(orderId, organizer.key, { reason: "The rest" })).status).toBe(409);
    const missingKey = await asOrganizer(orderId, organizer.key, { amount: 3000 });
    expect(missingKey.status).toBe(400);
    expect(missingKey.body.details.map((d: { field: string }) => d.field)).toContain("idempotency_key");
    expect((await asOrganizer(orderId, organizer.key, { amount: 3000, idempotency_key: "both-at-once", ticket_ids: [tickets[0]!.ticket_id] })).status).toBe(400);
    const tooMuch = await asOrganizer(orderId, organizer.key, { amount: 3001, idempotency_key: "too-much-1" });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ error: { code: "REFUND_NOT_ALLOWED" }, refundable_amount: 3000 });

    const key = `rest-${crypto.randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => asOrganizer(orderId, organizer.key, { amount: 3000, idempotency_key: key, reason: "The rest" })));
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(new Set(answers.map((a) => a.body.refund_id)).size).toBe(1);
    expect(answers[0]!.body).toMatchObject({ amount: 3000, status: "succeeded", ticket_ids: [] });

    const made = await stripeRefundsOf(orderId);
    expect(made.reduce((sum, r) => sum + r.amount, 0)).toBe(6000);
    expect(made).toHaveLength(3);
    expect((await asOrganizer(orderId, organizer.key, { amount: 2000, idempotency_key: key })).body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const nothingLeft = await asOrganizer(orderId, organizer.key, { amount: 1, idempotency_key: `more-${crypto.randomUUID()}` });
    expect(nothingLeft.body).toMatchObject({ error: { code: "REFUND_NOT_ALLOWED" }, refundable_amount: 0 });
    const view = (await getOrder(orderId, token)).body;
    expect(view.refunds.map((r: { amount: number }) => r.amount).sort()).toEqual([1500, 1500, 3000]);
  });

  it("the organizer refunds part of a paid order as an amount: the tickets stay valid", async () => {
    const { orderId, token, organizer } = await paidOrder();
    const answer = await asOrganizer(orderId, organizer.key, { amount: 1000, idempotency_key: `goodwill-${crypto.randomUUID()}`, reason: "Late start" });
    expect(answer.body).toMatchObject({ amount: 1000, status: "succeeded", ticket_ids: [] });
    const view = (await getOrder(orderId, token)).body;
    expect(view.status).toBe("partially_refunded");
    expect(view.tickets.every((t: { status: string }) => t.status === "valid")).toBe(true);
    expect(view.refund_quote).toMatchObject({ refundable_amount: 5000 });
  });
});

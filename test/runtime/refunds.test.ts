/**
 * Refunds in workerd with the real ledger and Stripe emulator: policy, partial refunds that add up,
 * one refund however many times or ways it is asked, revocation, units back on sale, and recovery
 * when Stripe is down.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { createStripe } from "../../workers/adapters/stripe";
import { inventoryOf } from "../../workers/inventory-client";
import { eventJwks } from "../../workers/tickets/signing-keys";
import { verifyAdmission } from "../../workers/tickets/ticket-tokens";
import { resumePendingRefunds } from "../../workers/use-cases/refund-order";
import { db } from "./fixtures";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration, seatRow } from "./purchase-helpers";

const HOUR = 3_600_000;

/** Starts in `hours`; the policy refunds 100% until 72 h before, 50% until 24 h before, nothing after. */
async function paidOrder(options: { startsInHours?: number; quantity?: number; seated?: boolean; policy?: unknown } = {}) {
  const { startsInHours = 24 * 10, quantity = 2, seated = false, policy } = options;
  const startsAt = new Date(Date.now() + startsInHours * HOUR);
  const tier = seated ? { name: "Seats", price: 3000, seats: seatRow("A", 6), max_per_order: 6 } : { name: "GA", price: 3000, capacity: 10, max_per_order: 6 };
  const published = await publishedEvent([tier], {
    starts_at: startsAt.toISOString(),
    ends_at: new Date(startsAt.getTime() + 3 * HOUR).toISOString(),
    refund_policy: policy ?? { schedule: [{ until_hours_before_start: 72, percent: 100 }, { until_hours_before_start: 24, percent: 50 }] },
  });
  const tierId = published.tiers[0]!.tier_id;
  const registered = await register(published.eventId, registration(tierId, { quantity, ...(seated ? { best_available: true } : {}) }));
  expect(registered.status).toBe(201);
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status).toBe(200);
  return { ...published, tierId, orderId: registered.body.order_id as string, token: registered.body.order_token as string, tickets: paid.body.tickets as { ticket_id: string; token: string; seat: string | null }[] };
}

function refund(orderId: string, token: string, body: Record<string, unknown> = {}) {
  return call("POST", `/api/v1/orders/${orderId}/refund`, body, {}, { Authorization: `Bearer ${token}` });
}

async function stripeRefundsOf(orderId: string) {
  const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId));
  const list = await createStripe(env).refunds.list({ payment_intent: payment!.providerPaymentId!, limit: 100 });
  return list.data;
}

/** Breaks this order's refund calls only: other test files share the emulator. */
async function breakRefundsOf(orderId: string) {
  const response = await fetch(`${inject("stackUrls").stripe}/_emulator/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ method: "POST", path: "/v1/refunds", mode: "error_500", idempotencyKeyPrefix: `refund_${orderId}`, times: 1 }),
  });
  expect(response.ok).toBe(true);
}

describe("refunds", () => {
  it("refunds chosen tickets, then the rest, by the policy; the parts add up to what was paid and no more", async () => {
    const { orderId, token, tickets, tierId } = await paidOrder({ startsInHours: 48, quantity: 3 });
    const before = await getOrder(orderId, token);
    expect(before.body.refund_quote).toMatchObject({ percent: 50, amount: 4500, rule: { until_hours_before_start: 24, percent: 50 } });

    const first = await refund(orderId, token, { ticket_ids: [tickets[0]!.ticket_id], reason: "Cannot come" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ amount: 1500, status: "succeeded", ticket_ids: [tickets[0]!.ticket_id] });
    expect((await getOrder(orderId, token)).body).toMatchObject({ status: "partially_refunded" });

    const rest = await refund(orderId, token);
    expect(rest.body).toMatchObject({ amount: 3000, status: "succeeded" });
    expect(rest.body.ticket_ids.sort()).toEqual([tickets[1]!.ticket_id, tickets[2]!.ticket_id].sort());
    const after = await getOrder(orderId, token);
    expect(after.body.status).toBe("refunded");
    expect(after.body.refunds.map((r: { amount: number }) => r.amount)).toEqual([1500, 3000]);
    expect(after.body.tickets.every((t: { status: string }) => t.status === "revoked")).toBe(true);

    const stripeRefunds = await stripeRefundsOf(orderId);
    expect(stripeRefunds.map((r) => r.amount).sort()).toEqual([1500, 3000]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 0, available: 10 });

    const again = await refund(orderId, token, { ticket_ids: [tickets[1]!.ticket_id] });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("REFUND_NOT_ALLOWED");
  });

  it("refuses an attendee's refund outside the policy with the rule that applied; the organizer may still refund", async () => {
    const { orderId, token, organizer, eventId } = await paidOrder({ startsInHours: 12 });
    const refused = await refund(orderId, token);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: "REFUND_NOT_ALLOWED" }, percent: 0, hours_before_start: 11 });
    expect(refused.body.refund_policy.schedule).toHaveLength(2);
    expect(refused.body.error.message).toContain("starts in 11 hours");

    // Someone else's organizer key does not open the order; the event's organizer refunds it in full.
    const stranger = await call("POST", "/api/v1/organizers", { name: "X", email: `x-${crypto.randomUUID()}@example.test`, password: "a long enough password" });
    const denied = await call("POST", `/api/v1/orders/${orderId}/refund`, {}, { apiKey: stranger.body.api_key });
    expect(denied.status).toBe(404);
    const byOrganizer = await call("POST", `/api/v1/orders/${orderId}/refund`, { reason: "Goodwill" }, organizer.key);
    expect(byOrganizer.body).toMatchObject({ amount: 6000, status: "succeeded", initiated_by: "organizer" });
    expect((await call("GET", `/api/v1/events/${eventId}/stats`, undefined, organizer.key)).body).toMatchObject({ refunded: 6000 });
    const listed = await call("GET", `/api/v1/events/${eventId}/orders`, undefined, organizer.key);
    expect(listed.body.orders).toEqual([expect.objectContaining({ order_id: orderId, status: "refunded", amount: 6000, refunded: 6000 })]);
  });

  it("refunds once when the same refund is asked many times at once, and once for overlapping ticket sets", async () => {
    const { orderId, token, tickets } = await paidOrder({ quantity: 4 });
    const same = await Promise.all(Array.from({ length: 8 }, () => refund(orderId, token, { ticket_ids: [tickets[0]!.ticket_id] })));
    expect(same.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(same.map((a) => a.body.refund_id)).size).toBe(1);

    const overlapping = await Promise.all([
      refund(orderId, token, { ticket_ids: [tickets[1]!.ticket_id, tickets[2]!.ticket_id] }),
      refund(orderId, token, { ticket_ids: [tickets[2]!.ticket_id, tickets[3]!.ticket_id] }),
      refund(orderId, token, { ticket_ids: [tickets[1]!.ticket_id, tickets[3]!.ticket_id] }),
      refund(orderId, token),
    ]);
    const succeeded = overlapping.filter((a) => a.status === 200);
    const claimed = succeeded.flatMap((a) => a.body.ticket_ids as string[]);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(overlapping.filter((a) => a.status !== 200).every((a) => a.body.error.code === "REFUND_NOT_ALLOWED")).toBe(true);

    const stripeRefunds = await stripeRefundsOf(orderId);
    const ledger = await db().select().from(schema.refunds).where(eq(schema.refunds.orderId, orderId));
    expect(stripeRefunds).toHaveLength(ledger.length);
    const total = stripeRefunds.reduce((sum, r) => sum + r.amount, 0);
    expect(total).toBe(ledger.reduce((sum, r) => sum + r.amount, 0));
    expect(total).toBeLessThanOrEqual(12000);
  });

  it("revokes refunded tickets: listed at /revocations and refused at the door", async () => {
    const { orderId, token, tickets, eventId } = await paidOrder({ quantity: 2, seated: true });
    const since = new Date().toISOString();
    expect((await refund(orderId, token, { ticket_ids: [tickets[0]!.ticket_id] })).status).toBe(200);

    const revocations = await call("GET", `/api/v1/events/${eventId}/revocations?since=${encodeURIComponent(since)}`);
    expect(revocations.status).toBe(200);
    expect(revocations.body.ticket_ids).toEqual([tickets[0]!.ticket_id]);
    expect(revocations.body.revoked[0]).toMatchObject({ reason: "refunded" });

    const jwks = await eventJwks(db(), eventId);
    const revoked = new Set<string>(revocations.body.ticket_ids);
    expect(await verifyAdmission(tickets[0]!.token, jwks, eventId, revoked)).toEqual({ ok: false, reason: "revoked" });
    expect(await verifyAdmission(tickets[1]!.token, jwks, eventId, revoked)).toMatchObject({ ok: true });

    // The refunded seat is back on the map.
    const tierId = (await getOrder(orderId, token)).body.tier_id;
    expect((await inventoryOf(env, tierId).seatStatuses())[tickets[0]!.seat!]).toBe("available");
    expect((await call("GET", `/api/v1/events/${eventId}/revocations?since=yesterday`)).status).toBe(400);
  });

  it("keeps a refund pending while Stripe fails and finishes it once, from the sweeper", async () => {
    const { orderId, token, tierId } = await paidOrder({ quantity: 1 });
    await breakRefundsOf(orderId);
    const pending = await refund(orderId, token);
    expect(pending.status).toBe(200);
    expect(pending.body.status).toBe("pending");
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 1 });
    // Stripe keeps answering this key with the stored 500, so asking again now changes nothing.
    expect((await refund(orderId, token)).body).toMatchObject({ refund_id: pending.body.refund_id, status: "pending" });

    // The sweeper picks up refunds pending for a while; pretend that while has passed.
    await resumePendingRefunds(env, db(), new Date(Date.now() + 10 * 60_000));
    const [row] = await db().select().from(schema.refunds).where(eq(schema.refunds.id, pending.body.refund_id));
    expect(row).toMatchObject({ status: "succeeded", amount: 3000 });
    expect(await stripeRefundsOf(orderId)).toHaveLength(1);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 0 });
    // Asking again returns the same, finished refund.
    expect((await refund(orderId, token)).body).toMatchObject({ refund_id: pending.body.refund_id, status: "succeeded" });
  });

  it("validates refund requests", async () => {
    const { orderId, token } = await paidOrder({ quantity: 1 });
    const bad = await refund(orderId, token, { ticket_ids: ["not-a-uuid"], extra: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    const unknown = await refund(orderId, token, { ticket_ids: [crypto.randomUUID()] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0].field).toBe("ticket_ids");
    const anonymous = await call("POST", `/api/v1/orders/${orderId}/refund`, {});
    expect(anonymous.status).toBe(401);
  });
});

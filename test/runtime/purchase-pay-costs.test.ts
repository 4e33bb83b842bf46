/**
 * What register and pay cost (issue #13 item 2), counted by the Worker's own cost meter
 * (GET /api/v1/dev/costs, APP_ENV=development): pay makes no interactive transaction and at most
 * PAY_ROUND_TRIPS Postgres round trips. Counts, not times. The outcome is checked beside the count.
 * Pay sends the outbox rows its confirmation wrote (leased) and does not mark them: the Queue
 * consumer does, in its own statements (db/queries/outbox.ts).
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import type { Costs } from "../../workers/cost-count";
import { db } from "./fixtures";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration, seatRow } from "./purchase-helpers";

/** Upper bounds, Postgres round trips (docs/performance.md has before/after). */
const PAY_ROUND_TRIPS = 2;
const REGISTER_ROUND_TRIPS = 1;

async function costs(): Promise<Record<string, Costs>> {
  const answer = await call("GET", "/api/v1/dev/costs");
  expect(answer.status).toBe(200);
  return answer.body.steps;
}

/** A step's I/O between two readings; an interactive transaction's round trips are its statements + connect, BEGIN, COMMIT. */
function spent(before: Record<string, Costs>, after: Record<string, Costs>, step: string) {
  const k = (kind: keyof Costs) => (after[step]?.[kind] ?? 0) - (before[step]?.[kind] ?? 0);
  return {
    requests: k("requests"),
    trips: k("dbHttp") + k("dbTxnStatements") + 3 * k("dbTransactions"),
    statements: k("dbStatements"),
    transactions: k("dbTransactions"),
    doCalls: k("doCalls"),
    stripeCalls: k("stripeCalls"),
  };
}

describe("the cost of register and pay", () => {
  it(`pay makes no interactive transaction and at most ${PAY_ROUND_TRIPS} Postgres round trips`, async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 10 }]);
    const tierId = tiers[0]!.tier_id;
    // A first purchase warms what an isolate remembers (the event's tiers for two seconds).
    const warm = await register(eventId, registration(tierId));
    expect((await pay(warm.body.order_id, warm.body.order_token)).status).toBe(200);

    const beforeRegister = await costs();
    const registered = await register(eventId, registration(tierId, { quantity: 2 }));
    expect(registered.status).toBe(201);
    const beforePay = await costs();
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    expect(paid.status).toBe(200);
    const after = await costs();

    const registerCost = spent(beforeRegister, beforePay, "register");
    const payCost = spent(beforePay, after, "pay");
    console.log(`register: ${JSON.stringify(registerCost)}; pay: ${JSON.stringify(payCost)}`);
    expect(registerCost.requests).toBe(1);
    expect(registerCost.transactions).toBe(0);
    expect(registerCost.trips).toBeLessThanOrEqual(REGISTER_ROUND_TRIPS);
    expect(payCost.requests).toBe(1);
    expect(payCost.transactions).toBe(0);
    expect(payCost.trips).toBeLessThanOrEqual(PAY_ROUND_TRIPS);
    // One Stripe call: the intent created and confirmed together (workers/use-cases/pay-order.ts).
    expect(payCost.stripeCalls).toBe(1);

    // What the one statement wrote: the order confirmed with its code, two tickets, the payment
    // succeeded with the intent, the tier's sold count, one confirmation mail queued (written leased,
    // so no publisher takes it while pay sends it) and marked published by the consumer that took it.
    const orderId = registered.body.order_id as string;
    expect(paid.body).toMatchObject({ order_id: orderId, status: "confirmed" });
    expect(paid.body.order_code).toMatch(/./);
    const [order] = await db().select().from(schema.orders).where(eq(schema.orders.id, orderId));
    expect(order).toMatchObject({ status: "confirmed", orderCode: paid.body.order_code });
    expect(order!.confirmedAt).not.toBeNull();
    const tickets = await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, orderId));
    expect(tickets.map((t) => t.id).sort()).toEqual([...paid.body.ticket_ids].sort());
    const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId));
    expect(payment).toMatchObject({ status: "succeeded", amount: 5000 });
    expect(payment!.providerPaymentId).toMatch(/^pi_/);
    const [tier] = await db().select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId));
    expect(tier!.soldCount).toBe(3);
    const mails = await db().select().from(schema.outbox).where(eq(schema.outbox.dedupeKey, `order-confirmed:${orderId}`));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.leaseUntil).not.toBeNull();
    let mail = mails[0]!;
    for (let round = 0; round < 600 && mail.publishedAt === null; round++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      mail = (await db().select().from(schema.outbox).where(eq(schema.outbox.dedupeKey, `order-confirmed:${orderId}`)))[0]!;
    }
    expect(mail.publishedAt).not.toBeNull();
    // Claimed once: by the confirming statement, never again by a publisher.
    expect(mail.attempts).toBe(1);
  });

  it("a sold_count that drifted to the capacity does not stop a paid order's confirmation (the cron recounts it)", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2000, capacity: 5 }]);
    const tierId = tiers[0]!.tier_id;
    // As if a refund's decrement had been lost: the summary says sold out, TierInventory knows better.
    await db().update(schema.ticketTiers).set({ soldCount: 5 }).where(eq(schema.ticketTiers.id, tierId));
    const registered = await register(eventId, registration(tierId, { quantity: 2 }));
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.status).toBe("confirmed");
    expect(await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, registered.body.order_id))).toHaveLength(2);
    const [tier] = await db().select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId));
    expect(tier!.soldCount).toBe(5);
  });

  it(`a seated order too: at most ${PAY_ROUND_TRIPS} round trips, and pay lists its tickets as the order view does`, async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "Stalls", price: 3000, seats: seatRow("A", 12) }]);
    // Chosen so that the database's seat order (A1, A10, A11, A2 in text collation) is not the order given.
    const seats = ["A2", "A11", "A1", "A10"];
    const registered = await register(eventId, registration(tiers[0]!.tier_id, { quantity: seats.length, seats }));
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const before = await costs();
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    const payCost = spent(before, await costs(), "pay");
    expect(payCost.transactions).toBe(0);
    expect(payCost.trips).toBeLessThanOrEqual(PAY_ROUND_TRIPS);

    const view = await getOrder(registered.body.order_id, registered.body.order_token);
    expect(view.status).toBe(200);
    const listed = (body: { tickets: { ticket_id: string; seat: string; token: string }[] }) => body.tickets.map((t) => [t.ticket_id, t.seat, t.token]);
    expect(listed(paid.body)).toEqual(listed(view.body));
    expect(paid.body.ticket_ids).toEqual(view.body.ticket_ids);
    expect(paid.body.qr_codes).toHaveLength(seats.length);
    expect([...paid.body.tickets.map((t: { seat: string }) => t.seat)].sort()).toEqual([...seats].sort());
  });
});

/**
 * Trying to oversell: thousands of concurrent registrations against a small tier, hundreds of
 * overlapping seat choices, and payments fired concurrently and retried. Afterwards the
 * TierInventory, Postgres and Stripe must agree, and no unit or seat may be sold twice.
 */
import { env } from "cloudflare:workers";
import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { inventoryOf } from "../../workers/inventory-client";
import { db } from "./fixtures";
import { inBatches, pay, publishedEvent, register, registration, seatRow } from "./purchase-helpers";

// Inside the test runner, requests to the Worker are only partly concurrent (one invocation's
// connection limit); the full 2,000-buyer burst runs over real HTTP in test/system/.
describe("general admission under a burst", () => {
  it("400 concurrent registrations for 100 units: exactly 100 held, then sold; the rest SOLD_OUT", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: 100, max_per_order: 1 }]);
    const tierId = tiers[0]!.tier_id;
    const answers = await Promise.all(Array.from({ length: 400 }, () => register(eventId, registration(tierId))));

    const created = answers.filter((a) => a.status === 201);
    const soldOut = answers.filter((a) => a.status === 409 && a.body.error.code === "SOLD_OUT");
    expect(created).toHaveLength(100);
    expect(soldOut).toHaveLength(300);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ capacity: 100, held: 100, sold: 0, available: 0 });
    const [pending] = await db().select({ n: sql<number>`count(*)::int` }).from(schema.orders).where(and(eq(schema.orders.tierId, tierId), eq(schema.orders.status, "pending")));
    expect(pending!.n).toBe(100);

    const paid = await inBatches(created, 25, (a) => pay(a.body.order_id, a.body.order_token));
    expect(paid.filter((p) => !(p.status === 200 && p.body.status === "confirmed")).map((p) => [p.status, p.body?.error?.code, p.body?.error?.message])).toEqual([]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 0, sold: 100, available: 0 });
    const [tier] = await db().select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId));
    expect(tier!.soldCount).toBe(100);
    const [ticketCount] = await db().select({ n: sql<number>`count(*)::int` }).from(schema.tickets).where(eq(schema.tickets.tierId, tierId));
    expect(ticketCount!.n).toBe(100);
  }, 600_000);
});

describe("seats under contention", () => {
  it("300 concurrent attempts on overlapping pairs of 10 seats: no seat in two orders", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "Front", price: 5000, seats: seatRow("A", 10) }]);
    const tierId = tiers[0]!.tier_id;
    const pairs = Array.from({ length: 300 }, (_, i) => [`A${(i % 9) + 1}`, `A${(i % 9) + 2}`]);
    const answers = await Promise.all(pairs.map((seats) => register(eventId, registration(tierId, { quantity: 2, seats }))));

    const won = answers.filter((a) => a.status === 201);
    const unexpected = answers.filter((a) => !(a.status === 201 || (a.status === 409 && ["SEAT_UNAVAILABLE", "SOLD_OUT"].includes(a.body.error.code))));
    expect(unexpected.map((a) => [a.status, a.body?.error?.code, a.body?.error?.message])).toEqual([]);
    const heldSeats = won.flatMap((a) => a.body.seats as string[]);
    expect(new Set(heldSeats).size).toBe(heldSeats.length);
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(won.length).toBeLessThanOrEqual(5);

    await Promise.all(won.map((a) => pay(a.body.order_id, a.body.order_token)));
    const sold = await db()
      .select({ seat: schema.tickets.seatLabel })
      .from(schema.tickets)
      .where(and(eq(schema.tickets.tierId, tierId), eq(schema.tickets.status, "valid")));
    expect(sold.map((s) => s.seat).sort()).toEqual([...heldSeats].sort());
    const statuses = await inventoryOf(env, tierId).seatStatuses();
    expect(Object.entries(statuses).filter(([, s]) => s === "sold").map(([label]) => label).sort()).toEqual([...heldSeats].sort());
  }, 600_000);
});

describe("paying more than once", () => {
  it("three concurrent pay calls and a retry charge once and return the same tickets", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 4200, capacity: 10 }]);
    const registered = (await register(eventId, registration(tiers[0]!.tier_id, { quantity: 2 }))).body;
    const tried = await Promise.all([1, 2, 3].map(() => pay(registered.order_id, registered.order_token)));
    // A call that overlaps another one's Stripe request past the SDK's retries is told the payment is in
    // progress (purchase.faults.test.ts makes that happen on purpose); never a 5xx.
    for (const answer of tried) if (answer.status !== 200) expect([answer.status, answer.body.error?.code]).toEqual([409, "PAYMENT_IN_PROGRESS"]);
    const answers = tried.filter((a) => a.status === 200);
    expect(answers.length).toBeGreaterThanOrEqual(1);
    const retry = await pay(registered.order_id, registered.order_token);
    expect(retry.status).toBe(200);
    const ids = [...answers, retry].map((a) => JSON.stringify(a.body.ticket_ids));
    expect(new Set(ids).size).toBe(1);
    expect(retry.body.tickets.map((t: { token: string }) => t.token)).toEqual(answers[0]!.body.tickets.map((t: { token: string }) => t.token));

    const payments = await db().select().from(schema.payments).where(eq(schema.payments.orderId, registered.order_id));
    expect(payments).toHaveLength(1);
    const stripe = (await import("../../workers/adapters/stripe")).createStripe(env);
    const intents = await stripe.paymentIntents.search({ query: `metadata['order_id']:'${registered.order_id}'` });
    expect(intents.data).toHaveLength(1);
    expect(intents.data[0]!.amount_received).toBe(8400);
    const [tier] = await db().select().from(schema.ticketTiers).where(inArray(schema.ticketTiers.id, [tiers[0]!.tier_id]));
    expect(tier!.soldCount).toBe(2);
  });
});

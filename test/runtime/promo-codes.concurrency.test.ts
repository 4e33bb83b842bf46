/**
 * Racing for a promo code: its uses are counted in TierInventory's serialized step with the hold, so
 * however many buyers race, no more orders redeem it than it has uses; a hold that ends unsold gives
 * its use back; and units a code keeps for its holders are never sold to anyone else.
 */
import { env } from "cloudflare:workers";
import { eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { inventoryOf } from "../../workers/inventory-client";
import { db } from "./fixtures";
import { call } from "./http";
import { createCode, expireHoldsNow } from "./promo-code-helpers";
import { inBatches, pay, publishedEvent, register, registration } from "./purchase-helpers";

function unexpected(answers: { status: number; body: any }[], allowed: string[]) {
  return answers.filter((a) => a.status !== 201 && !(a.status === 409 && allowed.includes(a.body.error.code))).map((a) => [a.status, a.body?.error?.code, a.body?.error?.message]);
}

async function redemptionsOf(codeId: string) {
  return db()
    .select({ orderId: schema.promoRedemptions.orderId, amount: schema.orders.amount, status: schema.orders.status })
    .from(schema.promoRedemptions)
    .innerJoin(schema.orders, eq(schema.orders.id, schema.promoRedemptions.orderId))
    .where(eq(schema.promoRedemptions.promoCodeId, codeId));
}

describe("a 10-use code raced by 200 buyers", () => {
  it("in its one tier: exactly 10 discounted orders, all of them payable; the other 190 are told the code is spent", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 2000, capacity: 500, max_per_order: 1 }]);
    const tierId = tiers[0]!.tier_id;
    const code = await createCode(eventId, organizer.key, { code: "EARLY10", percent_off: 25, max_uses: 10 });
    const answers = await Promise.all(Array.from({ length: 200 }, () => register(eventId, registration(tierId, { promo_code: "early10" }))));

    expect(unexpected(answers, ["PROMO_CODE_INVALID"])).toEqual([]);
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(10);
    expect(won.map((a) => a.body.amount)).toEqual(Array(10).fill(1500));
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.reason === "spent")).toBe(true);
    expect(await redemptionsOf(code.promo_code_id)).toHaveLength(10);

    const paid = await inBatches(won, 5, (a) => pay(a.body.order_id, a.body.order_token));
    expect(paid.map((p) => p.status)).toEqual(Array(10).fill(200));
    const [charged] = await db()
      .select({ n: sql<number>`count(*)::int`, total: sql<number>`sum(amount)::int` })
      .from(schema.payments)
      .where(inArray(schema.payments.orderId, won.map((a) => a.body.order_id as string)));
    expect(charged).toEqual({ n: 10, total: 15_000 });
    // Spent for good once sold: one more buyer is still refused.
    const late = await register(eventId, registration(tierId, { promo_code: "EARLY10" }));
    expect([late.status, late.body.reason]).toEqual([409, "spent"]);
  }, 600_000);

  it("across two tiers (each its own TierInventory): exactly 10 between them", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([
      { name: "Day", price: 3000, capacity: 300, max_per_order: 1 },
      { name: "Evening", price: 2000, capacity: 300, max_per_order: 1 },
    ]);
    const [day, evening] = tiers.map((t) => t.tier_id) as [string, string];
    const code = await createCode(eventId, organizer.key, { code: "BOTH10", amount_off: 500, max_uses: 10, tier_ids: [day, evening] });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => register(eventId, registration(i % 2 ? day : evening, { promo_code: "BOTH10" }))));

    expect(unexpected(answers, ["PROMO_CODE_INVALID"])).toEqual([]);
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(10);
    expect(won.every((a) => a.body.amount === (a.body.tier_id === day ? 2500 : 1500))).toBe(true);
    const paid = await inBatches(won, 5, (a) => pay(a.body.order_id, a.body.order_token));
    expect(paid.map((p) => p.status)).toEqual(Array(10).fill(200));
    const redeemed = await redemptionsOf(code.promo_code_id);
    expect(redeemed.filter((r) => r.status === "confirmed")).toHaveLength(10);
  }, 600_000);
});

describe("a hold that ends unsold gives its use back", () => {
  it("in the code's tier and in another of its tiers: after the holds expire, the uses are there again", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([
      { name: "A", price: 3000, capacity: 50 },
      { name: "B", price: 3000, capacity: 50 },
    ]);
    const [a, b] = tiers.map((t) => t.tier_id) as [string, string];
    await createCode(eventId, organizer.key, { code: "TWICE", percent_off: 10, max_uses: 2, tier_ids: [a, b] });
    const first = await Promise.all([register(eventId, registration(a, { promo_code: "TWICE" })), register(eventId, registration(b, { promo_code: "TWICE" }))]);
    expect(first.map((r) => r.status)).toEqual([201, 201]);
    const spent = await register(eventId, registration(b, { promo_code: "TWICE" }));
    expect([spent.status, spent.body.reason]).toEqual([409, "spent"]);

    await Promise.all([expireHoldsNow(a), expireHoldsNow(b)]);
    const again = await Promise.all(Array.from({ length: 6 }, (_, i) => register(eventId, registration(i % 2 ? a : b, { promo_code: "TWICE" }))));
    expect(again.filter((r) => r.status === 201)).toHaveLength(2);
    // A late payment for an expired hold is refused and does not take a use.
    const late = await pay(first[0]!.body.order_id, first[0]!.body.order_token);
    expect(late.body.error.code).toBe("HOLD_EXPIRED");
  }, 600_000);

  it("a refused hold does not keep the use it claimed apart: the tier sold out, the code is still whole", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([
      { name: "A", price: 3000, capacity: 5 },
      { name: "B", price: 3000, capacity: 1 },
    ]);
    const [a, b] = tiers.map((t) => t.tier_id) as [string, string];
    await createCode(eventId, organizer.key, { code: "ONEUSE", percent_off: 10, max_uses: 1, tier_ids: [a, b] });
    expect((await register(eventId, registration(b))).status).toBe(201);
    const soldOut = await register(eventId, registration(b, { promo_code: "ONEUSE" }));
    expect(soldOut.body.error.code).toBe("SOLD_OUT");
    expect((await register(eventId, registration(a, { promo_code: "ONEUSE" }))).status).toBe(201);
  }, 600_000);
});

describe("units a code keeps for its holders", () => {
  it("are never sold to the public: 200 public buyers and 10 sponsors racing for 30 units, 10 kept", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 4000, capacity: 30, max_per_order: 1 }]);
    const tierId = tiers[0]!.tier_id;
    const sponsor = await createCode(eventId, organizer.key, { code: "SPONSOR", percent_off: 100, max_uses: 10, reserves: 10, tier_ids: [tierId] });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ capacity: 30, available: 20 });

    const requests = [
      ...Array.from({ length: 200 }, () => () => register(eventId, registration(tierId))),
      ...Array.from({ length: 10 }, () => () => register(eventId, registration(tierId, { promo_code: "SPONSOR" }))),
    ];
    // Sponsors spread through the public burst rather than all at its end.
    const order = requests.map((_, i) => i).sort((x, y) => ((x * 7919) % 211) - ((y * 7919) % 211));
    const answers = await Promise.all(order.map((i) => requests[i]!()));
    expect(unexpected(answers, ["SOLD_OUT"])).toEqual([]);
    const won = answers.filter((a) => a.status === 201);
    const redeemed = await redemptionsOf(sponsor.promo_code_id);
    expect(redeemed).toHaveLength(10);
    expect(won.length - redeemed.length).toBe(20);
    expect(redeemed.every((r) => r.amount === 0)).toBe(true);

    // The sponsors' orders are free: they complete without a payment intent.
    const sponsorOrders = won.filter((a) => a.body.amount === 0);
    const confirmed = await Promise.all(sponsorOrders.map((a) => call("POST", `/api/v1/orders/${a.body.order_id}/pay`, {}, {}, { Authorization: `Bearer ${a.body.order_token}` })));
    expect(confirmed.map((c) => c.body.status)).toEqual(Array(10).fill("confirmed"));
    const intents = await db().select().from(schema.payments).where(inArray(schema.payments.orderId, sponsorOrders.map((a) => a.body.order_id as string)));
    expect(intents.filter((p) => p.providerPaymentId)).toEqual([]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 10, held: 20, available: 0 });
  }, 600_000);

  it("a withdrawn code's kept units go back on sale", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 4000, capacity: 10 }]);
    const tierId = tiers[0]!.tier_id;
    const code = await createCode(eventId, organizer.key, { code: "KEEP4", percent_off: 50, max_uses: 4, reserves: 4, tier_ids: [tierId] });
    expect((await inventoryOf(env, tierId).snapshot()).available).toBe(6);
    const withdrawn = await call("POST", `/api/v1/events/${eventId}/promo-codes/${code.promo_code_id}/cancel`, undefined, organizer.key);
    expect(withdrawn.body.status).toBe("cancelled");
    expect((await inventoryOf(env, tierId).snapshot()).available).toBe(10);
    const refused = await register(eventId, registration(tierId, { promo_code: "KEEP4" }));
    expect([refused.status, refused.body.reason]).toEqual([409, "cancelled"]);
  }, 600_000);
});

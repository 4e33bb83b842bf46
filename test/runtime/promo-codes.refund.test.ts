/**
 * A refund and a promo code's use: an order refunded in full gives its use back (another buyer can
 * redeem it), once however many refund requests and completions race; a partial refund keeps it.
 * The invariant checked is the one that matters: how many buyers can redeem the code afterwards.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { inventoryOf } from "../../workers/inventory-client";
import { completeRefund } from "../../workers/use-cases/refund-order";
import { db } from "./fixtures";
import { call, type Caller } from "./http";
import { createCode } from "./promo-code-helpers";
import { getOrder, inBatches, pay, publishedEvent, register, registration } from "./purchase-helpers";

async function buyWithCode(eventId: string, tierId: string, code: string, quantity = 1) {
  const registered = await register(eventId, registration(tierId, { promo_code: code, quantity }));
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  return { orderId: registered.body.order_id as string, token: registered.body.order_token as string, tickets: paid.body.tickets as { ticket_id: string }[] };
}

function refundAsOrganizer(orderId: string, key: Caller, body: Record<string, unknown> = {}) {
  return call("POST", `/api/v1/orders/${orderId}/refund`, body, key);
}

/** How many of `buyers` fresh buyers the code admits now, asked all at once (the rest: spent). */
async function redeemable(eventId: string, tierId: string, code: string, buyers: number) {
  const answers = await Promise.all(Array.from({ length: buyers }, () => register(eventId, registration(tierId, { promo_code: code }))));
  const refused = answers.filter((a) => a.status !== 201);
  expect(refused.map((a) => [a.status, a.body?.error?.code, a.body?.reason]).filter(([s, c, r]) => !(s === 409 && c === "PROMO_CODE_INVALID" && r === "spent"))).toEqual([]);
  return answers.length - refused.length;
}

/** The code's uses as its counting tier's TierInventory stores them. */
async function usesIn(countingTierId: string) {
  return runInDurableObject(inventoryOf(env, countingTierId), async (_instance, state) =>
    state.storage.sql.exec<{ status: string }>("SELECT status FROM promo_uses ORDER BY created_at").toArray().map((r) => r.status),
  );
}

describe("a fully refunded order gives its promo code's use back", () => {
  it("a 1-use code: bought, spent, refunded in full, and another buyer can use it", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 2000, capacity: 50 }]);
    const tierId = tiers[0]!.tier_id;
    await createCode(eventId, organizer.key, { code: "ONCE", percent_off: 50, max_uses: 1 });
    const first = await buyWithCode(eventId, tierId, "ONCE");
    expect(await redeemable(eventId, tierId, "ONCE", 1)).toBe(0);

    const refunded = await refundAsOrganizer(first.orderId, organizer.key, { reason: "Cannot come" });
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    expect(refunded.body.status).toBe("succeeded");
    expect((await getOrder(first.orderId, first.token)).body.status).toBe("refunded");

    const second = await buyWithCode(eventId, tierId, "once");
    expect(second.tickets).toHaveLength(1);
    expect(await redeemable(eventId, tierId, "ONCE", 1)).toBe(0);
  });

  it("a partial refund keeps the use; refunding the rest gives it back", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 2000, capacity: 50 }]);
    const tierId = tiers[0]!.tier_id;
    await createCode(eventId, organizer.key, { code: "PAIR", amount_off: 500, max_uses: 1 });
    const bought = await buyWithCode(eventId, tierId, "PAIR", 2);

    const one = await refundAsOrganizer(bought.orderId, organizer.key, { ticket_ids: [bought.tickets[0]!.ticket_id] });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    const amount = await refundAsOrganizer(bought.orderId, organizer.key, { amount: 100, idempotency_key: "part-of-the-rest" });
    expect(amount.status, JSON.stringify(amount.body)).toBe(200);
    expect((await getOrder(bought.orderId, bought.token)).body.status).toBe("partially_refunded");
    expect(await redeemable(eventId, tierId, "PAIR", 1)).toBe(0);

    const rest = await refundAsOrganizer(bought.orderId, organizer.key, { ticket_ids: [bought.tickets[1]!.ticket_id] });
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect((await getOrder(bought.orderId, bought.token)).body.status).toBe("refunded");
    expect(await redeemable(eventId, tierId, "PAIR", 1)).toBe(1);
  });

  it("a use counted apart (order for another of the code's tiers) is given back in the counting tier", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([
      { name: "Day", price: 3000, capacity: 50 },
      { name: "Evening", price: 2000, capacity: 50 },
    ]);
    const [day, evening] = tiers.map((t) => t.tier_id) as [string, string];
    await createCode(eventId, organizer.key, { code: "APART", amount_off: 500, max_uses: 1, tier_ids: [day, evening] });
    const [{ countingTierId }] = (await db().select({ countingTierId: schema.promoCodes.countingTierId }).from(schema.promoCodes).where(eq(schema.promoCodes.eventId, eventId))) as [{ countingTierId: string }];
    const otherTier = countingTierId === day ? evening : day;
    const bought = await buyWithCode(eventId, otherTier, "APART");
    expect(await redeemable(eventId, countingTierId, "APART", 1)).toBe(0);

    expect((await refundAsOrganizer(bought.orderId, organizer.key)).status).toBe(200);
    expect(await redeemable(eventId, countingTierId, "APART", 2)).toBe(1);
  });

  it("refund requests and completions racing on one order give the use back once", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 2000, capacity: 50 }]);
    const tierId = tiers[0]!.tier_id;
    await createCode(eventId, organizer.key, { code: "RACE", percent_off: 10, max_uses: 1 });
    const bought = await buyWithCode(eventId, tierId, "RACE", 2);
    const [t1, t2] = bought.tickets.map((t) => t.ticket_id) as [string, string];

    // The order's two tickets refunded by separate requests at once (each alone a partial refund),
    // beside repeats of each: together they refund the order in full.
    const requests = [{ ticket_ids: [t1] }, { ticket_ids: [t2] }, { ticket_ids: [t1] }, { ticket_ids: [t2] }, { ticket_ids: [t2, t1] }, {}];
    const answers = await inBatches(requests, 6, (body) => refundAsOrganizer(bought.orderId, organizer.key, body));
    // Each ticket refunded once: a request for an already-claimed ticket is refused, never a 5xx.
    expect(answers.filter((a) => a.status !== 200 && !(a.status === 409 && a.body.error.code === "REFUND_NOT_ALLOWED")).map((a) => [a.status, a.body])).toEqual([]);
    const refundIds = [...new Set(answers.filter((a) => a.status === 200).map((a) => a.body.refund_id as string))];
    expect(answers.filter((a) => a.status === 200).flatMap((a) => a.body.ticket_ids).sort()).toEqual(expect.arrayContaining([t1, t2].sort()));
    expect((await getOrder(bought.orderId, bought.token)).body.status).toBe("refunded");

    // The same refunds completed again at once, as the sweeper and a retried request would.
    await Promise.all(refundIds.flatMap((id) => [completeRefund(env, db(), id), completeRefund(env, db(), id)]));

    expect(await usesIn(tierId)).toEqual(["refunded"]);
    // Given back once: of six buyers at once exactly one gets it (twice would let two through).
    expect(await redeemable(eventId, tierId, "RACE", 6)).toBe(1);
  });
});

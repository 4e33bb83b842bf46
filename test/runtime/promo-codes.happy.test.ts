/**
 * Promo codes as an organizer and a buyer meet them: prices with the discount, a free order without a
 * payment, a hidden tier only a code opens, bulk codes and their CSV, revenue by code, and every way
 * a code or a request for one is refused (a stable code, never a 5xx).
 */
import { describe, expect, it } from "vitest";
import { call, fetchWorker, signUp } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";
import { createCode } from "./promo-code-helpers";

const HOUR = 3_600_000;

describe("buying with a code", () => {
  it("prices each ticket with the discount, floored at Stripe's minimum unless free, and counts the revenue by code", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 2500, capacity: 50 }]);
    const tierId = tiers[0]!.tier_id;
    await createCode(eventId, organizer.key, { code: "THIRD", percent_off: 33, max_uses: 5 });
    await createCode(eventId, organizer.key, { code: "ALMOST", amount_off: 2480, max_uses: 5 });
    await createCode(eventId, organizer.key, { code: "FREE", amount_off: 9000, max_uses: 5 });

    const third = await register(eventId, registration(tierId, { quantity: 2, promo_code: " third " }));
    expect([third.status, third.body.amount]).toEqual([201, 2 * 1675]);
    const almost = await register(eventId, registration(tierId, { promo_code: "ALMOST" }));
    expect(almost.body.amount).toBe(50); // 20 cents is under Stripe's 50-cent minimum for EUR
    const free = await register(eventId, registration(tierId, { promo_code: "FREE" }));
    expect(free.body.amount).toBe(0);

    expect((await pay(third.body.order_id, third.body.order_token)).body.status).toBe("confirmed");
    const freeOrder = await call("POST", `/api/v1/orders/${free.body.order_id}/pay`, {}, {}, { Authorization: `Bearer ${free.body.order_token}` });
    expect(freeOrder.body.status).toBe("confirmed");

    const report = await call("GET", `/api/v1/events/${eventId}/reports/promo-codes`, undefined, organizer.key);
    expect(report.status).toBe(200);
    const byCode = Object.fromEntries(report.body.rows.map((r: { code: string }) => [r.code, r]));
    expect(byCode.THIRD).toMatchObject({ orders: 1, tickets: 2, revenue: 3350, discount: 1650, refunded: 0, net: 3350 });
    expect(byCode.FREE).toMatchObject({ orders: 1, tickets: 1, revenue: 0, discount: 2500 });
    expect(byCode.ALMOST).toMatchObject({ orders: 0, revenue: 0 }); // not paid
    expect(report.body.totals).toMatchObject({ orders: 2, revenue: 3350, discount: 4150 });
  });

  it("a hidden tier is sold only with the code that unlocks it", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([
      { name: "GA", price: 2500, capacity: 50 },
      { name: "Speakers", price: 0, capacity: 20 },
    ]);
    const [ga, speakers] = tiers.map((t) => t.tier_id) as [string, string];
    await createCode(eventId, organizer.key, { code: "SPEAKER", percent_off: 0, max_uses: 20, unlocks_tier_id: speakers });
    const shown = async (query: string) => ((await call("GET", `/api/v1/events/${eventId}${query}`)).body.tiers as { tier_id: string }[]).map((t) => t.tier_id);
    expect(await shown("")).toEqual([ga]);
    expect(await shown("?promo_code=speaker")).toEqual([ga, speakers]);
    expect(await shown("?promo_code=WRONG")).toEqual([ga]);
    const without = await register(eventId, registration(speakers));
    expect([without.status, without.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const withCode = await register(eventId, registration(speakers, { promo_code: "speaker" }));
    expect([withCode.status, withCode.body.amount]).toEqual([201, 0]);
    // The code opens only the hidden tier, and the public tier still sells to everyone.
    const onGa = await register(eventId, registration(ga, { promo_code: "SPEAKER" }));
    expect([onGa.status, onGa.body.reason]).toEqual([409, "not_for_tier"]);
    expect((await register(eventId, registration(ga))).status).toBe(201);
  });
});

describe("bulk codes", () => {
  it("generates distinct codes with a prefix, lists them with their sales and exports them as CSV", async () => {
    const { eventId, organizer } = await publishedEvent([{ name: "GA", price: 2500, capacity: 50 }]);
    const made = await call("POST", `/api/v1/events/${eventId}/promo-codes`, { count: 50, prefix: "spk-", percent_off: 100, max_uses: 1 }, organizer.key);
    expect(made.status).toBe(201);
    const codes = made.body.promo_codes.map((c: { code: string }) => c.code) as string[];
    expect(codes).toHaveLength(50);
    expect(new Set(codes).size).toBe(50);
    expect(codes.every((c) => /^SPK-[A-Z2-9]{8}$/.test(c))).toBe(true);

    const listed = await call("GET", `/api/v1/events/${eventId}/promo-codes?batch_id=${made.body.batch_id}`, undefined, organizer.key);
    expect(listed.body.promo_codes).toHaveLength(50);
    expect(listed.body.promo_codes[0]).toMatchObject({ percent_off: 100, max_uses: 1, status: "active", orders: 0, revenue: 0 });

    // The CSV is not JSON: read as text.
    const response = await fetchWorker(`http://127.0.0.1/api/v1/events/${eventId}/promo-codes.csv?batch_id=${made.body.batch_id}`, { headers: { Authorization: `Bearer ${organizer.key.apiKey}` } });
    expect(response.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]).toBe("code,status,percent_off,amount_off,max_uses,valid_from,valid_until,tier_ids,unlocks_tier_id,reserves,orders,tickets,revenue,discount,refunded,batch_id");
    expect(lines.slice(1).map((l) => l.split(",")[0]).sort()).toEqual([...codes].sort());
  });
});

describe("refusals", () => {
  it("a code that is unknown, not yet valid, expired or for another tier: 409 PROMO_CODE_INVALID with its reason", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([
      { name: "A", price: 2500, capacity: 50 },
      { name: "B", price: 2500, capacity: 50 },
    ]);
    const [a, b] = tiers.map((t) => t.tier_id) as [string, string];
    const now = Date.now();
    await createCode(eventId, organizer.key, { code: "LATER", percent_off: 10, max_uses: 5, valid_from: new Date(now + HOUR).toISOString() });
    await createCode(eventId, organizer.key, { code: "GONE", percent_off: 10, max_uses: 5, valid_from: new Date(now - 2 * HOUR).toISOString(), valid_until: new Date(now - HOUR).toISOString() });
    await createCode(eventId, organizer.key, { code: "ONLYA", percent_off: 10, max_uses: 5, tier_ids: [a] });
    const reasons = await Promise.all(
      [["NOPE", a], ["LATER", a], ["GONE", a], ["ONLYA", b]].map(async ([code, tier]) => {
        const answer = await register(eventId, registration(tier!, { promo_code: code }));
        return [answer.status, answer.body.error.code, answer.body.reason];
      }),
    );
    expect(reasons).toEqual([
      [409, "PROMO_CODE_INVALID", "unknown"],
      [409, "PROMO_CODE_INVALID", "not_yet_valid"],
      [409, "PROMO_CODE_INVALID", "expired"],
      [409, "PROMO_CODE_INVALID", "not_for_tier"],
    ]);
  });

  it("a malformed or impossible code is a 400 naming the field; a taken one a 409; a reservation the tier cannot give a 409", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([
      { name: "A", price: 2500, capacity: 5 },
      { name: "B", price: 2500, capacity: 5 },
    ]);
    const [a, b] = tiers.map((t) => t.tier_id) as [string, string];
    const post = (body: unknown) => call("POST", `/api/v1/events/${eventId}/promo-codes`, body, organizer.key);
    const bad = await Promise.all([
      post({ code: "X", percent_off: 10, max_uses: 1 }),
      post({ code: "BOTH", percent_off: 10, amount_off: 100, max_uses: 1 }),
      post({ code: "NEITHER", max_uses: 1 }),
      post({ code: "PCT", percent_off: 101, max_uses: 1 }),
      post({ code: "USES", percent_off: 10, max_uses: 0 }),
      post({ code: "WINDOW", percent_off: 10, max_uses: 1, valid_from: "2030-01-02T00:00:00Z", valid_until: "2030-01-01T00:00:00Z" }),
      post({ code: "TWOTIERS", percent_off: 10, max_uses: 1, reserves: 1, tier_ids: [a, b] }),
      post({ code: "FOREIGN", percent_off: 10, max_uses: 1, tier_ids: [crypto.randomUUID()] }),
      post({ code: "AND", count: 3, percent_off: 10, max_uses: 1 }),
    ]);
    expect(bad.map((r) => [r.status, r.body.error.code])).toEqual(Array(9).fill([400, "VALIDATION_FAILED"]));

    expect((await post({ code: "TAKEN", percent_off: 10, max_uses: 1 })).status).toBe(201);
    const taken = await post({ code: "taken", percent_off: 20, max_uses: 1 });
    expect([taken.status, taken.body.error.code]).toEqual([409, "CONFLICT"]);
    const tooMany = await post({ code: "TOOMANY", percent_off: 100, max_uses: 6, reserves: 6, tier_ids: [a] });
    expect([tooMany.status, tooMany.body.error.code, tooMany.body.available]).toEqual([409, "CONFLICT", 5]);
  });

  it("another organizer's event does not exist for the caller", async () => {
    const { eventId } = await publishedEvent([{ name: "GA", price: 2500, capacity: 5 }]);
    const stranger = await signUp();
    const answers = await Promise.all([
      call("POST", `/api/v1/events/${eventId}/promo-codes`, { code: "MINE", percent_off: 10, max_uses: 1 }, stranger.key),
      call("GET", `/api/v1/events/${eventId}/promo-codes`, undefined, stranger.key),
      call("GET", `/api/v1/events/${eventId}/reports/promo-codes`, undefined, stranger.key),
      call("POST", `/api/v1/events/${eventId}/promo-codes/${crypto.randomUUID()}/cancel`, undefined, stranger.key),
    ]);
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404]);
  });
});

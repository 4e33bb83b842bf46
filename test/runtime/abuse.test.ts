/**
 * One client cannot take an event away from the people in the queue (DESIGN invariant 7): a buyer's
 * new hold replaces their old one instead of stacking, holds are capped per buyer across the event
 * and per client address, and one waiting-room pass buys one order — under concurrency too.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { inventoryOf } from "../../workers/inventory-client";
import { roomOf } from "../../workers/waiting-room-client";
import { call } from "./http";
import { uniqueName } from "./fixtures";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

const ADDRESS = { "CF-Connecting-IP": "203.0.113.200" };

function registerFrom(eventId: string, body: unknown, headers: Record<string, string> = {}) {
  return call("POST", `/api/v1/events/${eventId}/register`, body, {}, headers);
}

describe("hoarding", () => {
  it("a buyer's registrations in one tier replace each other, even twelve at once: the tier never shows more than one hold of theirs", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 40, max_per_order: 4 }]);
    const tierId = tiers[0]!.tier_id;
    const email = `${uniqueName("hoarder")}@example.test`;
    const attempts = await Promise.all(
      Array.from({ length: 12 }, () => register(eventId, registration(tierId, { quantity: 4, attendee: { email, name: "Bot" } }))),
    );
    expect(attempts.map((a) => a.status).every((s) => s === 201), JSON.stringify(attempts.map((a) => a.body))).toBe(true);
    const live = await inventoryOf(env, tierId).snapshot();
    expect(live.held).toBe(4);
    expect(live.available).toBe(36);
    const statuses = await Promise.all(attempts.map(async (a) => (await getOrder(a.body.order_id, a.body.order_token)).body.status));
    // Replaced orders are cancelled; one whose row was written just after it was replaced may still read
    // pending (its hold is gone, the sweeper ends it): whatever the ledger says, exactly one can be paid.
    expect(statuses.filter((s) => s === "cancelled").length).toBeGreaterThanOrEqual(9);
    const open = attempts.filter((_, i) => statuses[i] === "pending");
    const paid = await Promise.all(open.map((a) => pay(a.body.order_id, a.body.order_token)));
    expect(paid.filter((p) => p.status === 200)).toHaveLength(1);
    expect(paid.filter((p) => p.status !== 200).every((p) => p.status >= 400 && p.status < 500), JSON.stringify(paid.map((p) => p.status))).toBe(true);
    expect((await inventoryOf(env, tierId).snapshot()).sold).toBe(4);
    // A real buyer still gets tickets.
    expect((await register(eventId, registration(tierId, { quantity: 4 }))).status).toBe(201);
  });

  it("caps what one buyer holds across the event's tiers, answering HOLD_LIMIT_REACHED", async () => {
    const { eventId, tiers } = await publishedEvent(
      [
        { name: "A", price: 1000, capacity: 20, max_per_order: 4 },
        { name: "B", price: 1000, capacity: 20, max_per_order: 4 },
        { name: "C", price: 1000, capacity: 20, max_per_order: 4 },
      ],
      { purchase_limits: { max_held_per_buyer: 6, max_held_per_ip: 100 } },
    );
    const attendee = { email: `${uniqueName("greedy")}@example.test`, name: "Greedy" };
    expect((await register(eventId, registration(tiers[0]!.tier_id, { quantity: 3, attendee }))).status).toBe(201);
    expect((await register(eventId, registration(tiers[1]!.tier_id, { quantity: 3, attendee }))).status).toBe(201);
    const third = await register(eventId, registration(tiers[2]!.tier_id, { quantity: 1, attendee }));
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: { code: "HOLD_LIMIT_REACHED" }, scope: "buyer", limit: 6, held: 6 });
    expect((await inventoryOf(env, tiers[2]!.tier_id).snapshot()).held).toBe(0);
  });

  it("caps what one client address holds, whatever emails it uses; loopback and unknown addresses are not limited", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 50, max_per_order: 4 }], {
      purchase_limits: { max_held_per_buyer: 10, max_held_per_ip: 8 },
    });
    const tierId = tiers[0]!.tier_id;
    const answers = await Promise.all(Array.from({ length: 5 }, () => registerFrom(eventId, registration(tierId, { quantity: 4 }), ADDRESS)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.map((a) => [a.status, a.body.error.code, a.body.scope])).toEqual(Array(3).fill([429, "HOLD_LIMIT_REACHED", "client"]));
    expect((await inventoryOf(env, tierId).snapshot()).held).toBe(8);
    expect((await registerFrom(eventId, registration(tierId, { quantity: 4 }), { "CF-Connecting-IP": "127.0.0.1" })).status).toBe(201);
    expect((await registerFrom(eventId, registration(tierId, { quantity: 4 }), { "X-Forwarded-For": "203.0.113.200" })).status).toBe(201);
  });
});

describe("one waiting-room pass, one order", () => {
  it("six orders raced through one pass leave one order holding units; once paid, the pass buys nothing more", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 100, max_per_order: 4 }], {
      sales_start_at: new Date(Date.now() - 60_000).toISOString(),
      waiting_room: { enabled: true, opens_minutes_before: 120, admit_per_minute: 600, max_active_shoppers: 1000, session_minutes: 10 },
    });
    const tierId = tiers[0]!.tier_id;
    const joined = await call("POST", `/api/v1/events/${eventId}/queue`, {}, {}, { "CF-Connecting-IP": "198.51.100.23" });
    expect(joined.status).toBe(201);
    await expect
      .poll(async () => (await call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: `Bearer ${joined.body.queue_token}` })).body.access_token, { timeout: 10_000, interval: 200 })
      .toMatch(/^qa_/);
    const access = (await call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: `Bearer ${joined.body.queue_token}` })).body.access_token as string;

    // Six different buyers (emails), one pass.
    const orders = await Promise.all(Array.from({ length: 6 }, () => registerFrom(eventId, registration(tierId, { quantity: 4 }), { "X-Queue-Access": access })));
    expect(orders.every((o) => o.status === 201 || o.status === 403), JSON.stringify(orders.map((o) => o.body))).toBe(true);
    await expect.poll(async () => (await inventoryOf(env, tierId).snapshot()).held, { timeout: 10_000, interval: 200 }).toBe(4);
    const statuses = await Promise.all(orders.filter((o) => o.status === 201).map(async (o) => ({ o, status: (await getOrder(o.body.order_id, o.body.order_token)).body.status })));
    const open = statuses.filter((s) => s.status === "pending");
    expect(open).toHaveLength(1);

    expect((await pay(open[0]!.o.body.order_id, open[0]!.o.body.order_token)).status).toBe(200);
    const again = await registerFrom(eventId, registration(tierId, { quantity: 1 }), { "X-Queue-Access": access });
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ error: { code: "QUEUE_REQUIRED" }, reason: "pass_used" });
    // Paid: the shopper's slot went back to the queue.
    expect((await roomOf(env, eventId).stats()).active).toBe(0);
  });
});

describe("waitlist flooding", () => {
  it("one entry per buyer per tier, and one address cannot fill the waitlist with many emails", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 2, max_per_order: 2 }], {
      waitlist: { enabled: true, offer_minutes: 30 },
      purchase_limits: { max_held_per_buyer: 10, max_held_per_ip: 6 },
    });
    const tierId = tiers[0]!.tier_id;
    expect((await register(eventId, registration(tierId, { quantity: 2 }))).status).toBe(201);
    const join = (email: string, headers: Record<string, string> = ADDRESS) =>
      call("POST", `/api/v1/events/${eventId}/waitlist`, { tier_id: tierId, quantity: 2, attendee: { email, name: "Flood" } }, {}, headers);

    const same = `${uniqueName("same")}@example.test`;
    const repeats = await Promise.all(Array.from({ length: 10 }, () => join(same)));
    expect(new Set(repeats.filter((r) => r.status < 300).map((r) => r.body.entry_id)).size).toBe(1);

    const flood = [];
    for (let i = 0; i < 10; i++) flood.push(await join(`${uniqueName("flood")}@example.test`));
    // 2 units already waiting from this address; 6 allowed: two more entries of 2, then refused.
    expect(flood.filter((r) => r.status === 201)).toHaveLength(2);
    expect(flood.filter((r) => r.status === 429).every((r) => r.body.error.code === "HOLD_LIMIT_REACHED" && r.body.scope === "client")).toBe(true);
    expect(flood.filter((r) => r.status === 429)).toHaveLength(8);
    // Someone else still joins.
    expect((await join(`${uniqueName("fan")}@example.test`, { "CF-Connecting-IP": "198.51.100.99" })).status).toBe(201);
    expect((await inventoryOf(env, tierId).snapshot()).waiting).toBe(4);
  });
});

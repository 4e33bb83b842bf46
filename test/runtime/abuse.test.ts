/**
 * One client cannot take an event away from the people in the queue (DESIGN invariant 7): a buyer's
 * new hold replaces their old one instead of stacking, holds are capped per buyer across the event
 * and per client address, and one waiting-room pass buys one order — under concurrency too.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { HttpDatabase } from "../../db/client";
import { inventoryOf } from "../../workers/inventory-client";
import { registerOrder, type ClaimStep } from "../../workers/use-cases/register-order";
import { claimFromInventory } from "../../workers/use-cases/claim-from-inventory";
import { roomOf } from "../../workers/waiting-room-client";
import { call } from "./http";
import { db, uniqueName } from "./fixtures";
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
    // The ledger agrees as soon as every request has answered, before any sweeper: one pending order,
    // and its hold is the live one. Every order's row is written before its hold is asked for, so the
    // request whose hold replaced another always finds that order and ends it.
    const pending = await db().execute<{ id: string; hold_id: string }>(sql`SELECT id, hold_id FROM orders WHERE tier_id = ${tierId} AND status = 'pending'`);
    expect(pending.rows).toHaveLength(1);
    expect(await inventoryOf(env, tierId).holdStatus(pending.rows[0]!.hold_id)).toBe("active");
    const statuses = await Promise.all(attempts.map(async (a) => (await getOrder(a.body.order_id, a.body.order_token)).body.status));
    expect(statuses.filter((s) => s === "pending")).toHaveLength(1);
    expect(statuses.filter((s) => s === "cancelled")).toHaveLength(11);
    // What each request answered is never ahead of the ledger: an order answered cancelled stays so.
    attempts.forEach((a, i) => a.body.status === "cancelled" && expect(statuses[i]).toBe("cancelled"));
    const paid = await Promise.all(attempts.map((a) => pay(a.body.order_id, a.body.order_token)));
    expect(paid.filter((p) => p.status === 200).map((p) => p.body.order_id)).toEqual([pending.rows[0]!.id]);
    expect(paid.filter((p) => p.status !== 200).every((p) => p.status >= 400 && p.status < 500), JSON.stringify(paid.map((p) => p.status))).toBe(true);
    expect((await inventoryOf(env, tierId).snapshot()).sold).toBe(4);
    // A real buyer still gets tickets.
    expect((await register(eventId, registration(tierId, { quantity: 4 }))).status).toBe(201);
  });

  it("an order written but not yet held when the buyer's next registration holds: its later hold replaces that one, and that order ends", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 20, max_per_order: 4 }]);
    const tierId = tiers[0]!.tier_id;
    // Someone else buys first, so the tier is set up.
    expect((await register(eventId, registration(tierId))).status).toBe(201);
    const attendee = { email: `${uniqueName("racer")}@example.test`, name: "Racer" };
    // The interleaving made certain: the first registration writes its order row, then waits before
    // asking for its hold while the same buyer's second registration writes and holds.
    const ledger = db();
    let written!: () => void;
    let letGo!: () => void;
    const arrived = new Promise<void>((resolve) => (written = resolve));
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    let paused = false;
    const gated = new Proxy(ledger, {
      get(target, prop, receiver) {
        if (prop !== "execute" || paused) return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<HttpDatabase["execute"]>) => {
          paused = true;
          const result = await target.execute(...args);
          written();
          await gate;
          return result;
        };
      },
    });
    const claim: ClaimStep = (runtime, _db, context) => claimFromInventory(runtime, gated, context);
    const first = registerOrder(env, ledger, eventId, { tier_id: tierId, quantity: 2, idempotency_key: uniqueName("first"), attendee }, new Date(), undefined, claim);
    await arrived;
    const second = await register(eventId, registration(tierId, { quantity: 3, attendee }));
    expect(second.status).toBe(201);
    expect(second.body.status).toBe("pending");
    letGo();
    const later = await first;
    expect(later.created).toBe(true);
    expect(later.body.status).toBe("pending");

    // The second order's row was there before the first hold replaced its hold, so it ended then.
    const pending = await ledger.execute<{ id: string; hold_id: string }>(sql`SELECT id, hold_id FROM orders WHERE tier_id = ${tierId} AND status = 'pending'`);
    expect(pending.rows.map((r) => r.id)).not.toContain(second.body.order_id);
    expect(pending.rows.map((r) => r.id)).toContain(later.body.order_id);
    for (const row of pending.rows) expect(await inventoryOf(env, tierId).holdStatus(row.hold_id)).toBe("active");
    expect((await inventoryOf(env, tierId).snapshot()).held).toBe(1 + 2);
    expect((await getOrder(second.body.order_id, second.body.order_token)).body.status).toBe("cancelled");
    expect((await pay(second.body.order_id, second.body.order_token)).status).toBeLessThan(500);
    expect((await pay(later.body.order_id, later.body.order_token)).status).toBe(200);
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

  it("register's join_waitlist on a sold-out tier applies the same per-address cap as the waitlist route", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 2, max_per_order: 2 }], {
      waitlist: { enabled: true, offer_minutes: 30 },
      purchase_limits: { max_held_per_buyer: 10, max_held_per_ip: 6 },
    });
    const tierId = tiers[0]!.tier_id;
    expect((await register(eventId, registration(tierId, { quantity: 2 }))).status).toBe(201);
    const answers = [];
    // One at a time, so the tier is known sold out for some (the cached answer) and asked for the first.
    for (let i = 0; i < 6; i++) answers.push(await registerFrom(eventId, registration(tierId, { quantity: 2, join_waitlist: true }), ADDRESS));
    const joined = answers.filter((a) => a.status === 409);
    expect(joined.map((a) => [a.body.error.code, typeof a.body.waitlist_position])).toEqual(Array(3).fill(["SOLD_OUT", "number"]));
    const refused = answers.filter((a) => a.status !== 409);
    expect(refused.map((a) => [a.status, a.body.error.code, a.body.scope])).toEqual(Array(3).fill([429, "HOLD_LIMIT_REACHED", "client"]));
    expect((await inventoryOf(env, tierId).snapshot()).waiting).toBe(3);
    // Another address still gets a place.
    const other = await registerFrom(eventId, registration(tierId, { quantity: 2, join_waitlist: true }), { "CF-Connecting-IP": "198.51.100.98" });
    expect([other.status, other.body.error.code, typeof other.body.waitlist_position]).toEqual([409, "SOLD_OUT", "number"]);
  });
});

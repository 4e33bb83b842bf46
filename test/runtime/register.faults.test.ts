/**
 * Register when a step fails halfway (workers/use-cases/claim-from-inventory.ts: the pending order row
 * first, then the hold named after it). Whatever fails, no unit stays held for an order that is not
 * there, no order that holds nothing can be sold, and a retry with the same key tries again.
 * The faults are injected around the real TierInventory and the real Postgres: a hold that lands but
 * whose answer is lost, a ledger write after the hold that fails, and a Worker that stops between the
 * row and the hold (its clean-up never runs).
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { HttpDatabase } from "../../db/client";
import { orderToken } from "../../workers/auth/order-tokens";
import { inventoryOf } from "../../workers/inventory-client";
import { claimFromInventory } from "../../workers/use-cases/claim-from-inventory";
import { registerOrder, type RegisterInput } from "../../workers/use-cases/register-order";
import { sweepOverdueOrders } from "../../workers/use-cases/sweep-orders";
import { db, uniqueName } from "./fixtures";
import { getOrder, pay, publishedEvent, register, registration, seatRow } from "./purchase-helpers";

/** `env` whose TierInventory stubs run `hold` through `wrap` (everything else as it is). */
function withHold(wrap: (hold: (request: unknown) => Promise<unknown>, request: unknown) => Promise<unknown>): Env {
  const namespace = env.TIER_INVENTORY as unknown as { getByName(name: string): Record<string, (...args: unknown[]) => Promise<unknown>> };
  const faulty = {
    getByName(name: string) {
      const stub = namespace.getByName(name);
      return new Proxy(stub, {
        get(target, prop) {
          if (prop === "hold") return (request: unknown) => wrap((r) => target.hold!(r), request);
          return target[prop as string];
        },
      });
    },
  };
  return new Proxy(env, { get: (target, prop) => (prop === "TIER_INVENTORY" ? faulty : (target as unknown as Record<string | symbol, unknown>)[prop]) }) as Env;
}

/** `db` whose raw statements (`execute`) starting with text matching `fails` throw instead of running. */
function failing(fails: (start: string) => boolean): HttpDatabase {
  const ledger = db();
  return new Proxy(ledger, {
    get(target, prop, receiver) {
      if (prop !== "execute") return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<HttpDatabase["execute"]>) => {
        // The statement's first piece of text (drizzle's sql`` keeps it as its first chunk).
        const first = (args[0] as unknown as { queryChunks: { value?: string[] }[] }).queryChunks[0]?.value?.join("") ?? "";
        if (fails(first.trim())) throw new Error(`injected failure: ${first.trim().slice(0, 40)}`);
        return target.execute(...args);
      };
    },
  });
}

async function ordersOfKey(tierId: string, idempotencyKey: string) {
  return (await db().execute<{ id: string; status: string; hold_id: string }>(sql`SELECT id, status, hold_id FROM orders WHERE tier_id = ${tierId} AND idempotency_key = ${idempotencyKey}`)).rows;
}

async function gaTier(capacity = 10) {
  const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2000, capacity, max_per_order: 4 }]);
  const tierId = tiers[0]!.tier_id;
  // Someone buys first, so the tier's TierInventory is set up before any fault.
  expect((await register(eventId, registration(tierId))).status).toBe(201);
  return { eventId, tierId };
}

describe("register failing halfway", () => {
  it("a hold that landed but whose answer was lost: the hold is given back and the row deleted; the retry holds once", async () => {
    const { eventId, tierId } = await gaTier();
    const input = registration(tierId, { quantity: 3 }) as RegisterInput;
    const lost = withHold(async (hold, request) => {
      await hold(request);
      throw new Error("injected: the hold's answer was lost");
    });
    await expect(registerOrder(lost, db(), eventId, input, new Date(), undefined, claimFromInventory)).rejects.toThrow(/answer was lost/);
    expect(await ordersOfKey(tierId, input.idempotency_key)).toEqual([]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 1, sold: 0 });

    const retried = await register(eventId, input);
    expect(retried.status).toBe(201);
    expect((await ordersOfKey(tierId, input.idempotency_key)).map((o) => o.status)).toEqual(["pending"]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 1 + 3 });
    expect((await pay(retried.body.order_id, retried.body.order_token)).status).toBe(200);
  });

  it("a ledger write after the hold fails (best available's seats onto the items): no seat stays held, no row stays", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "Stalls", price: 3000, seats: seatRow("A", 6) }]);
    const tierId = tiers[0]!.tier_id;
    expect((await register(eventId, registration(tierId, { quantity: 1, seats: ["A6"] }))).status).toBe(201);
    const input = registration(tierId, { quantity: 2, best_available: true }) as RegisterInput;
    const broken = failing((start) => /^with numbered/i.test(start));
    await expect(registerOrder(env, broken, eventId, input, new Date(), undefined, claimFromInventory)).rejects.toThrow(/injected failure/);
    expect(await ordersOfKey(tierId, input.idempotency_key)).toEqual([]);
    expect(await inventoryOf(env, tierId).seatStatuses()).toEqual({ A1: "available", A2: "available", A3: "available", A4: "available", A5: "available", A6: "held" });

    // Without the fault the same request holds two seats, and paying issues tickets for exactly those.
    const retried = await register(eventId, input);
    expect(retried.status).toBe(201);
    expect(retried.body.seats).toHaveLength(2);
    const paid = await pay(retried.body.order_id, retried.body.order_token);
    expect(paid.status).toBe(200);
    expect(paid.body.tickets.map((t: { seat: string }) => t.seat).sort()).toEqual([...retried.body.seats].sort());
  });

  it("a refused hold leaves no order behind, so the same key can try again", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "Stalls", price: 3000, seats: seatRow("A", 4) }]);
    const tierId = tiers[0]!.tier_id;
    expect((await register(eventId, registration(tierId, { quantity: 1, seats: ["A1"] }))).status).toBe(201);
    const input = registration(tierId, { quantity: 2, seats: ["A1", "A2"] });
    const taken = await register(eventId, input);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: { code: "SEAT_UNAVAILABLE" }, seats: ["A1"] });
    expect(await ordersOfKey(tierId, input.idempotency_key)).toEqual([]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 1 });
  });

  it("a Worker that stops between the row and the hold: the order holds nothing, cannot be sold, and the sweeper expires it", async () => {
    const { eventId, tierId } = await gaTier(4);
    const input = registration(tierId, { quantity: 2 }) as RegisterInput;
    // The hold never reaches TierInventory, and the clean-up's delete never reaches Postgres: what a
    // Worker that died right after writing the row leaves.
    const neverHeld = withHold(async () => {
      throw new Error("injected: the Worker stopped before the hold");
    });
    const noCleanUp = failing((start) => /^delete from orders/i.test(start));
    await expect(registerOrder(neverHeld, noCleanUp, eventId, input, new Date(), undefined, claimFromInventory)).rejects.toThrow(/stopped before the hold/);
    const [left] = await ordersOfKey(tierId, input.idempotency_key);
    expect(left).toMatchObject({ status: "pending" });
    expect(await inventoryOf(env, tierId).holdStatus(left!.hold_id)).toBe("unknown");
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 1, available: 3 });

    // Paying it sells nothing: TierInventory never placed its hold, so the charge is refunded.
    const token = await orderToken(env.SIGNING_MASTER_KEY, left!.id);
    const paid = await pay(left!.id, token);
    expect(paid.status).toBe(410);
    expect(paid.body).toMatchObject({ error: { code: "HOLD_EXPIRED" }, refunded: true });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 0, held: 1, available: 3 });

    // An order like it that nobody pays: the sweeper expires it once its hold time has passed.
    const other = registration(tierId, { quantity: 1 }) as RegisterInput;
    await expect(registerOrder(neverHeld, noCleanUp, eventId, other, new Date(), undefined, claimFromInventory)).rejects.toThrow(/stopped before the hold/);
    const [stale] = await ordersOfKey(tierId, other.idempotency_key);
    // Overdue since long before any other test's order, so the sweep's oldest-first batch takes it.
    await db().execute(sql`UPDATE orders SET hold_expires_at = '2001-01-01T00:00:00Z' WHERE id = ${stale!.id}`);
    await sweepOverdueOrders(env, db(), new Date());
    expect((await getOrder(stale!.id, await orderToken(env.SIGNING_MASTER_KEY, stale!.id))).body.status).toBe("expired");
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 1, available: 3 });
  });
});

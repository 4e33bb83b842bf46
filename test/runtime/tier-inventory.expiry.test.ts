/**
 * TierInventory remembers its tier row, its waiting count, a floor under its holds' expiries and the
 * alarm it set, and skips the reads and the alarm write they make unnecessary
 * (durable-objects/tier-inventory-store.ts, tier-inventory-steps.ts). A mistake there leaves a hold
 * that never expires, sells a unit twice or sells past its expiry, so this drives the object directly
 * with seeded rounds of concurrent holds (buyers replacing their own holds, chosen seats), sales and
 * releases, restarts of the object between rounds, and alarms run early, and checks after
 * every round against its rows: the tier's counts are its holds', capacity is never passed, no seat is
 * in two holds, and the alarm is set no later than the earliest active expiry. At the end every hold
 * has expired (only by its alarm, when it is due) or was sold, and no sale was made of a hold whose
 * expiry had passed when it was asked for.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { TierInventory } from "../../durable-objects/tier-inventory";
import { seededRandom } from "../seeded-random";

type Stub = DurableObjectStub<TierInventory>;

const CAPACITY = 24;
const SEATS = Array.from({ length: CAPACITY }, (_, i) => ({ label: `A${i + 1}`, section: "A", row: "A", number: i + 1, x: i, y: 0, accessible: false }));

/** What the object's rows say, read inside it (never through its memory). */
async function rowsOf(stub: Stub) {
  return runInDurableObject(stub, async (_instance, state) => {
    const sql = state.storage.sql;
    const tier = sql.exec<{ capacity: number; sold: number; held: number }>("SELECT capacity, sold, held FROM tier").one();
    const active = sql.exec<{ n: number; units: number; earliest: number | null }>("SELECT count(*) AS n, coalesce(sum(quantity), 0) AS units, min(expires_at) AS earliest FROM holds WHERE status = 'active'").one();
    const confirmed = sql.exec<{ units: number }>("SELECT coalesce(sum(quantity), 0) AS units FROM holds WHERE status = 'confirmed'").one();
    const seats = sql.exec<{ status: string; n: number }>("SELECT status, count(*) AS n FROM seats GROUP BY status").toArray();
    // A held or sold seat belongs to exactly one hold of that status.
    const strays = sql.exec<{ n: number }>(
      `SELECT count(*) AS n FROM seats s WHERE s.status <> 'available' AND NOT EXISTS
         (SELECT 1 FROM holds h WHERE h.hold_id = s.hold_id AND h.status = CASE s.status WHEN 'held' THEN 'active' ELSE 'confirmed' END)`,
    ).one().n;
    return { tier, active, confirmedUnits: confirmed.units, seats: Object.fromEntries(seats.map((r) => [r.status, r.n])), strays, alarm: await state.storage.getAlarm() };
  });
}

async function checkInvariants(stub: Stub, kind: "general_admission" | "seated") {
  let rows = await rowsOf(stub);
  // While an alarm's handler runs the runtime shows no alarm; the handler sets the next one as it ends.
  for (let waits = 0; rows.alarm === null && rows.active.n > 0 && waits < 200; waits++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    rows = await rowsOf(stub);
  }
  expect(rows.tier.held).toBe(rows.active.units);
  expect(rows.tier.sold).toBe(rows.confirmedUnits);
  expect(rows.tier.sold + rows.tier.held).toBeLessThanOrEqual(CAPACITY);
  if (kind === "seated") {
    expect(rows.seats.held ?? 0).toBe(rows.tier.held);
    expect(rows.seats.sold ?? 0).toBe(rows.tier.sold);
    expect(rows.strays).toBe(0);
  }
  // Every active hold will expire: the alarm is set, no later than the earliest expiry.
  if (rows.active.n > 0) {
    expect(rows.alarm).not.toBeNull();
    expect(rows.alarm!).toBeLessThanOrEqual(rows.active.earliest!);
  }
  return rows;
}

/** Restarts the object (its memory is gone) and answers a new stub: the old one stays broken. */
async function restart(stub: Stub, name: string): Promise<Stub> {
  await expect(runInDurableObject(stub, (_instance, state) => state.abort("restart for the test"))).rejects.toThrow();
  return env.TIER_INVENTORY.getByName(name) as unknown as Stub;
}

describe("TierInventory's remembered state", () => {
  it.each(["general_admission", "seated"] as const)("lets every %s hold expire or be sold, never past capacity or its expiry, across restarts and early alarms", async (kind) => {
    const random = seededRandom(inject("testSeed"), `tier-inventory expiry ${kind}`);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const name = `expiry-${kind}-${crypto.randomUUID()}`;
    let stub = env.TIER_INVENTORY.getByName(name) as unknown as Stub;
    const configured = await stub.configure({ tierId: "t", eventId: "e", kind, capacity: CAPACITY, ...(kind === "seated" ? { seats: SEATS } : {}) });
    expect(configured).toEqual({ ok: true });

    const placed = new Map<string, { expiresAt: number }>();
    const sold = new Set<string>();
    /** When a sale of each hold was first asked for: a sale is made before the hold's expiry or never. */
    const firstAsked = new Map<string, number>();
    let next = 0;
    for (let round = 0; round < 10; round++) {
      // At most 8 calls at once (the pool's limit), mixed: holds (buyers replacing their own), sales, releases.
      const calls = Array.from({ length: 8 }, async () => {
        const roll = random();
        const known = [...placed.keys()];
        if (roll < 0.6 || known.length === 0) {
          const holdId = `h${next++}`;
          // Short expiries, some already close, so holds run out between and during rounds.
          const expiresAt = Date.now() + 150 + Math.floor(random() * 2_500);
          const quantity = 1 + Math.floor(random() * 3);
          const seats = kind === "seated" ? Array.from(new Set(Array.from({ length: quantity }, () => pick(SEATS).label))) : undefined;
          const buyer = random() < 0.7 ? { buyer: `buyer-${Math.floor(random() * 4)}`, client: null, maxHeldPerBuyer: 6, maxHeldPerClient: 30 } : undefined;
          const outcome = await stub.hold({ holdId, quantity: seats?.length ?? quantity, seats, expiresAt, buyer });
          if (outcome.ok) placed.set(holdId, { expiresAt });
          return;
        }
        const holdId = pick(known);
        if (roll < 0.85) {
          const askedAt = Date.now();
          firstAsked.set(holdId, Math.min(firstAsked.get(holdId) ?? askedAt, askedAt));
          const outcome = await stub.confirm(holdId);
          if (outcome.ok) sold.add(holdId);
        } else {
          await stub.release(holdId);
        }
      });
      await Promise.all(calls);
      // Evicted or restarted between calls: its memory is gone, its rows and its alarm stay.
      if (random() < 0.4) stub = await restart(stub, name);
      // An alarm run early (as after a retry) must leave the next one set as well.
      if (random() < 0.3) await runDurableObjectAlarm(stub);
      await checkInvariants(stub, kind);
    }

    // Now only time passes: the alarm, run when it is due (as the runtime would), ends every hold.
    for (let waits = 0; ; waits++) {
      const rows = await checkInvariants(stub, kind);
      if (rows.active.n === 0) break;
      expect(waits).toBeLessThan(600);
      if (rows.alarm !== null && rows.alarm <= Date.now()) await runDurableObjectAlarm(stub);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const holdId of sold) expect(firstAsked.get(holdId)!).toBeLessThan(placed.get(holdId)!.expiresAt);
    const end = await rowsOf(stub);
    expect(end.tier.held).toBe(0);
    expect(end.tier.sold).toBe(end.confirmedUnits);
    const snapshot = await stub.snapshot();
    expect(snapshot).toMatchObject({ held: 0, sold: end.tier.sold, available: CAPACITY - end.tier.sold });
    console.log(`${kind}: ${next} holds asked, ${placed.size} placed, ${sold.size} sold (${end.tier.sold} units)`);
  });
});

describe("TierInventory's hold, counted", () => {
  it("makes 3 SQLite statements for a steady hold (the holds lookup, the tier's update, the insert), and reads again after a restart", async () => {
    const name = `count-${crypto.randomUUID()}`;
    let stub = env.TIER_INVENTORY.getByName(name) as unknown as Stub;
    await stub.configure({ tierId: "t", eventId: "e", kind: "general_admission", capacity: 100 });
    /** Counts the statements the object's storage runs while `step` runs. */
    const counted = async (step: () => Promise<unknown>) => {
      const statements: string[] = [];
      await runInDurableObject(stub, (_instance, state) => {
        const sql = state.storage.sql;
        const exec = sql.exec.bind(sql);
        Object.defineProperty(sql, "exec", { configurable: true, value: (query: string, ...bindings: SqlStorageValue[]) => (statements.push(query), exec(query, ...bindings)) });
      });
      await step();
      await runInDurableObject(stub, (_instance, state) => void delete (state.storage.sql as { exec?: unknown }).exec);
      return statements;
    };
    const hold = (i: number, expiresIn: number) => stub.hold({ holdId: `c${i}`, quantity: 1, expiresAt: Date.now() + expiresIn, buyer: { buyer: `b${i}`, client: null, maxHeldPerBuyer: 10, maxHeldPerClient: 30 } });
    await hold(0, 3_600_000);
    // Later expiries than the alarm: nothing about the alarm is read or written.
    for (let i = 1; i <= 3; i++) {
      const statements = await counted(() => hold(i, 3_600_000 + i * 1_000));
      expect(statements).toHaveLength(3);
    }
    // A hold that expires before the alarm moves it (and reads the earliest expiry to do so).
    expect((await counted(() => hold(9, 1_800_000))).some((q) => q.includes("min(expires_at)"))).toBe(true);
    // A restarted object knows nothing and reads what it needs once.
    stub = await restart(stub, name);
    expect((await counted(() => hold(10, 3_600_000))).length).toBeGreaterThan(3);
    expect(await counted(() => hold(11, 3_600_000))).toHaveLength(3);
    expect(await stub.snapshot()).toMatchObject({ held: 7, sold: 0 });

    // A sale and a release of general admission touch no seat row, and ask after the waitlist offer by its index.
    for (const step of [() => stub.confirm("c1"), () => stub.release("c2")]) {
      const statements = await counted(step);
      expect(statements.filter((q) => /\b(UPDATE|FROM|INTO)\s+seats\b/.test(q))).toEqual([]);
      expect(statements.some((q) => q.includes("offer_hold_id"))).toBe(true);
    }
    expect(await stub.snapshot()).toMatchObject({ held: 5, sold: 1 });
    const plan = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT * FROM waitlist WHERE offer_hold_id = ? AND status = 'offered'", "c1").toArray().map((r) => r.detail).join("; "),
    );
    expect(plan).toContain("waitlist_offered_hold");
  });
});

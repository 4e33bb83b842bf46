/**
 * Every Durable Object binding in wrangler.toml resolves to a SQLite-backed class that answers RPC,
 * and its storage schema is migrated once, however often the object starts.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrateStorage } from "../../durable-objects/schema-migrations";

describe("Durable Object bindings", () => {
  it.each([
    ["WAITING_ROOM", "WaitingRoom"],
    ["WAITING_ROOM_SHARD", "WaitingRoomShard"],
    ["TIER_INVENTORY", "TierInventory"],
    ["EVENT_LIVE", "EventLive"],
  ] as const)("%s answers RPC as %s with its schema migrated", async (binding, kind) => {
    const stub = env[binding].getByName("event-1") as unknown as DurableObjectStub & {
      describe(): Promise<{ kind: string; schema_version: number }>;
    };
    const described = await stub.describe();
    expect(described.kind).toBe(kind);
    expect(described.schema_version).toBeGreaterThanOrEqual(1);
  });

  it("runs each storage migration exactly once, however often it is asked", async () => {
    const stub = env.TIER_INVENTORY.getByName("migration-check");
    await runInDurableObject(stub, async (_instance, state) => {
      const steps = ["CREATE TABLE a (x INTEGER)", "CREATE TABLE b (y INTEGER)"];
      const sql = state.storage.sql;
      // Start from a storage that has never been migrated, as a brand-new object would.
      sql.exec("DROP TABLE _schema_version");
      expect(migrateStorage(sql, steps)).toBe(2);
      expect(migrateStorage(sql, steps)).toBe(2);
      expect(migrateStorage(sql, [...steps, "ALTER TABLE a ADD COLUMN z TEXT"])).toBe(3);
      const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('a')").toArray().map((r) => r.name);
      expect(columns).toEqual(["x", "z"]);
    });
  });
});

describe("TierInventory holds", () => {
  it("answers a repeated hold with the first result, and treats a hold asked again after release as a fresh claim", async () => {
    const stub = env.TIER_INVENTORY.getByName(`tier-${crypto.randomUUID()}`) as unknown as DurableObjectStub<import("../../durable-objects/tier-inventory").TierInventory>;
    await stub.configure({ tierId: "t", eventId: "e", kind: "general_admission", capacity: 3 });
    const request = { holdId: "h1", quantity: 2, expiresAt: Date.now() + 60_000 };
    const first = await stub.hold(request);
    expect(first).toMatchObject({ ok: true, hold: { quantity: 2 } });
    expect(await stub.hold(request)).toEqual(first);
    expect(await stub.snapshot()).toMatchObject({ held: 2, available: 1 });
    expect(await stub.hold({ holdId: "h2", quantity: 2, expiresAt: Date.now() + 60_000 })).toEqual({ ok: false, code: "sold_out", available: 1 });

    expect(await stub.release("h1")).toEqual({ ok: true, released: true });
    expect(await stub.release("h1")).toEqual({ ok: true, released: false });
    expect(await stub.snapshot()).toMatchObject({ held: 0, available: 3 });
    expect(await stub.hold(request)).toMatchObject({ ok: true, hold: { quantity: 2 } });
    expect(await stub.snapshot()).toMatchObject({ held: 2, available: 1 });

    expect(await stub.confirm("h1")).toMatchObject({ ok: true });
    expect(await stub.confirm("h1")).toMatchObject({ ok: true });
    expect(await stub.release("h1")).toEqual({ ok: false, code: "already_sold" });
    expect(await stub.snapshot()).toMatchObject({ sold: 2, held: 0, available: 1 });
  });
});

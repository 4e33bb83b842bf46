/**
 * The Worker's two ways into Postgres, from inside workerd through the local Neon proxy: drizzle
 * over HTTP (neon-http) and interactive transactions over a WebSocket Pool (neon-serverless).
 */
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inTransaction } from "../../db/client";
import * as schema from "../../db/schema";
import { databaseSettings } from "../../workers/config";
import { db, insertEvent, insertOrganizer } from "./fixtures";

const settings = () => databaseSettings(env);

describe("drizzle over HTTP", () => {
  it("writes and reads rows", async () => {
    const organizer = await insertOrganizer();
    const [read] = await db().select().from(schema.organizers).where(eq(schema.organizers.id, organizer.id));
    expect(read?.email).toBe(organizer.email);
  });

  it("reports constraint violations with Postgres' code and constraint name", async () => {
    const organizer = await insertOrganizer();
    const { tiers } = await insertEvent(organizer.id, { tiers: [{ name: "GA", price: 100, capacity: 2 }] });
    const failure = await db()
      .update(schema.ticketTiers)
      .set({ soldCount: 3 })
      .where(eq(schema.ticketTiers.id, tiers[0]!.id))
      .then(() => undefined, (e: unknown) => e as { cause?: { code?: string; constraint?: string } });
    expect(failure?.cause).toMatchObject({ code: "23514", constraint: "ticket_tiers_sold_within_capacity" });
  });
});

describe("transactions over the WebSocket pool", () => {
  it("commits all or nothing", async () => {
    const organizer = await insertOrganizer();
    const { tiers } = await insertEvent(organizer.id, { tiers: [{ name: "GA", price: 100, capacity: 5 }] });
    const tierId = tiers[0]!.id;

    await inTransaction(settings(), async (tx) => {
      await tx.update(schema.ticketTiers).set({ soldCount: 2 }).where(eq(schema.ticketTiers.id, tierId));
    });
    await expect(
      inTransaction(settings(), async (tx) => {
        await tx.update(schema.ticketTiers).set({ soldCount: 4 }).where(eq(schema.ticketTiers.id, tierId));
        throw new Error("abort after the write");
      }),
    ).rejects.toThrow("abort after the write");

    const [tier] = await db().select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId));
    expect(tier?.soldCount).toBe(2);
  });

  it("serializes concurrent claims with SELECT … FOR UPDATE: never past capacity", async () => {
    const organizer = await insertOrganizer();
    const { tiers } = await insertEvent(organizer.id, { tiers: [{ name: "GA", price: 100, capacity: 7 }] });
    const tierId = tiers[0]!.id;

    const claim = () =>
      inTransaction(settings(), async (tx) => {
        const [row] = await tx.select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId)).for("update");
        if (!row || row.soldCount >= row.capacity) return false;
        await tx.update(schema.ticketTiers).set({ soldCount: sql`${schema.ticketTiers.soldCount} + 1` }).where(eq(schema.ticketTiers.id, tierId));
        return true;
      });
    const results = await Promise.all(Array.from({ length: 12 }, claim));

    expect(results.filter(Boolean)).toHaveLength(7);
    const [tier] = await db().select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId));
    expect(tier?.soldCount).toBe(7);
  });
});

describe("the check-in log", () => {
  it("refuses to rewrite history", async () => {
    const organizer = await insertOrganizer();
    const { event } = await insertEvent(organizer.id);
    const [device] = await db().insert(schema.scannerDevices).values({ eventId: event.id, name: "Door 1", tokenHash: crypto.randomUUID() }).returning();
    const [row] = await db()
      .insert(schema.checkins)
      .values({ eventId: event.id, deviceId: device!.id, nonce: "n1", result: "admitted", scannedAt: new Date() })
      .returning();
    const failure = await db()
      .delete(schema.checkins)
      .where(eq(schema.checkins.id, row!.id))
      .then(() => undefined, (e: unknown) => e as { cause?: { code?: string } });
    expect(failure?.cause?.code).toBe("42501");
  });
});

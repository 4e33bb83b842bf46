/**
 * Reconciliation shown: a tier whose TierInventory and ledger disagree becomes a finding the
 * organizer reads on the event (`GET .../reconciliation`), counted across runs, and closed by the
 * first run that finds them agreeing again. A surplus in TierInventory shows only once it persists.
 */
import { env } from "cloudflare:workers";
import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { reconcileInventory } from "../../workers/use-cases/reconcile-inventory";
import { db } from "./fixtures";
import { call, signUp } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";

describe("reconciliation findings", () => {
  it("shows a ledger ahead of its inventory on the event until a run finds them agreeing", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: 20 }]);
    const tierId = tiers[0]!.tier_id;
    const registered = await register(eventId, registration(tierId, { quantity: 3 }));
    expect((await pay(registered.body.order_id, registered.body.order_token)).status).toBe(200);
    const path = `/api/v1/events/${eventId}/reconciliation`;

    await reconcileInventory(env, db(), new Date(), { eventIds: [eventId] });
    expect((await call("GET", path, undefined, organizer.key)).body).toEqual({ event_id: eventId, findings: [] });

    // A ticket the inventory never sold (written by hand): the ledger is ahead, shown at once.
    const [ticket] = await db().insert(schema.tickets).values({ orderId: registered.body.order_id, eventId, tierId, attendeeName: "Nobody" }).returning();
    await reconcileInventory(env, db(), new Date(), { eventIds: [eventId] });
    await reconcileInventory(env, db(), new Date(), { eventIds: [eventId] });
    const shown = await call("GET", path, undefined, organizer.key);
    expect(shown.status).toBe(200);
    expect(shown.body.findings).toEqual([
      {
        finding_id: expect.any(String),
        tier_id: tierId,
        tier_name: "GA",
        kind: "ledger_ahead",
        detail: { inventory_sold: 3, ledger_tickets: 4 },
        runs: 2,
        found_at: expect.stringMatching(/Z$/),
        last_seen_at: expect.stringMatching(/Z$/),
      },
    ]);

    // The stray ticket revoked: the next run closes the finding.
    await db().update(schema.tickets).set({ status: "revoked", revokedAt: new Date() }).where(eq(schema.tickets.id, ticket!.id));
    await reconcileInventory(env, db(), new Date(), { eventIds: [eventId] });
    expect((await call("GET", path, undefined, organizer.key)).body.findings).toEqual([]);
    const rows = await db().select().from(schema.reconciliationFindings).where(eq(schema.reconciliationFindings.tierId, tierId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.resolvedAt).toBeInstanceOf(Date);

    // Only the event's organizer sees it.
    expect((await call("GET", path, undefined, (await signUp()).key)).status).toBe(404);
    expect((await call("GET", path)).status).toBe(401);
  });

  it("shows an inventory ahead of the ledger only once two runs in a row saw it", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: 20 }]);
    const tierId = tiers[0]!.tier_id;
    const registered = await register(eventId, registration(tierId, { quantity: 2 }));
    expect((await pay(registered.body.order_id, registered.body.order_token)).status).toBe(200);
    // One of the two tickets gone from the ledger without TierInventory hearing of it.
    const [ticket] = await db().select().from(schema.tickets).where(and(eq(schema.tickets.tierId, tierId), isNull(schema.tickets.revokedAt))).limit(1);
    await db().update(schema.tickets).set({ status: "revoked", revokedAt: new Date() }).where(eq(schema.tickets.id, ticket!.id));
    const path = `/api/v1/events/${eventId}/reconciliation`;

    await reconcileInventory(env, db(), new Date(), { eventIds: [eventId] });
    expect((await call("GET", path, undefined, organizer.key)).body.findings).toEqual([]);
    await reconcileInventory(env, db(), new Date(), { eventIds: [eventId] });
    expect((await call("GET", path, undefined, organizer.key)).body.findings).toEqual([
      expect.objectContaining({ tier_id: tierId, kind: "inventory_ahead", detail: { inventory_sold: 2, ledger_tickets: 1 }, runs: 2 }),
    ]);
  });
});

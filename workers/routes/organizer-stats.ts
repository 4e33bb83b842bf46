/**
 * GET /events/:eventId/stats: live units from each tier's TierInventory (the source of truth while
 * it sells), money and attendance from the ledger.
 */
import { Hono } from "hono";
import { z } from "zod";
import { findOwnedEvent, tiersOfEvent } from "../../db/queries/organizer-events";
import { checkedInCount, refundedTotal, revenueByTier, waitingCount } from "../../db/queries/stats";
import { currentOrganizer, requireOrganizer } from "../auth/organizer-auth";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { configureInventory, inventoryOf } from "../inventory-client";

export const organizerStatsRoutes = new Hono<AppEnv>().get("/:eventId/stats", requireOrganizer, async (c) => {
  const eventId = c.req.param("eventId");
  const db = c.get("db");
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(db, eventId, currentOrganizer(c).id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  const [tiers, revenue, refunded, checkedIn, waitlist] = await Promise.all([
    tiersOfEvent(db, event.id),
    revenueByTier(db, event.id),
    refundedTotal(db, event.id),
    checkedInCount(db, event.id),
    waitingCount(db, event.id),
  ]);
  const tierStats = await Promise.all(
    tiers.map(async (tier) => {
      let live = await inventoryOf(c.env, tier.id).snapshot();
      if (!live.configured && event.status !== "draft") {
        await configureInventory(c.env, db, event.id, tier.id);
        live = await inventoryOf(c.env, tier.id).snapshot();
      }
      const sold = live.configured ? live.sold : tier.soldCount;
      const held = live.configured ? live.held : 0;
      return { tier_id: tier.id, name: tier.name, capacity: tier.capacity, sold, held, available: Math.max(0, tier.capacity - sold - held), revenue: revenue.get(tier.id) ?? 0 };
    }),
  );
  return c.json({
    event_id: event.id,
    currency: event.currency,
    tiers: tierStats,
    revenue: tierStats.reduce((sum, t) => sum + t.revenue, 0),
    refunded,
    checked_in: checkedIn,
    waitlist,
    // The waiting room lands with its own issue; until then nobody queues.
    queue: { waiting: 0, admitted: 0 },
  });
});

/**
 * GET /events/:eventId/stats: live units from each tier's TierInventory (the source of truth while
 * it sells), money and attendance from the ledger.
 */
import { Hono } from "hono";
import { z } from "zod";
import { findOwnedEvent, tiersOfEvent } from "../../db/queries/organizer-events";
import { refundedTotal, revenueByTier, waitingCount } from "../../db/queries/stats";
import { ensureMainList, gateCounts, listsOfEvent } from "../../db/queries/door";
import { attendanceOf } from "../use-cases/attendance";
import { currentOrganizer, requireOrganizer } from "../auth/organizer-auth";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { configureInventory, inventoryOf } from "../inventory-client";
import { roomOf, roomSettingsOf } from "../waiting-room-client";
import type { EventRow } from "../../db/queries/catalog";

/** The waiting room's counts, when the event has one (its object is created by the first arrival). */
async function queueFigures(env: Env, event: EventRow) {
  if (!roomSettingsOf(event).enabled) return { waiting: 0, admitted: 0, active: 0 };
  const stats = await roomOf(env, event.id).stats();
  return { waiting: stats.waiting, admitted: stats.admitted, active: stats.active };
}

export const organizerStatsRoutes = new Hono<AppEnv>().get("/:eventId/stats", requireOrganizer, async (c) => {
  const eventId = c.req.param("eventId");
  const db = c.get("db");
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(db, eventId, currentOrganizer(c).id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  const [tiers, revenue, refunded, waitlist, main, gates] = await Promise.all([
    tiersOfEvent(db, event.id),
    revenueByTier(db, event.id),
    refundedTotal(db, event.id),
    waitingCount(db, event.id),
    ensureMainList(db, event.id),
    gateCounts(db, event.id),
  ]);
  const [attendance, lists] = await Promise.all([attendanceOf(c.env, db, event.id), listsOfEvent(db, event.id)]);
  const tierStats = await Promise.all(
    tiers.map(async (tier) => {
      let live = await inventoryOf(c.env, tier.id).snapshot();
      if (!live.configured && event.status !== "draft") {
        await configureInventory(c.env, db, event.id, tier.id);
        live = await inventoryOf(c.env, tier.id).snapshot();
      }
      const sold = live.configured ? live.sold : tier.soldCount;
      const held = live.configured ? live.held : 0;
      return {
        tier_id: tier.id,
        name: tier.name,
        capacity: tier.capacity,
        sold,
        held,
        available: Math.max(0, tier.capacity - sold - held),
        revenue: revenue.get(tier.id) ?? 0,
        checked_in: attendance.byTier.get(tier.id)?.[main.id] ?? 0,
      };
    }),
  );
  return c.json({
    event_id: event.id,
    currency: event.currency,
    tiers: tierStats,
    revenue: tierStats.reduce((sum, t) => sum + t.revenue, 0),
    refunded,
    // Attendance counts the main entrance; other lists (a workshop room) are listed on their own.
    checked_in: attendance.byList.get(main.id) ?? 0,
    checkin_lists: lists.map((l) => ({ checkin_list_id: l.id, name: l.name, main: l.isMain, checked_in: attendance.byList.get(l.id) ?? 0 })),
    gates: gates.map((g) => ({ device_id: g.deviceId, name: g.name, scans: g.scans, admitted: g.admitted, conflicts: g.conflicts })),
    waitlist,
    queue: await queueFigures(c.env, event),
  });
});

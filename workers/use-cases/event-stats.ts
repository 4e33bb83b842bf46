/**
 * The organizer's live figures for one event, as GET /stats answers and EventLive pushes them: units
 * from each tier's TierInventory (the source of truth while it sells), money and attendance from the
 * ledger, the queue from the waiting room.
 */
import type { HttpDatabase } from "../../db/client";
import type { EventRow } from "../../db/queries/catalog";
import { ensureMainList, gateCounts, listsOfEvent } from "../../db/queries/door";
import { tiersOfEvent } from "../../db/queries/organizer-events";
import { openFindingsOfEvent } from "../../db/queries/reconciliation";
import { paceOfEvent, refundedTotal, revenueByTier, waitingCount } from "../../db/queries/stats";
import { configureInventory, inventoryOf } from "../inventory-client";
import { roomOf, roomSettingsOf } from "../waiting-room-client";

/** The waiting room's counts, when the event has one (its object is created by the first arrival). */
async function queueFigures(env: Env, event: EventRow) {
  const settings = roomSettingsOf(event);
  if (!settings.enabled) return { waiting: 0, admitted: 0, active: 0, admitted_last_minute: 0, released: 0, coordinator_calls: null, estimated_clear_seconds: 0 };
  const stats = await roomOf(env, event.id).stats();
  return {
    waiting: stats.waiting,
    admitted: stats.admitted,
    active: stats.active,
    admitted_last_minute: stats.admitted_last_minute,
    released: stats.released,
    // What reached the room's coordinator object since it started (joins go to its shards): for the load test.
    coordinator_calls: { lends: stats.lends, seals: stats.seals, views: stats.views, claims: stats.claims },
    // At the configured pace; the active-shopper cap and sell-out can only make it shorter or moot.
    estimated_clear_seconds: settings.admitPerMinute > 0 ? Math.ceil((stats.waiting / settings.admitPerMinute) * 60) : null,
  };
}

export async function eventStats(env: Env, db: HttpDatabase, event: EventRow) {
  const [tiers, revenue, refunded, waitlist, main, gates, lists, pace, queue, findings] = await Promise.all([
    tiersOfEvent(db, event.id),
    revenueByTier(db, event.id),
    refundedTotal(db, event.id),
    waitingCount(db, event.id),
    ensureMainList(db, event.id),
    gateCounts(db, event.id),
    listsOfEvent(db, event.id),
    paceOfEvent(db, event.id),
    queueFigures(env, event),
    openFindingsOfEvent(db, event.id),
  ]);
  const byList = new Map<string, number>();
  const tierStats = await Promise.all(
    tiers.map(async (tier) => {
      let live = await inventoryOf(env, tier.id).snapshot();
      if (!live.configured && event.status !== "draft") {
        await configureInventory(env, db, event.id, tier.id);
        live = await inventoryOf(env, tier.id).snapshot();
      }
      for (const [listId, n] of Object.entries(live.checked_in)) byList.set(listId, (byList.get(listId) ?? 0) + n);
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
        checked_in: live.checked_in[main.id] ?? 0,
        waitlist_units: live.waiting_units,
      };
    }),
  );
  return {
    event_id: event.id,
    currency: event.currency,
    tiers: tierStats,
    revenue: tierStats.reduce((sum, t) => sum + t.revenue, 0),
    refunded,
    // Attendance counts the main entrance; other lists (a workshop room) are listed on their own.
    checked_in: byList.get(main.id) ?? 0,
    checkin_lists: lists.map((l) => ({ checkin_list_id: l.id, name: l.name, main: l.isMain, checked_in: byList.get(l.id) ?? 0 })),
    gates: gates.map((g) => ({ device_id: g.deviceId, name: g.name, scans: g.scans, admitted: g.admitted, conflicts: g.conflicts, scans_per_minute: g.lastMinute })),
    waitlist,
    waitlist_offers_out: pace.offers_out,
    hold_to_paid: { ended: pace.holds_ended, paid: pace.holds_paid, ratio: pace.holds_ended > 0 ? pace.holds_paid / pace.holds_ended : null },
    // released (people let in) and coordinator_calls (what reached the room's coordinator object) are for load:waiting-room.
    queue: { waiting: queue.waiting, admitted: queue.admitted, active: queue.active, released: queue.released, estimated_clear_seconds: queue.estimated_clear_seconds, coordinator_calls: queue.coordinator_calls },
    // What the reconciliation cron found TierInventory and the ledger disagreeing on, until they agree again.
    reconciliation: { ok: findings.length === 0, findings },
    rates: { orders_per_minute: pace.orders_last_minute, admitted_per_minute: queue.admitted_last_minute, scans_per_minute: pace.scans_last_minute },
  };
}

export type EventStats = Awaited<ReturnType<typeof eventStats>>;

/** Tickets admitted per check-in list, summed over the event's tiers (each tier's TierInventory holds its own). */
export async function checkedInByList(env: Env, db: HttpDatabase, eventId: string): Promise<Map<string, number>> {
  const tiers = await tiersOfEvent(db, eventId);
  const byList = new Map<string, number>();
  for (const counts of await Promise.all(tiers.map((t) => inventoryOf(env, t.id).checkedIn()))) {
    for (const [listId, n] of Object.entries(counts)) byList.set(listId, (byList.get(listId) ?? 0) + n);
  }
  return byList;
}

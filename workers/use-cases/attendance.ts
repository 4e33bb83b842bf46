/**
 * Who is in: each tier's TierInventory holds the admitted tickets per check-in list (the truth while
 * the doors are open); the ledger's log has the history. Counts here come from the objects.
 */
import type { HttpDatabase } from "../../db/client";
import { tiersOfEvent } from "../../db/queries/organizer-events";
import { inventoryOf } from "../inventory-client";

/** Tickets admitted per list and per tier, summed over the event's tiers. */
export async function attendanceOf(env: Env, db: HttpDatabase, eventId: string): Promise<{ byList: Map<string, number>; byTier: Map<string, Record<string, number>> }> {
  const tiers = await tiersOfEvent(db, eventId);
  const perTier = await Promise.all(tiers.map(async (t) => [t.id, await inventoryOf(env, t.id).checkedIn()] as const));
  const byList = new Map<string, number>();
  for (const [, counts] of perTier) {
    for (const [listId, n] of Object.entries(counts)) byList.set(listId, (byList.get(listId) ?? 0) + n);
  }
  return { byList, byTier: new Map(perTier) };
}

export async function checkedInByList(env: Env, db: HttpDatabase, eventId: string): Promise<Map<string, number>> {
  return (await attendanceOf(env, db, eventId)).byList;
}

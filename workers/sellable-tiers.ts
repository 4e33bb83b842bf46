/**
 * The event and tier a registration is for, remembered by this isolate for a moment. At sale open
 * thousands of requests ask for the same two rows; a two-second memory turns those reads into one
 * per isolate. The cost: a price edit or a cancellation takes up to two seconds to reach new
 * registrations (payment always uses the price recorded on the order).
 */
import type { HttpDatabase } from "../db/client";
import { findPublishedEvent, listTiersOfEvents, type EventRow, type TierRow } from "../db/queries/catalog";

const TTL_MS = 2_000;
const MAX_ENTRIES = 500;

interface Entry {
  at: number;
  value: Promise<{ event: EventRow; tiers: TierRow[] } | undefined>;
}

const remembered = new Map<string, Entry>();

export async function sellableEvent(db: HttpDatabase, eventId: string, now: number): Promise<{ event: EventRow; tiers: TierRow[] } | undefined> {
  const hit = remembered.get(eventId);
  if (hit && now - hit.at < TTL_MS) return hit.value;
  const value = (async () => {
    const event = await findPublishedEvent(db, eventId);
    return event ? { event, tiers: await listTiersOfEvents(db, [event.id]) } : undefined;
  })();
  if (remembered.size >= MAX_ENTRIES) remembered.delete(remembered.keys().next().value!);
  remembered.set(eventId, { at: now, value });
  // A failed read must not be remembered.
  value.catch(() => remembered.delete(eventId));
  return value;
}

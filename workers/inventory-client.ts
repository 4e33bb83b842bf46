/**
 * The Worker's side of TierInventory: the stub for a tier, set up on first use from the ledger,
 * and a short-lived "sold out" flag in the edge cache so a flood of late buyers is answered here
 * instead of all queuing at one object.
 */
import { eq } from "drizzle-orm";
import { listTiersOfEvents } from "../db/queries/catalog";
import { events } from "../db/schema";
import { seatsOfTiers } from "../db/queries/organizer-events";
import { inStageFrame } from "./domain/seat-map-stage";
import type { HttpDatabase } from "../db/client";
import type { TierInventory } from "../durable-objects/tier-inventory";

const SOLD_OUT_SECONDS = 2;

export function inventoryOf(env: Env, tierId: string): DurableObjectStub<TierInventory> {
  return (env.TIER_INVENTORY as unknown as DurableObjectNamespace<TierInventory>).getByName(tierId);
}

const configuring = new Map<string, Promise<void>>();

/**
 * Loads the tier (and its seats) from Postgres into its TierInventory. Safe to repeat; concurrent
 * calls in one isolate share one load, so the first burst on an unconfigured tier reads it once.
 */
export function configureInventory(env: Env, db: HttpDatabase, eventId: string, tierId: string): Promise<void> {
  const running = configuring.get(tierId);
  if (running) return running;
  const load = loadInventory(env, db, eventId, tierId).finally(() => configuring.delete(tierId));
  configuring.set(tierId, load);
  return load;
}

async function loadInventory(env: Env, db: HttpDatabase, eventId: string, tierId: string): Promise<void> {
  const tier = (await listTiersOfEvents(db, [eventId])).find((t) => t.id === tierId);
  if (!tier) throw new Error(`tier ${tierId} of event ${eventId} not found while configuring its inventory`);
  const seats = tier.kind === "seated" ? await seatsOfTiers(db, [tier.id]) : [];
  const [event] = await db.select({ waitlist: events.waitlist }).from(events).where(eq(events.id, eventId)).limit(1);
  const outcome = await inventoryOf(env, tierId).configure({
    tierId: tier.id,
    eventId,
    kind: tier.kind,
    capacity: tier.capacity,
    // The object keeps seat positions only to rank best available, so it gets them measured from
    // the stage (nearest row first); the map attendees see keeps the organizer's coordinates.
    seats: inStageFrame(seats.map(({ label, section, row, number, x, y, accessible }) => ({ label, section, row, number, x, y, accessible })), tier.stage),
    waitlist: waitlistSettings(event?.waitlist),
  });
  if (!outcome.ok) throw new Error(`inventory of tier ${tierId} refused its configuration: ${outcome.code}`);
}

const soldOutKey = (tierId: string) => new Request(`https://inventory.admit-one.internal/sold-out/${tierId}`);

/**
 * When this isolate last got units of each tier. For a moment after, the shared flag is not asked:
 * it almost surely says "not sold out", and a cache lookup per registration is what a sale at full
 * speed would otherwise pay for nothing. The flag is only a shortcut — TierInventory decides every
 * hold — so skipping it costs at most one call that TierInventory answers with SOLD_OUT itself.
 */
const unitsHeldAt = new Map<string, number>();
const UNITS_HELD_MS = 1_000;
const MAX_REMEMBERED = 1_000;

export async function isKnownSoldOut(tierId: string, now = Date.now()): Promise<boolean> {
  const heldAt = unitsHeldAt.get(tierId);
  if (heldAt !== undefined && now - heldAt < UNITS_HELD_MS) return false;
  return (await caches.default.match(soldOutKey(tierId))) !== undefined;
}

/** A hold (or the classic claim) got units of this tier just now. */
export function noteUnitsHeld(tierId: string, now = Date.now()): void {
  unitsHeldAt.delete(tierId);
  if (unitsHeldAt.size >= MAX_REMEMBERED) unitsHeldAt.delete(unitsHeldAt.keys().next().value!);
  unitsHeldAt.set(tierId, now);
}

export async function rememberSoldOut(tierId: string): Promise<void> {
  unitsHeldAt.delete(tierId);
  await caches.default.put(soldOutKey(tierId), new Response("sold out", { headers: { "Cache-Control": `max-age=${SOLD_OUT_SECONDS}` } }));
}

/** The event's `waitlist` column as TierInventory takes it. */
export function waitlistSettings(value: unknown): { enabled: boolean; offerMinutes: number } {
  const settings = (value ?? {}) as { enabled?: boolean; offer_minutes?: number };
  return { enabled: settings.enabled === true, offerMinutes: settings.offer_minutes ?? 30 };
}

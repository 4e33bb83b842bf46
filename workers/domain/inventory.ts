/**
 * A tier's units and seats: what a hold, a sale, a release, a return, an expiry or closing the tier
 * decides, as pure functions over the tier's state. TierInventory (durable-objects/) loads the state,
 * asks here, stores the changes returned and answers with the outcome, all in one serialized step.
 * Holding is in ./inventory-hold.ts, the waitlist's part (who gets freed units) in ./waitlist.ts, and
 * the state, requests, outcomes and changes they share in ./inventory-state.ts (re-exported here).
 *
 * The rules that hold across every function:
 * - sold + held never exceeds capacity; a seat is in at most one live hold or sale.
 * - While anyone waits on the waitlist, free units are the waitlist's: nobody else can hold them.
 * - A hold is named by its caller, so a retried hold, confirm or release answers as the first did.
 * - An offer to a waitlist entry is a hold in the entry's name; when that hold ends unsold (released
 *   or expired) the entry's offer is used up.
 */
import { endEntry, free, freeHold, presentHold } from "./inventory-state";
import type {
  ConfigureOutcome,
  ConfirmOutcome,
  Decision,
  EntryState,
  HoldState,
  InventoryChange,
  InventorySnapshot,
  ReleaseOutcome,
  ReturnOutcome,
  ReturnRequest,
  TierSetup,
  TierState,
} from "./inventory-state";

export * from "./inventory-state";
export { holdUnits } from "./inventory-hold";

/**
 * Creates the tier or brings it up to date. Capacity never drops below what is sold or held; seats
 * held or sold stay even when the new map leaves them out, so no buyer loses a seat to an edit.
 * @param seatStatuses every seat the tier has now (only needed for a seated setup with seats)
 */
export function configureTier(tier: TierState | undefined, setup: TierSetup, seatStatuses: { label: string; status: string }[]): Decision<ConfigureOutcome> {
  const capacity = setup.kind === "seated" ? (setup.seats?.length ?? 0) : setup.capacity;
  const changes: InventoryChange[] = [];
  if (!tier) {
    changes.push({ type: "tier_created", tierId: setup.tierId, eventId: setup.eventId, kind: setup.kind, capacity });
  } else {
    const committed = tier.sold + tier.held;
    if (capacity < committed) return { outcome: { ok: false, code: "capacity_below_committed", committed }, changes: [] };
    changes.push({ type: "capacity_set", capacity });
  }
  if (setup.waitlist) changes.push({ type: "waitlist_set", enabled: setup.waitlist.enabled, offerMinutes: setup.waitlist.offerMinutes });
  if (setup.kind === "seated" && setup.seats) {
    const wanted = new Set(setup.seats.map((s) => s.label));
    const removed = seatStatuses.filter((s) => s.status === "available" && !wanted.has(s.label)).map((s) => s.label);
    changes.push({ type: "seats_set", seats: setup.seats, removed });
  }
  return { outcome: { ok: true }, changes };
}

/**
 * Turns a live hold into a sale; a hold that expired or was released cannot be sold.
 * @param offeredEntry the waitlist entry whose offer this hold is, if it is one
 */
export function confirmHold(tier: TierState, hold: HoldState | undefined, offeredEntry: EntryState | undefined, now: number): Decision<ConfirmOutcome> {
  if (!hold) return { outcome: { ok: false, code: "unknown_hold" }, changes: [] };
  if (hold.status === "confirmed") return { outcome: { ok: true, hold: presentHold(hold) }, changes: [] };
  if (hold.status !== "active") return { outcome: { ok: false, code: "hold_expired" }, changes: [] };
  const changes: InventoryChange[] = [{ type: "hold_sold", holdId: hold.holdId, quantity: hold.quantity, seats: hold.seats }];
  if (offeredEntry) changes.push(...endEntry(tier, offeredEntry, "purchased", now));
  return { outcome: { ok: true, hold: presentHold({ ...hold, status: "confirmed" }) }, changes };
}

/** Gives held units back (payment declined, order abandoned). Releasing twice is harmless. */
export function releaseHold(tier: TierState, hold: HoldState | undefined, offeredEntry: EntryState | undefined, now: number): Decision<ReleaseOutcome> {
  if (hold?.status === "confirmed") return { outcome: { ok: false, code: "already_sold" }, changes: [] };
  if (hold?.status !== "active") return { outcome: { ok: true, released: false }, changes: [] };
  return { outcome: { ok: true, released: true }, changes: freeHold(tier, hold, "released", offeredEntry, now) };
}

/** Ends every overdue hold; `offeredEntries` are the entries whose offers some of them are. */
export function expireHolds(tier: TierState, overdue: HoldState[], offeredEntries: EntryState[], now: number): InventoryChange[] {
  return overdue.flatMap((hold) => freeHold(tier, hold, "expired", offeredEntries.find((e) => e.offerHoldId === hold.holdId), now));
}

/**
 * Sold units come back (a refund): the tier sells fewer and the seats are free again (the object
 * then offers them to the waitlist before anyone else can ask).
 * @param soldSeats which of the seats named by the request are sold now
 */
export function returnSold(tier: TierState, alreadyReturned: boolean, request: ReturnRequest, soldSeats: string[], now: number): Decision<ReturnOutcome> {
  const refuse = (message: string): Decision<ReturnOutcome> => ({ outcome: { ok: false, code: "invalid", message }, changes: [] });
  if (alreadyReturned) return { outcome: { ok: true, returned: false }, changes: [] };
  const seats = [...new Set(request.seats ?? [])];
  if (tier.kind === "seated") {
    if (seats.length !== request.quantity) return refuse("a seated return names each seat once");
    if (seats.some((s) => !soldSeats.includes(s))) return refuse("only sold seats can be returned");
  }
  if (!Number.isInteger(request.quantity) || request.quantity < 1 || request.quantity > tier.sold) {
    return refuse(`quantity must be between 1 and the ${tier.sold} units sold`);
  }
  return { outcome: { ok: true, returned: true }, changes: [{ type: "units_returned", returnId: request.returnId, quantity: request.quantity, seats, at: now }] };
}

/**
 * Stops selling for good (the event was cancelled): waiting entries end, open offers are withdrawn.
 * Holds already taken stay until their orders are settled.
 * @param openEntries entries waiting or offered, in join order, with the holds of their offers
 */
export function closeTier(tier: TierState, openEntries: { entry: EntryState; offer: HoldState | undefined }[], now: number): InventoryChange[] {
  const changes: InventoryChange[] = [{ type: "tier_closed" }];
  for (const { entry, offer } of openEntries) {
    changes.push(...endEntry(tier, entry, "expired", now, "event_cancelled"));
    if (offer?.status === "active") changes.push(...freeHold(tier, offer, "released", undefined, now));
  }
  return changes;
}

/**
 * The tier's numbers as the platform reads them.
 * @param publicTier the tier as a buyer without a code may draw from (smaller by what promo codes
 *   keep for their holders, ./promo-redemption.ts): what it keeps is available to nobody else
 */
export function presentSnapshot(tier: TierState | undefined, waiting: { entries: number; units: number }, checkedIn: Record<string, number>, publicTier: TierState | undefined = tier): InventorySnapshot {
  if (!tier) return { configured: false, capacity: 0, sold: 0, held: 0, available: 0, waiting: 0, waiting_units: 0, checked_in: checkedIn };
  return {
    configured: true,
    capacity: tier.capacity,
    sold: tier.sold,
    held: tier.held,
    available: tier.closed || waiting.entries > 0 ? 0 : Math.min(free(tier), free(publicTier ?? tier)),
    waiting: waiting.entries,
    waiting_units: waiting.units,
    checked_in: checkedIn,
  };
}

/**
 * A tier's units and seats: what a hold, a sale, a release, a return, an expiry or closing the tier
 * decides, as pure functions over the tier's state. TierInventory (durable-objects/) loads the state,
 * asks here, stores the changes returned and answers with the outcome, all in one serialized step.
 * The waitlist's part (who gets freed units) is in ./waitlist.ts.
 *
 * The rules that hold across every function:
 * - sold + held never exceeds capacity; a seat is in at most one live hold or sale.
 * - While anyone waits on the waitlist, free units are the waitlist's: nobody else can hold them.
 * - A hold is named by its caller, so a retried hold, confirm or release answers as the first did.
 * - An offer to a waitlist entry is a hold in the entry's name; when that hold ends unsold (released
 *   or expired) the entry's offer is used up.
 */
import type { WaitlistNotice } from "../messages";
import { chooseBestAvailable, type SeatState } from "./best-available";
import { planReplacement, type HoldBuyer, type HoldLimitRefusal } from "./buyer-limits";

export type TierKind = "general_admission" | "seated";

export interface TierState {
  tierId: string;
  eventId: string;
  kind: TierKind;
  capacity: number;
  sold: number;
  held: number;
  waitlistEnabled: boolean;
  offerMinutes: number;
  closed: boolean;
}

export type HoldStatus = "active" | "confirmed" | "released" | "expired";

export interface HoldState {
  holdId: string;
  quantity: number;
  seats: string[];
  status: HoldStatus;
  expiresAt: number;
  /** Who holds it (workers/domain/buyer-limits.ts); null for waitlist offers and older holds. */
  buyer?: string | null;
  client?: string | null;
}

export type WaitlistStatus = "waiting" | "offered" | "purchased" | "expired" | "left";

export interface EntryState {
  entryId: string;
  seq: number;
  quantity: number;
  status: WaitlistStatus;
  passOvers: number;
  offerHoldId: string | null;
  offerExpiresAt: number | null;
}

export interface SeatSetup {
  label: string;
  section: string;
  row: string;
  number: number;
  x: number;
  y: number;
  accessible: boolean;
}

export interface TierSetup {
  tierId: string;
  eventId: string;
  kind: TierKind;
  capacity: number;
  seats?: SeatSetup[];
  waitlist?: { enabled: boolean; offerMinutes: number };
}

export interface HoldRequest {
  holdId: string;
  quantity: number;
  seats?: string[];
  bestAvailable?: boolean;
  accessible?: boolean;
  expiresAt: number;
  buyer?: HoldBuyer;
}

export interface HeldUnits {
  hold_id: string;
  quantity: number;
  seats: string[];
  expires_at: number;
  status: "active" | "confirmed";
}

export type HoldOutcome =
  /** `replaced`: the buyer's earlier holds in this tier that this one took the place of. */
  | { ok: true; hold: HeldUnits; replaced?: string[] }
  | HoldLimitRefusal
  | { ok: false; code: "not_configured" }
  | { ok: false; code: "sold_out"; available: number }
  | { ok: false; code: "seat_unavailable"; seats: string[] }
  | { ok: false; code: "invalid"; message: string }
  | { ok: false; code: "closed" };

export type ConfigureOutcome = { ok: true } | { ok: false; code: "capacity_below_committed"; committed: number };
export type ConfirmOutcome = { ok: true; hold: HeldUnits } | { ok: false; code: "hold_expired" | "unknown_hold" };
export type ReleaseOutcome = { ok: true; released: boolean } | { ok: false; code: "already_sold" };

export interface ReturnRequest {
  /** Names the return (e.g. the refund id): returning twice under one name returns once. */
  returnId: string;
  quantity: number;
  seats?: string[];
}

export type ReturnOutcome = { ok: true; returned: boolean } | { ok: false; code: "invalid"; message: string };

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
/** A notice for the rest of the platform; the object numbers it when it stores it. */
export type UnnumberedNotice = DistributiveOmit<WaitlistNotice, "notice_seq">;

/** What a decision asks the object to store, in order. */
export type InventoryChange =
  | { type: "tier_created"; tierId: string; eventId: string; kind: TierKind; capacity: number }
  | { type: "capacity_set"; capacity: number }
  | { type: "waitlist_set"; enabled: boolean; offerMinutes: number }
  | { type: "seats_set"; seats: SeatSetup[]; removed: string[] }
  /** Replaces any earlier hold of that name: its seats become held, the tier's held count grows. */
  | { type: "hold_placed"; hold: HoldState; createdAt: number }
  | { type: "hold_forgotten"; holdId: string }
  | { type: "hold_sold"; holdId: string; quantity: number }
  | { type: "hold_freed"; holdId: string; quantity: number; status: "released" | "expired" }
  | { type: "units_returned"; returnId: string; quantity: number; seats: string[]; at: number }
  | { type: "entry_joined"; entryId: string; seq: number; quantity: number; at: number; client: string | null }
  | { type: "entry_passed_over"; entryId: string; times: number }
  | { type: "entry_offered"; entryId: string; holdId: string; expiresAt: number; at: number }
  | { type: "entry_ended"; entryId: string; status: Exclude<WaitlistStatus, "waiting" | "offered">; at: number }
  | { type: "tier_closed" }
  | { type: "notice"; notice: UnnumberedNotice };

export interface Decision<Outcome> {
  outcome: Outcome;
  changes: InventoryChange[];
}

export const free = (tier: TierState): number => tier.capacity - tier.sold - tier.held;

export function presentHold(hold: HoldState): HeldUnits {
  return {
    hold_id: hold.holdId,
    quantity: hold.quantity,
    seats: hold.seats,
    expires_at: hold.expiresAt,
    status: hold.status === "confirmed" ? "confirmed" : "active",
  };
}

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
 * Holds units (or seats) for a buyer until `expiresAt`.
 * @param previous the hold already stored under this name, if any
 * @param waiting how many waitlist entries are waiting
 * @param seats for a seated tier: the seats asked for by label, or every seat for best available
 */
export function holdUnits(
  tier: TierState,
  previous: HoldState | undefined,
  request: HoldRequest,
  waiting: number,
  seats: SeatState[],
  now: number,
  others: { buyerHolds: HoldState[]; clientHolds: HoldState[] } = { buyerHolds: [], clientHolds: [] },
): Decision<HoldOutcome> {
  if (previous?.status === "active" || previous?.status === "confirmed") return { outcome: { ok: true, hold: presentHold(previous) }, changes: [] };
  if (tier.closed) return { outcome: { ok: false, code: "closed" }, changes: [] };
  // A hold that expired or was given back already returned its units; asking again under the same
  // name (a retry whose order was never written) is a fresh claim, not a second one.
  const changes: InventoryChange[] = previous ? [{ type: "hold_forgotten", holdId: request.holdId }] : [];
  const refuse = (outcome: HoldOutcome): Decision<HoldOutcome> => ({ outcome, changes });
  if (!Number.isInteger(request.quantity) || request.quantity < 1) return refuse({ ok: false, code: "invalid", message: "quantity must be a positive integer" });
  if (request.expiresAt <= now) return refuse({ ok: false, code: "invalid", message: "a hold must expire in the future" });
  const { replaced, refusal } = planReplacement(request, others.buyerHolds, others.clientHolds);
  if (refusal) return refuse(refusal);

  // While anyone waits, free units are the waitlist's (the step that freed them has already
  // offered what fits; the rest is set aside for the head of the queue). A buyer replacing their
  // own hold may take back what they held, and no more.
  const ownUnits = replaced.reduce((sum, h) => sum + h.quantity, 0);
  const ownSeats = new Set(replaced.flatMap((h) => h.seats));
  const available = (waiting > 0 ? 0 : free(tier)) + ownUnits;
  let chosen: string[] = [];
  if (tier.kind === "seated") {
    if (available === 0 && waiting > 0) return refuse({ ok: false, code: "sold_out", available: 0 });
    const choice = chooseSeats(request, ownSeats.size > 0 ? seats.map((s) => (ownSeats.has(s.label) ? { ...s, available: true } : s)) : seats, available);
    if (!choice.ok) return refuse(choice.outcome);
    chosen = choice.seats;
  } else if (request.seats?.length) {
    return refuse({ ok: false, code: "invalid", message: "this tier is general admission: it has no seats to choose" });
  } else if (request.quantity > available) {
    return refuse({ ok: false, code: "sold_out", available });
  }
  const hold: HoldState = {
    holdId: request.holdId,
    quantity: tier.kind === "seated" ? chosen.length : request.quantity,
    seats: chosen,
    status: "active",
    expiresAt: request.expiresAt,
    buyer: request.buyer?.buyer ?? null,
    client: request.buyer?.client ?? null,
  };
  // The old holds go first, so sold + held never passes capacity even for a moment.
  for (const old of replaced) changes.push(...freeHold(tier, old, "released", undefined, now));
  changes.push({ type: "hold_placed", hold, createdAt: now });
  return { outcome: { ok: true, hold: presentHold(hold), ...(replaced.length > 0 ? { replaced: replaced.map((h) => h.holdId) } : {}) }, changes };
}

function chooseSeats(request: HoldRequest, seats: SeatState[], available: number): { ok: true; seats: string[] } | { ok: false; outcome: HoldOutcome } {
  if (request.seats?.length) {
    const labels = [...new Set(request.seats)];
    if (labels.length !== request.quantity) {
      return { ok: false, outcome: { ok: false, code: "invalid", message: "quantity must equal the number of distinct seats chosen" } };
    }
    const free = new Set(seats.filter((s) => s.available).map((s) => s.label));
    const taken = labels.filter((l) => !free.has(l));
    return taken.length > 0 ? { ok: false, outcome: { ok: false, code: "seat_unavailable", seats: taken } } : { ok: true, seats: labels };
  }
  if (!request.bestAvailable) {
    return { ok: false, outcome: { ok: false, code: "invalid", message: "a seated tier needs chosen seats or best_available" } };
  }
  if (request.quantity > available) return { ok: false, outcome: { ok: false, code: "sold_out", available } };
  const best = chooseBestAvailable(seats, { quantity: request.quantity, accessible: request.accessible });
  return best ? { ok: true, seats: best } : { ok: false, outcome: { ok: false, code: "seat_unavailable", seats: [] } };
}

/**
 * Turns a live hold into a sale; a hold that expired or was released cannot be sold.
 * @param offeredEntry the waitlist entry whose offer this hold is, if it is one
 */
export function confirmHold(tier: TierState, hold: HoldState | undefined, offeredEntry: EntryState | undefined, now: number): Decision<ConfirmOutcome> {
  if (!hold) return { outcome: { ok: false, code: "unknown_hold" }, changes: [] };
  if (hold.status === "confirmed") return { outcome: { ok: true, hold: presentHold(hold) }, changes: [] };
  if (hold.status !== "active") return { outcome: { ok: false, code: "hold_expired" }, changes: [] };
  const changes: InventoryChange[] = [{ type: "hold_sold", holdId: hold.holdId, quantity: hold.quantity }];
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
 * A hold ends unsold. An offer that ran out or was given back (a declined payment) is used up, so
 * its entry ends and the next entry's turn comes.
 */
export function freeHold(tier: TierState, hold: HoldState, status: "released" | "expired", offeredEntry: EntryState | undefined, now: number): InventoryChange[] {
  const changes: InventoryChange[] = [{ type: "hold_freed", holdId: hold.holdId, quantity: hold.quantity, status }];
  if (offeredEntry) changes.push(...endEntry(tier, offeredEntry, "expired", now));
  return changes;
}

export function endEntry(tier: TierState, entry: EntryState, status: Exclude<WaitlistStatus, "waiting" | "offered">, now: number, reason?: string): InventoryChange[] {
  return [
    { type: "entry_ended", entryId: entry.entryId, status, at: now },
    { type: "notice", notice: { type: "waitlist.ended", event_id: tier.eventId, tier_id: tier.tierId, entry_id: entry.entryId, status, ...(reason ? { reason } : {}) } },
  ];
}

export interface InventorySnapshot {
  configured: boolean;
  capacity: number;
  sold: number;
  held: number;
  /** What a buyer outside the waitlist can take now (0 while anyone waits: free units are theirs). */
  available: number;
  /** Waitlist entries waiting for an offer, and the units they ask for. */
  waiting: number;
  waiting_units: number;
  /** Tickets admitted at the door now, per check-in list. */
  checked_in: Record<string, number>;
}

export function presentSnapshot(tier: TierState | undefined, waiting: { entries: number; units: number }, checkedIn: Record<string, number>): InventorySnapshot {
  if (!tier) return { configured: false, capacity: 0, sold: 0, held: 0, available: 0, waiting: 0, waiting_units: 0, checked_in: checkedIn };
  return {
    configured: true,
    capacity: tier.capacity,
    sold: tier.sold,
    held: tier.held,
    available: tier.closed || waiting.entries > 0 ? 0 : free(tier),
    waiting: waiting.entries,
    waiting_units: waiting.units,
    checked_in: checkedIn,
  };
}

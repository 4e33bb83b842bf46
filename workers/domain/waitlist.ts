/**
 * Who gets freed units: the waitlist rule, as a pure function so it can be read and tested alone.
 *
 * 1. Entries are served in the order they joined. An entry is a group (up to the tier's
 *    max_per_order) that is offered all its units together or not at all.
 * 2. While anyone is waiting, free units belong to the waitlist: nobody outside it can take them.
 * 3. When the entry at the head needs more units than are free, entries behind it that fit may be
 *    served first ("fill-in"), but each entry may be passed over at most `maxPassOvers` times.
 *    Once an entry has been passed over that often, nobody behind it is served: freed units are
 *    set aside until it fits. So a large group is never starved, and small groups behind it are
 *    not made to wait for it forever either.
 */
import { chooseBestAvailable, type SeatState } from "./best-available";
import { endEntry, free, freeHold, type Decision, type EntryState, type HoldState, type InventoryChange, type TierState, type WaitlistStatus } from "./inventory";

export const MAX_PASS_OVERS = 3;

export interface WaitingEntry {
  entryId: string;
  quantity: number;
  passOvers: number;
}

export interface PromotionPlan {
  /** Entries to offer now, in order, with the units each takes. */
  offers: { entryId: string; quantity: number }[];
  /** Entries passed over by this plan (each count grows by the number of times it was passed). */
  passedOver: Map<string, number>;
}

export function planOffers(free: number, queue: readonly WaitingEntry[], maxPassOvers = MAX_PASS_OVERS): PromotionPlan {
  const offers: PromotionPlan["offers"] = [];
  const passedOver = new Map<string, number>();
  const skipped: WaitingEntry[] = [];
  const passes = (entry: WaitingEntry) => entry.passOvers + (passedOver.get(entry.entryId) ?? 0);
  let left = free;
  for (const entry of queue) {
    if (left <= 0) break;
    if (entry.quantity <= left) {
      // Serving this entry passes over everyone still waiting ahead of it; only if each may be.
      if (skipped.some((ahead) => passes(ahead) >= maxPassOvers)) break;
      for (const ahead of skipped) passedOver.set(ahead.entryId, (passedOver.get(ahead.entryId) ?? 0) + 1);
      offers.push({ entryId: entry.entryId, quantity: entry.quantity });
      left -= entry.quantity;
    } else {
      if (passes(entry) >= maxPassOvers) break; // its units are being set aside
      skipped.push(entry);
    }
  }
  return { offers, passedOver };
}

export const offerHoldId = (entryId: string) => `offer_${entryId}`;

/** How far into the queue one plan looks; the promotion loop moves the window as entries are served. */
const QUEUE_WINDOW = 200;

/** How many waiting entries `planPromotion` may look at, so the object loads no more than that. */
export const queueNeeded = (freeUnits: number) => Math.max(0, freeUnits) + QUEUE_WINDOW;

/**
 * Offers free units to waiting entries by `planOffers`, as often as it serves someone: each offer
 * is a hold in the entry's name for the tier's offer minutes. For a seated tier the seats are
 * together if possible (accessible seats are kept for those who ask), else the first free ones.
 * @param queue waiting entries in join order, at least `queueNeeded(free)` of them when there are
 * @param seats every seat of a seated tier (none for general admission)
 */
export function planPromotion(tier: TierState, queue: readonly EntryState[], seats: readonly SeatState[], now: number): InventoryChange[] {
  if (tier.closed) return [];
  const changes: InventoryChange[] = [];
  const waiting = queue.map((e) => ({ ...e }));
  const seatMap = seats.map((s) => ({ ...s }));
  let left = free(tier);
  for (;;) {
    if (left <= 0) return changes;
    const window = waiting.slice(0, QUEUE_WINDOW);
    if (window.length === 0) return changes;
    const plan = planOffers(left, window.map((e) => ({ entryId: e.entryId, quantity: e.quantity, passOvers: e.passOvers })));
    for (const [entryId, times] of plan.passedOver) {
      waiting.find((e) => e.entryId === entryId)!.passOvers += times;
      changes.push({ type: "entry_passed_over", entryId, times });
    }
    let offered = 0;
    for (const { entryId } of plan.offers) {
      const index = waiting.findIndex((e) => e.entryId === entryId);
      const entry = waiting[index]!;
      const chosen = tier.kind === "seated" ? seatsForOffer(seatMap, entry.quantity) : [];
      if (!chosen) continue;
      for (const seat of seatMap) if (chosen.includes(seat.label)) seat.available = false;
      changes.push(...offerUnits(tier, entry, chosen, now));
      waiting.splice(index, 1);
      left -= entry.quantity;
      offered++;
    }
    if (offered === 0) return changes;
  }
}

function seatsForOffer(seats: SeatState[], quantity: number): string[] | undefined {
  const chosen =
    chooseBestAvailable(seats, { quantity }) ??
    chooseBestAvailable(seats, { quantity, accessible: true }) ??
    seats.filter((s) => s.available).slice(0, quantity).map((s) => s.label);
  return chosen.length < quantity ? undefined : chosen;
}

function offerUnits(tier: TierState, entry: EntryState, seats: string[], now: number): InventoryChange[] {
  const holdId = offerHoldId(entry.entryId);
  const expiresAt = now + tier.offerMinutes * 60_000;
  return [
    { type: "hold_placed", hold: { holdId, quantity: entry.quantity, seats, status: "active", expiresAt }, createdAt: now },
    { type: "entry_offered", entryId: entry.entryId, holdId, expiresAt, at: now },
    {
      type: "notice",
      notice: {
        type: "waitlist.offered",
        event_id: tier.eventId,
        tier_id: tier.tierId,
        entry_id: entry.entryId,
        hold_id: holdId,
        quantity: entry.quantity,
        seats,
        offer_expires_at: new Date(expiresAt).toISOString(),
      },
    },
  ];
}

export interface WaitlistEntryView {
  entry_id: string;
  /** Join order within the tier: 1 for the first entry ever, never reused. */
  seq: number;
  status: WaitlistStatus;
  quantity: number;
  /** 1 for the next entry to be offered units; 0 once the entry is no longer waiting. */
  position: number;
  offer_hold_id: string | null;
  offer_expires_at: number | null;
  seats: string[];
}

/**
 * @param waitingUpTo waiting entries that joined no later than this one (itself included)
 * @param offer the hold of its offer, if it had one
 */
export function presentEntry(entry: EntryState, waitingUpTo: number, offer: HoldState | undefined): WaitlistEntryView {
  return {
    entry_id: entry.entryId,
    seq: entry.seq,
    status: entry.status,
    quantity: entry.quantity,
    position: entry.status === "waiting" ? waitingUpTo : 0,
    offer_hold_id: entry.offerHoldId,
    offer_expires_at: entry.offerExpiresAt,
    seats: offer ? offer.seats : [],
  };
}

export type JoinOutcome =
  | { ok: true; entry: WaitlistEntryView }
  | { ok: false; code: "not_configured" | "waitlist_disabled" | "closed" }
  | { ok: false; code: "invalid"; message: string }
  | { ok: false; code: "client_limit"; limit: number; held: number };

/**
 * Joins under the caller's entry id; joining again answers with the entry already there. The
 * object presents the entry once it has offered what it can, so a join may come back offered.
 * @param lastSeq the highest join number the tier has given (0 before the first)
 */
/**
 * Joins the queue. One client address may have at most `maxUnitsPerClient` units waiting or offered
 * in the tier across its entries (workers/domain/buyer-limits.ts): freed units go to the waitlist
 * first, so a flood of entries from one place would catch every returned ticket.
 * @param clientUnits units in this tier's active entries from the same client address
 */
export function joinWaitlist(
  tier: TierState,
  existing: EntryState | undefined,
  request: { entryId: string; quantity: number; client?: string | null; maxUnitsPerClient?: number },
  lastSeq: number,
  now: number,
  clientUnits = 0,
): Decision<Exclude<JoinOutcome, { ok: true }> | { ok: true }> {
  if (existing) return { outcome: { ok: true }, changes: [] };
  if (tier.closed) return { outcome: { ok: false, code: "closed" }, changes: [] };
  if (!tier.waitlistEnabled) return { outcome: { ok: false, code: "waitlist_disabled" }, changes: [] };
  if (!Number.isInteger(request.quantity) || request.quantity < 1 || request.quantity > tier.capacity) {
    return { outcome: { ok: false, code: "invalid", message: `quantity must be between 1 and the tier's capacity of ${tier.capacity}` }, changes: [] };
  }
  if (request.client && request.maxUnitsPerClient !== undefined && clientUnits + request.quantity > request.maxUnitsPerClient) {
    return { outcome: { ok: false, code: "client_limit", limit: request.maxUnitsPerClient, held: clientUnits }, changes: [] };
  }
  return {
    outcome: { ok: true },
    changes: [{ type: "entry_joined", entryId: request.entryId, seq: lastSeq + 1, quantity: request.quantity, at: now, client: request.client ?? null }],
  };
}

/**
 * Leaves the waitlist; an open offer is given back (the object then offers it to the next entry).
 * Once the offer's order is paid the entry is purchased, and leaving changes nothing.
 */
export function leaveWaitlist(tier: TierState, entry: EntryState | undefined, offer: HoldState | undefined, now: number): Decision<{ ok: true } | { ok: false; code: "unknown_entry" }> {
  if (!entry) return { outcome: { ok: false, code: "unknown_entry" }, changes: [] };
  const changes: InventoryChange[] = [];
  if (entry.status === "waiting") changes.push(...endEntry(tier, entry, "left", now));
  if (entry.status === "offered" && offer?.status === "active") {
    // The entry has left, so the freed offer ends no entry of its own.
    changes.push(...endEntry(tier, entry, "left", now), ...freeHold(tier, offer, "released", undefined, now));
  }
  return { outcome: { ok: true }, changes };
}

/**
 * A tier's inventory in the domain's words: the state TierInventory loads (tier, holds, waitlist
 * entries), the requests it is asked, the outcomes it answers and the changes a decision asks it to
 * store; with the small pieces every rule shares (free units, how a hold is shown, what ending a hold
 * or a waitlist entry writes). The rules themselves are in ./inventory.ts, ./inventory-hold.ts and
 * ./waitlist.ts.
 */
import type { WaitlistNotice } from "../messages";
import type { HoldBuyer, HoldLimitRefusal } from "./buyer-limits";

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
  // `seats`: the hold's seats (none for general admission), the only seats whose hold_id is this hold.
  | { type: "hold_sold"; holdId: string; quantity: number; seats: readonly string[] }
  | { type: "hold_freed"; holdId: string; quantity: number; seats: readonly string[]; status: "released" | "expired" }
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
 * A hold ends unsold. An offer that ran out or was given back (a declined payment) is used up, so
 * its entry ends and the next entry's turn comes.
 */
export function freeHold(tier: TierState, hold: HoldState, status: "released" | "expired", offeredEntry: EntryState | undefined, now: number): InventoryChange[] {
  const changes: InventoryChange[] = [{ type: "hold_freed", holdId: hold.holdId, quantity: hold.quantity, seats: hold.seats, status }];
  if (offeredEntry) changes.push(...endEntry(tier, offeredEntry, "expired", now));
  return changes;
}

export function endEntry(tier: TierState, entry: EntryState, status: Exclude<WaitlistStatus, "waiting" | "offered">, now: number, reason?: string): InventoryChange[] {
  return [
    { type: "entry_ended", entryId: entry.entryId, status, at: now },
    { type: "notice", notice: { type: "waitlist.ended", event_id: tier.eventId, tier_id: tier.tierId, entry_id: entry.entryId, status, ...(reason ? { reason } : {}) } },
  ];
}

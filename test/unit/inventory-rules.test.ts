import { describe, expect, it } from "vitest";
import type { SeatState } from "../../workers/domain/best-available";
import {
  closeTier,
  configureTier,
  confirmHold,
  expireHolds,
  holdUnits,
  presentSnapshot,
  releaseHold,
  returnSold,
  type EntryState,
  type HoldRequest,
  type HoldState,
  type InventoryChange,
  type TierState,
} from "../../workers/domain/inventory";
import { joinWaitlist, leaveWaitlist, offerHoldId, planPromotion } from "../../workers/domain/waitlist";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const tier = (overrides: Partial<TierState> = {}): TierState => ({
  tierId: "t", eventId: "e", kind: "general_admission", capacity: 10, sold: 0, held: 0, waitlistEnabled: true, offerMinutes: 30, closed: false, ...overrides,
});
const request = (overrides: Partial<HoldRequest> = {}): HoldRequest => ({ holdId: "h1", quantity: 2, expiresAt: NOW + 60_000, ...overrides });
const activeHold = (overrides: Partial<HoldState> = {}): HoldState => ({ holdId: "h1", quantity: 2, seats: [], status: "active", expiresAt: NOW + 60_000, ...overrides });
const entry = (entryId: string, quantity: number, overrides: Partial<EntryState> = {}): EntryState => ({
  entryId, seq: 1, quantity, status: "waiting", passOvers: 0, offerHoldId: null, offerExpiresAt: null, ...overrides,
});
/** One row, A1..A6, free unless listed as taken. */
const row = (taken: string[] = []): SeatState[] =>
  Array.from({ length: 6 }, (_, i) => ({ label: `A${i + 1}`, section: "S", row: "A", number: i + 1, x: i, y: 0, accessible: false, available: !taken.includes(`A${i + 1}`) }));
const seated = (overrides: Partial<TierState> = {}) => tier({ kind: "seated", capacity: 6, ...overrides });
const types = (changes: InventoryChange[]) => changes.map((c) => c.type);

describe("holding units", () => {
  it("holds what is free, and names what is left when asked for more", () => {
    const held = holdUnits(tier({ sold: 5 }), undefined, request({ quantity: 5 }), 0, [], NOW);
    expect(held.outcome).toEqual({ ok: true, hold: { hold_id: "h1", quantity: 5, seats: [], expires_at: NOW + 60_000, status: "active" } });
    expect(types(held.changes)).toEqual(["hold_placed"]);
    expect(holdUnits(tier({ sold: 5, held: 3 }), undefined, request({ quantity: 3 }), 0, [], NOW)).toEqual({ outcome: { ok: false, code: "sold_out", available: 2 }, changes: [] });
  });

  it("answers a repeated hold with the first one and stores nothing", () => {
    expect(holdUnits(tier({ held: 10 }), activeHold(), request(), 0, [], NOW)).toEqual({
      outcome: { ok: true, hold: { hold_id: "h1", quantity: 2, seats: [], expires_at: NOW + 60_000, status: "active" } },
      changes: [],
    });
  });

  it("treats a hold asked again after it expired as a fresh claim", () => {
    const decision = holdUnits(tier(), activeHold({ status: "expired" }), request(), 0, [], NOW);
    expect(decision.outcome).toMatchObject({ ok: true });
    expect(types(decision.changes)).toEqual(["hold_forgotten", "hold_placed"]);
  });

  it("sets free units aside for the waitlist while anyone waits", () => {
    expect(holdUnits(tier(), undefined, request({ quantity: 1 }), 1, [], NOW).outcome).toEqual({ ok: false, code: "sold_out", available: 0 });
    expect(holdUnits(seated(), undefined, request({ quantity: 1, seats: ["A1"] }), 1, row(), NOW).outcome).toEqual({ ok: false, code: "sold_out", available: 0 });
  });

  it("refuses a closed tier, a bad quantity and a hold that has already expired", () => {
    expect(holdUnits(tier({ closed: true }), undefined, request(), 0, [], NOW).outcome).toEqual({ ok: false, code: "closed" });
    expect(holdUnits(tier(), undefined, request({ quantity: 0 }), 0, [], NOW).outcome).toMatchObject({ ok: false, code: "invalid" });
    expect(holdUnits(tier(), undefined, request({ expiresAt: NOW }), 0, [], NOW).outcome).toMatchObject({ ok: false, code: "invalid" });
    expect(holdUnits(tier(), undefined, request({ seats: ["A1", "A2"] }), 0, [], NOW).outcome).toMatchObject({ ok: false, code: "invalid" });
  });

  it("holds chosen seats only while every one of them is free, and names the taken ones", () => {
    const chosen = holdUnits(seated(), undefined, request({ seats: ["A2", "A3"] }), 0, row(["A1"]), NOW);
    expect(chosen.outcome).toMatchObject({ ok: true, hold: { quantity: 2, seats: ["A2", "A3"] } });
    expect(holdUnits(seated({ held: 1 }), undefined, request({ seats: ["A1", "A2"] }), 0, row(["A1"]), NOW).outcome).toEqual({ ok: false, code: "seat_unavailable", seats: ["A1"] });
    expect(holdUnits(seated(), undefined, request({ quantity: 3, seats: ["A1", "A2"] }), 0, row(), NOW).outcome).toMatchObject({ ok: false, code: "invalid" });
  });

  it("chooses the best available seats together, or says none are together", () => {
    const best = holdUnits(seated({ held: 1 }), undefined, request({ bestAvailable: true }), 0, row(["A1"]), NOW);
    expect(best.outcome).toMatchObject({ ok: true, hold: { quantity: 2 } });
    const scattered = row(["A2", "A4", "A6"]);
    expect(holdUnits(seated({ held: 3 }), undefined, request({ bestAvailable: true }), 0, scattered, NOW).outcome).toEqual({ ok: false, code: "seat_unavailable", seats: [] });
    expect(holdUnits(seated({ held: 5 }), undefined, request({ bestAvailable: true }), 0, row(["A1", "A2", "A3", "A4", "A5"]), NOW).outcome).toEqual({ ok: false, code: "sold_out", available: 1 });
  });
});

describe("settling holds", () => {
  it("confirms a live hold once, refuses an expired or unknown one, and ends the offer's entry as purchased", () => {
    const offered = entry("w1", 2, { status: "offered", offerHoldId: "h1" });
    const sold = confirmHold(tier({ held: 2 }), activeHold(), offered, NOW);
    expect(sold.outcome).toMatchObject({ ok: true, hold: { status: "confirmed" } });
    expect(sold.changes).toContainEqual({ type: "entry_ended", entryId: "w1", status: "purchased", at: NOW });
    expect(confirmHold(tier(), activeHold({ status: "confirmed" }), undefined, NOW)).toMatchObject({ outcome: { ok: true }, changes: [] });
    expect(confirmHold(tier(), activeHold({ status: "expired" }), undefined, NOW).outcome).toEqual({ ok: false, code: "hold_expired" });
    expect(confirmHold(tier(), undefined, undefined, NOW).outcome).toEqual({ ok: false, code: "unknown_hold" });
  });

  it("releases a live hold once and never a sold one", () => {
    expect(releaseHold(tier({ held: 2 }), activeHold(), undefined, NOW).outcome).toEqual({ ok: true, released: true });
    expect(releaseHold(tier(), activeHold({ status: "released" }), undefined, NOW)).toEqual({ outcome: { ok: true, released: false }, changes: [] });
    expect(releaseHold(tier(), activeHold({ status: "confirmed" }), undefined, NOW).outcome).toEqual({ ok: false, code: "already_sold" });
  });

  it("expires overdue holds, using up the offers among them", () => {
    const changes = expireHolds(tier({ held: 3 }), [activeHold(), activeHold({ holdId: "offer_w1", quantity: 1 })], [entry("w1", 1, { status: "offered", offerHoldId: "offer_w1" })], NOW);
    expect(changes.filter((c) => c.type === "hold_freed")).toHaveLength(2);
    expect(changes).toContainEqual({ type: "entry_ended", entryId: "w1", status: "expired", at: NOW });
    expect(changes).toContainEqual({ type: "notice", notice: { type: "waitlist.ended", event_id: "e", tier_id: "t", entry_id: "w1", status: "expired" } });
  });

  it("takes back sold units once per return, only sold seats, and no more than were sold", () => {
    expect(returnSold(tier({ sold: 2 }), false, { returnId: "r1", quantity: 2 }, [], NOW).outcome).toEqual({ ok: true, returned: true });
    expect(returnSold(tier({ sold: 2 }), true, { returnId: "r1", quantity: 2 }, [], NOW)).toEqual({ outcome: { ok: true, returned: false }, changes: [] });
    expect(returnSold(tier({ sold: 1 }), false, { returnId: "r2", quantity: 2 }, [], NOW).outcome).toMatchObject({ ok: false, code: "invalid" });
    expect(returnSold(seated({ sold: 2 }), false, { returnId: "r3", quantity: 2, seats: ["A1", "A2"] }, ["A1"], NOW).outcome).toMatchObject({ ok: false, code: "invalid" });
  });
});

describe("configuring and closing", () => {
  it("never lowers capacity below what is sold or held", () => {
    const setup = { tierId: "t", eventId: "e", kind: "general_admission" as const, capacity: 4 };
    expect(configureTier(tier({ sold: 3, held: 2 }), setup, []).outcome).toEqual({ ok: false, code: "capacity_below_committed", committed: 5 });
    expect(configureTier(undefined, setup, []).changes).toEqual([{ type: "tier_created", tierId: "t", eventId: "e", kind: "general_admission", capacity: 4 }]);
  });

  it("keeps held or sold seats that a new seat map leaves out", () => {
    const seats = [{ label: "A1", section: "S", row: "A", number: 1, x: 0, y: 0, accessible: false }];
    const decision = configureTier(seated(), { tierId: "t", eventId: "e", kind: "seated", capacity: 0, seats }, [
      { label: "A1", status: "available" }, { label: "A2", status: "sold" }, { label: "A3", status: "available" },
    ]);
    expect(decision.changes).toContainEqual({ type: "seats_set", seats, removed: ["A3"] });
  });

  it("closing ends waiting entries and withdraws open offers", () => {
    const changes = closeTier(tier(), [
      { entry: entry("w1", 1), offer: undefined },
      { entry: entry("w2", 2, { status: "offered", offerHoldId: "offer_w2" }), offer: activeHold({ holdId: "offer_w2" }) },
    ], NOW);
    expect(types(changes)).toEqual(["tier_closed", "entry_ended", "notice", "entry_ended", "notice", "hold_freed"]);
    expect(changes[2]).toMatchObject({ notice: { reason: "event_cancelled" } });
  });

  it("shows nothing available to buyers outside the waitlist while anyone waits", () => {
    expect(presentSnapshot(tier({ sold: 4 }), { entries: 0, units: 0 }, {})).toMatchObject({ available: 6 });
    expect(presentSnapshot(tier({ sold: 4 }), { entries: 1, units: 3 }, { main: 2 })).toMatchObject({ available: 0, waiting: 1, waiting_units: 3, checked_in: { main: 2 } });
  });
});

describe("serving the waitlist", () => {
  const offers = (changes: InventoryChange[]) => changes.flatMap((c) => (c.type === "hold_placed" ? [[c.hold.holdId, c.hold.quantity, c.hold.seats]] : []));

  it("offers freed units to entries in order, each as a hold in the entry's name", () => {
    const changes = planPromotion(tier({ sold: 7 }), [entry("w1", 2), entry("w2", 1, { seq: 2 }), entry("w3", 1, { seq: 3 })], [], NOW);
    expect(offers(changes)).toEqual([[offerHoldId("w1"), 2, []], [offerHoldId("w2"), 1, []]]);
    expect(changes).toContainEqual({ type: "entry_offered", entryId: "w1", holdId: "offer_w1", expiresAt: NOW + 30 * 60_000, at: NOW });
  });

  it("lets a smaller entry fill in behind a large head, counting the pass-over, and offers nothing once the tier is closed", () => {
    const changes = planPromotion(tier({ sold: 8 }), [entry("big", 4), entry("small", 2, { seq: 2 })], [], NOW);
    expect(offers(changes)).toEqual([[offerHoldId("small"), 2, []]]);
    expect(changes).toContainEqual({ type: "entry_passed_over", entryId: "big", times: 1 });
    expect(planPromotion(tier({ sold: 8, closed: true }), [entry("w1", 1)], [], NOW)).toEqual([]);
  });

  it("gives a seated entry seats together when it can, else the free ones, never the same seat twice", () => {
    const changes = planPromotion(seated({ held: 2 }), [entry("w1", 2), entry("w2", 2, { seq: 2 })], row(["A3", "A4"]), NOW);
    const [first, second] = offers(changes);
    expect(first![2]).toHaveLength(2);
    expect(second![2]).toHaveLength(2);
    expect(new Set([...(first![2] as string[]), ...(second![2] as string[])]).size).toBe(4);
  });

  it("joins once per entry id, only while the waitlist is open, for a quantity the tier can ever give", () => {
    expect(joinWaitlist(tier(), undefined, { entryId: "w1", quantity: 2 }, 4, NOW)).toEqual({ outcome: { ok: true }, changes: [{ type: "entry_joined", entryId: "w1", seq: 5, quantity: 2, at: NOW, client: null }] });
    expect(joinWaitlist(tier(), entry("w1", 2), { entryId: "w1", quantity: 2 }, 4, NOW)).toEqual({ outcome: { ok: true }, changes: [] });
    expect(joinWaitlist(tier({ waitlistEnabled: false }), undefined, { entryId: "w1", quantity: 2 }, 0, NOW).outcome).toEqual({ ok: false, code: "waitlist_disabled" });
    expect(joinWaitlist(tier({ closed: true }), undefined, { entryId: "w1", quantity: 2 }, 0, NOW).outcome).toEqual({ ok: false, code: "closed" });
    expect(joinWaitlist(tier(), undefined, { entryId: "w1", quantity: 11 }, 0, NOW).outcome).toMatchObject({ ok: false, code: "invalid" });
    // One client address: at most its cap of units waiting, whatever emails it uses.
    const fromAddress = { entryId: "w2", quantity: 3, client: "addr", maxUnitsPerClient: 6 };
    expect(joinWaitlist(tier(), undefined, fromAddress, 4, NOW, 3).changes).toEqual([{ type: "entry_joined", entryId: "w2", seq: 5, quantity: 3, at: NOW, client: "addr" }]);
    expect(joinWaitlist(tier(), undefined, fromAddress, 4, NOW, 4).outcome).toEqual({ ok: false, code: "client_limit", limit: 6, held: 4 });
  });

  it("leaving gives an open offer back, but changes nothing once the offer is bought", () => {
    const offered = entry("w1", 2, { status: "offered", offerHoldId: "offer_w1" });
    expect(types(leaveWaitlist(tier(), offered, activeHold({ holdId: "offer_w1" }), NOW).changes)).toEqual(["entry_ended", "notice", "hold_freed"]);
    expect(leaveWaitlist(tier(), { ...offered, status: "purchased" }, activeHold({ holdId: "offer_w1", status: "confirmed" }), NOW).changes).toEqual([]);
    expect(leaveWaitlist(tier(), undefined, undefined, NOW).outcome).toEqual({ ok: false, code: "unknown_entry" });
  });
});

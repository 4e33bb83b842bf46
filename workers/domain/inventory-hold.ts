/**
 * Holding units or seats of a tier for a buyer (see ./inventory.ts for the rules that hold across
 * every decision): a retried hold answers as the first did, free units are the waitlist's while
 * anyone waits, and a buyer's new hold replaces their earlier ones (./buyer-limits.ts).
 */
import { chooseBestAvailable, type SeatState } from "./best-available";
import { planReplacement } from "./buyer-limits";
import { free, freeHold, presentHold, type Decision, type HoldOutcome, type HoldRequest, type HoldState, type InventoryChange, type TierState } from "./inventory-state";

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

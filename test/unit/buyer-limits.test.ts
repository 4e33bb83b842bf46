/**
 * The rule against hoarding (workers/domain/buyer-limits.ts): a buyer's new hold replaces their old
 * ones in the tier, and nobody holds past the caps.
 */
import { describe, expect, it } from "vitest";
import { planReplacement, type HoldBuyer } from "../../workers/domain/buyer-limits";
import { holdUnits, type HoldState, type TierState } from "../../workers/domain/inventory";

const NOW = Date.UTC(2027, 0, 1);
const buyer = (overrides: Partial<HoldBuyer> = {}): HoldBuyer => ({ buyer: "ada", client: "addr", maxHeldPerBuyer: 10, maxHeldPerClient: 8, ...overrides });
const hold = (holdId: string, quantity: number, overrides: Partial<HoldState> = {}): HoldState => ({ holdId, quantity, seats: [], status: "active", expiresAt: NOW + 60_000, buyer: "ada", client: "addr", ...overrides });
const tier = (overrides: Partial<TierState> = {}): TierState => ({ tierId: "t", eventId: "e", kind: "general_admission", capacity: 10, sold: 0, held: 0, waitlistEnabled: false, offerMinutes: 30, closed: false, ...overrides });

describe("planReplacement", () => {
  it("replaces the buyer's other active holds, never the one asked for again", () => {
    const plan = planReplacement({ holdId: "h2", quantity: 4, buyer: buyer() }, [hold("h1", 4), hold("h2", 4)], []);
    expect(plan.replaced.map((h) => h.holdId)).toEqual(["h1"]);
    expect(plan.refusal).toBeUndefined();
  });

  it("refuses past the per-buyer cap, and past the per-address cap counting what replacement frees", () => {
    expect(planReplacement({ holdId: "h", quantity: 11, buyer: buyer() }, [], []).refusal).toMatchObject({ scope: "buyer", limit: 10 });
    const others = [hold("x1", 4, { buyer: "bob" }), hold("x2", 2, { buyer: "cy" })];
    expect(planReplacement({ holdId: "h", quantity: 3, buyer: buyer() }, [], others).refusal).toEqual({ ok: false, code: "hold_limit", scope: "client", limit: 8, held: 6 });
    // Ada's own 4 go back when she asks again, so 2 + 4 fits under 8.
    const mine = hold("old", 4);
    expect(planReplacement({ holdId: "h", quantity: 4, buyer: buyer() }, [mine], [mine, hold("x2", 2, { buyer: "cy" })]).refusal).toBeUndefined();
  });

  it("leaves anonymous holds (no buyer) alone", () => {
    expect(planReplacement({ holdId: "h", quantity: 50 }, [hold("x", 4)], [hold("x", 4)])).toEqual({ replaced: [] });
  });
});

describe("holdUnits with a buyer", () => {
  it("frees the replaced hold before placing the new one, taking back only the buyer's own units while others wait", () => {
    const old = hold("old", 4);
    const decision = holdUnits(tier({ held: 4, capacity: 4 }), undefined, { holdId: "new", quantity: 3, expiresAt: NOW + 60_000, buyer: buyer() }, 0, [], NOW, { buyerHolds: [old], clientHolds: [old] });
    expect(decision.outcome).toMatchObject({ ok: true, replaced: ["old"], hold: { quantity: 3 } });
    expect(decision.changes.map((c) => c.type)).toEqual(["hold_freed", "hold_placed"]);
    // The waitlist has a claim on free units: replacing may take back 4, not more.
    const greedy = holdUnits(tier({ held: 4, capacity: 10 }), undefined, { holdId: "new", quantity: 5, expiresAt: NOW + 60_000, buyer: buyer() }, 1, [], NOW, { buyerHolds: [old], clientHolds: [old] });
    expect(greedy.outcome).toEqual({ ok: false, code: "sold_out", available: 4 });
    expect(greedy.changes).toEqual([]);
  });
});

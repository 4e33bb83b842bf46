import { describe, expect, it } from "vitest";
import { MAX_PASS_OVERS, planOffers, type WaitingEntry } from "../../workers/domain/waitlist";

const entry = (entryId: string, quantity: number, passOvers = 0): WaitingEntry => ({ entryId, quantity, passOvers });

describe("waitlist rule", () => {
  it("serves entries in join order while units last, each group whole", () => {
    const plan = planOffers(3, [entry("a", 1), entry("b", 2), entry("c", 1)]);
    expect(plan.offers).toEqual([{ entryId: "a", quantity: 1 }, { entryId: "b", quantity: 2 }]);
    expect(plan.passedOver.size).toBe(0);
  });

  it("lets a smaller entry behind a large head fill in, and counts the pass-over", () => {
    const plan = planOffers(2, [entry("big", 4), entry("small", 2), entry("later", 1)]);
    expect(plan.offers).toEqual([{ entryId: "small", quantity: 2 }]);
    expect(plan.passedOver).toEqual(new Map([["big", 1]]));
  });

  it("stops filling in once the head has been passed over its limit: units are set aside for it", () => {
    const plan = planOffers(3, [entry("big", 4, MAX_PASS_OVERS), entry("small", 1)]);
    expect(plan.offers).toEqual([]);
    expect(plan.passedOver.size).toBe(0);
  });

  it("never passes an entry more often than the limit within one plan", () => {
    const plan = planOffers(5, [entry("big", 6, MAX_PASS_OVERS - 1), entry("s1", 1), entry("s2", 1), entry("s3", 1)]);
    expect(plan.offers).toEqual([{ entryId: "s1", quantity: 1 }]);
    expect(plan.passedOver).toEqual(new Map([["big", 1]]));
  });

  it("a large head is served at last: each freed unit accumulates until it fits", () => {
    let queue = [entry("big", 3), ...Array.from({ length: 10 }, (_, i) => entry(`s${i}`, 1))];
    let free = 0;
    const served: string[] = [];
    // One unit is freed at a time, as refunds come in.
    for (let step = 0; step < 20 && !served.includes("big"); step++) {
      free += 1;
      const plan = planOffers(free, queue);
      for (const offer of plan.offers) {
        served.push(offer.entryId);
        free -= offer.quantity;
      }
      queue = queue
        .filter((e) => !plan.offers.some((o) => o.entryId === e.entryId))
        .map((e) => ({ ...e, passOvers: e.passOvers + (plan.passedOver.get(e.entryId) ?? 0) }));
    }
    expect(served.slice(0, MAX_PASS_OVERS)).toEqual(["s0", "s1", "s2"]);
    expect(served[MAX_PASS_OVERS]).toBe("big");
  });

  it("offers nothing when nothing is free or nobody waits", () => {
    expect(planOffers(0, [entry("a", 1)]).offers).toEqual([]);
    expect(planOffers(5, []).offers).toEqual([]);
  });
});

/**
 * What an edit changed in an event's tiers, for the audit log: a tier's price or capacity moved,
 * or a tier came or went. Compared by tier id; unchanged tiers say nothing.
 */
export interface TierFacts {
  tier_id: string;
  name: string;
  price: number;
  capacity: number;
}

export type TierChange =
  | { tier_id: string; name: string; change: "added"; price: number; capacity: number }
  | { tier_id: string; name: string; change: "removed" }
  | { tier_id: string; name: string; change: "updated"; price?: { from: number; to: number }; capacity?: { from: number; to: number } };

export function tierChanges(before: readonly TierFacts[], after: readonly TierFacts[]): TierChange[] {
  const old = new Map(before.map((t) => [t.tier_id, t]));
  const changes: TierChange[] = [];
  for (const tier of after) {
    const was = old.get(tier.tier_id);
    old.delete(tier.tier_id);
    if (!was) {
      changes.push({ tier_id: tier.tier_id, name: tier.name, change: "added", price: tier.price, capacity: tier.capacity });
      continue;
    }
    const price = was.price !== tier.price ? { from: was.price, to: tier.price } : undefined;
    const capacity = was.capacity !== tier.capacity ? { from: was.capacity, to: tier.capacity } : undefined;
    if (price || capacity) changes.push({ tier_id: tier.tier_id, name: tier.name, change: "updated", ...(price ? { price } : {}), ...(capacity ? { capacity } : {}) });
  }
  for (const tier of old.values()) changes.push({ tier_id: tier.tier_id, name: tier.name, change: "removed" });
  return changes;
}

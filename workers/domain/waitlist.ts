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

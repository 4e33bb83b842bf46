/**
 * One buyer cannot hold an event away from everyone else. In a sentence: a buyer's new hold in a tier
 * replaces the holds they already have there (it never stacks), and nobody — one buyer, or one client
 * address across buyers — holds more than the event allows at once. TierInventory applies this in
 * the hold's own serialized step, so concurrent requests cannot slip past it; the Worker adds the
 * same caps across the event's other tiers from the ledger (workers/use-cases/register-order.ts).
 */
import type { HoldState } from "./inventory";

export interface HoldBuyer {
  /** Stable per buyer, e.g. the attendee id. */
  buyer: string;
  /** A keyed hash of the client address; null when the address is not limited (workers/client-address.ts). */
  client: string | null;
  maxHeldPerBuyer: number;
  maxHeldPerClient: number;
}

export type HoldLimitRefusal = { ok: false; code: "hold_limit"; scope: "buyer" | "client"; limit: number; held: number };

export interface Replacement {
  /** The buyer's active holds in this tier, given up for the new one. */
  replaced: HoldState[];
  refusal?: HoldLimitRefusal;
}

/**
 * @param buyerHolds the buyer's active holds in this tier (not the one being asked for)
 * @param clientHolds active holds in this tier from the same client address
 */
export function planReplacement(request: { holdId: string; quantity: number; buyer?: HoldBuyer }, buyerHolds: HoldState[], clientHolds: HoldState[]): Replacement {
  const buyer = request.buyer;
  if (!buyer) return { replaced: [] };
  const replaced = buyerHolds.filter((h) => h.status === "active" && h.holdId !== request.holdId);
  if (request.quantity > buyer.maxHeldPerBuyer) {
    return { replaced: [], refusal: { ok: false, code: "hold_limit", scope: "buyer", limit: buyer.maxHeldPerBuyer, held: 0 } };
  }
  if (buyer.client) {
    const gone = new Set(replaced.map((h) => h.holdId));
    const held = clientHolds.filter((h) => h.status === "active" && h.holdId !== request.holdId && !gone.has(h.holdId)).reduce((sum, h) => sum + h.quantity, 0);
    if (held + request.quantity > buyer.maxHeldPerClient) {
      return { replaced: [], refusal: { ok: false, code: "hold_limit", scope: "client", limit: buyer.maxHeldPerClient, held } };
    }
  }
  return { replaced };
}

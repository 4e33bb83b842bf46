/**
 * What a buyer is told when TierInventory refuses a hold (or the promo code's use claimed with it).
 * Pure: the register use-case turns the answer into its ApiError, joins the waitlist for a sold-out
 * tier when asked, and remembers a tier with nothing left.
 */
import type { HoldOutcome } from "./inventory";

export type HoldRefusal = Exclude<HoldOutcome, { ok: true }> | { ok: false; code: "promo_spent" };

export type RefusalAnswer =
  /** Fewer units than asked are left; `rememberSoldOut` when none are. */
  | { kind: "sold_out"; available: number; rememberSoldOut: boolean }
  /** The promo code's uses are all taken. */
  | { kind: "promo_spent" }
  | { kind: "field"; field: "quantity"; message: string }
  | { kind: "error"; code: "SEAT_UNAVAILABLE" | "EVENT_CANCELLED" | "HOLD_LIMIT_REACHED"; message: string; details?: Record<string, unknown> }
  /** Not the buyer's doing: the tier's inventory is still not set up after configuring it. */
  | { kind: "internal"; message: string };

export const EVENT_CANCELLED_MESSAGE = "This event has been cancelled; tickets are no longer sold.";

export function holdLimitMessage(scope: "buyer" | "client", limit: number): string {
  return scope === "buyer"
    ? `You can hold at most ${limit} tickets of this event at once. Pay for or let go of the tickets you hold first.`
    : `Too many tickets of this event are held from your network right now (at most ${limit}). Try again when those holds end.`;
}

export function answerRefusedHold(refusal: HoldRefusal, quantity: number, tierId: string): RefusalAnswer {
  switch (refusal.code) {
    case "promo_spent":
      return { kind: "promo_spent" };
    case "sold_out":
      return { kind: "sold_out", available: refusal.available, rememberSoldOut: refusal.available === 0 };
    case "seat_unavailable":
      return {
        kind: "error",
        code: "SEAT_UNAVAILABLE",
        message:
          refusal.seats.length > 0
            ? `These seats were just taken: ${refusal.seats.join(", ")}. Pick others.`
            : `There are no ${quantity} seats together any more. Pick seats on the map.`,
        details: { seats: refusal.seats },
      };
    case "invalid":
      return { kind: "field", field: "quantity", message: refusal.message };
    case "closed":
      return { kind: "error", code: "EVENT_CANCELLED", message: EVENT_CANCELLED_MESSAGE };
    case "hold_limit":
      return {
        kind: "error",
        code: "HOLD_LIMIT_REACHED",
        message: holdLimitMessage(refusal.scope, refusal.limit),
        details: { scope: refusal.scope, limit: refusal.limit, held: refusal.held },
      };
    case "not_configured":
      return { kind: "internal", message: `inventory of tier ${tierId} is still not configured` };
  }
}

/**
 * Whether the buyer may cancel their order now (`POST /orders/{id}/cancel`). Only a pending order
 * with a live hold and no payment under way: a cancelled order answers as cancelled again
 * (idempotent); a paid, refunded or expired one cannot be cancelled; a charge that is processing or
 * went through (its tickets are being issued) is refused rather than raced.
 */
import type { StoredOrderStatus } from "./order-status";

/** A PaymentIntent's status as Stripe reports it, or undefined when the order has none yet. */
export type IntentStatus = "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "requires_capture" | "canceled" | "succeeded";

export type CancelDecision =
  | { kind: "cancel"; cancelIntent: boolean }
  | { kind: "already_cancelled" }
  | { kind: "refuse"; code: "ORDER_NOT_CANCELLABLE" | "PAYMENT_IN_PROGRESS"; message: string; orderStatus: StoredOrderStatus };

const paid = new Set<StoredOrderStatus>(["confirmed", "refunded", "partially_refunded"]);

export function decideCancel(status: StoredOrderStatus, holdExpiresAt: Date | null, intent: IntentStatus | undefined, now: Date): CancelDecision {
  if (status === "cancelled") return { kind: "already_cancelled" };
  if (paid.has(status)) {
    return { kind: "refuse", code: "ORDER_NOT_CANCELLABLE", orderStatus: status, message: "This order is paid, so it cannot be cancelled. Ask for a refund from the order page instead." };
  }
  const lapsed = holdExpiresAt !== null && holdExpiresAt.getTime() <= now.getTime();
  if (status === "expired" || lapsed) {
    return { kind: "refuse", code: "ORDER_NOT_CANCELLABLE", orderStatus: "expired", message: "This order's hold already ran out: nothing was charged and its tickets are back on sale." };
  }
  if (intent === "succeeded" || intent === "processing" || intent === "requires_capture") {
    return {
      kind: "refuse",
      code: "PAYMENT_IN_PROGRESS",
      orderStatus: status,
      message: "A payment for this order is going through, so it cannot be cancelled now. Reload the order in a moment: it will show your tickets, or that the payment failed.",
    };
  }
  // No intent, or one nobody can pay any more once cancelled (awaiting a card, a declined card, 3-D Secure left unfinished).
  return { kind: "cancel", cancelIntent: intent !== undefined && intent !== "canceled" };
}

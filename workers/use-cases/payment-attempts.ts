/**
 * One attempt at paying an order's PaymentIntent: its idempotency key, and what a declined card
 * tells the buyer. A decline ends the attempt, not the order (see pay-order.ts).
 */
import type Stripe from "stripe";
import { ApiError } from "../errors";

/**
 * The confirm's idempotency key, one per attempt: the intent's latest charge names the attempt before
 * (none for the first). Concurrent or retried calls of one attempt share the key, so Stripe confirms
 * once; after a decline the next call is a new attempt, even with the same card. Whatever the keys,
 * no order is charged twice: it has exactly one PaymentIntent (one payment row per order, created with
 * the key `pi_create_<order>`), and a PaymentIntent succeeds at most once — a confirm after that is
 * refused (payment_intent_unexpected_state) and pay then finalizes the one charge.
 */
export function confirmKey(orderId: string, intent: Stripe.PaymentIntent, paymentMethod: string): string {
  const before = typeof intent.latest_charge === "string" ? intent.latest_charge : (intent.latest_charge?.id ?? "first");
  return `pi_confirm_${orderId}_${before}_${paymentMethod}`;
}

/** A declined card: nothing was charged, and the tickets stay held until `hold_expires_at`. */
export function cardDeclined(declineCode: string | null, holdExpiresAt: Date | null): ApiError {
  return new ApiError(
    "PAYMENT_DECLINED",
    holdExpiresAt
      ? `Your card was declined and nothing was charged. Your tickets stay held until ${holdExpiresAt.toISOString()}: try another card.`
      : "Your card was declined and nothing was charged. Try another card.",
    { decline_code: declineCode, order_status: "pending", hold_expires_at: holdExpiresAt?.toISOString() ?? null },
  );
}

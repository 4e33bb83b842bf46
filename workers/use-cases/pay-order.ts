/**
 * Paying for an order, and everything that must follow a charge. The rules that keep money safe:
 *  - one PaymentIntent per order, created and confirmed with idempotency keys derived from the
 *    order, so concurrent or retried calls charge once;
 *  - a declined card is recorded and keeps the order pending with its hold: the buyer may try another
 *    card on the same PaymentIntent until the hold expires (payment-attempts.ts);
 *  - a charge always ends as tickets or a refund: if the hold is gone when the money arrives, the
 *    payment is refunded, never kept without tickets;
 *  - every step is safe to repeat, so the webhook, a retrying client and the cron sweeper can all
 *    drive the same order to the same end state.
 */
import Stripe from "stripe";
import type { HttpDatabase } from "../../db/client";
import { recordDeclinedPayment } from "../../db/queries/orders";
import { readPurchase, recordPaymentIntent, type PurchaseFacts } from "../../db/queries/confirm-order";
import { createStripe, refusedRequest } from "../adapters/stripe";
import { ApiError, validationFailed } from "../errors";
import { cardDeclined, confirmKey } from "./payment-attempts";
import { finalizePaidOrder, holdExpired, paidStatuses, presentConfirmedOrder } from "./finalize-order";
import { inventorySale, type SaleLedger } from "./sale-ledger";

// Callers elsewhere (routes, webhook, sweeper, cancellation, bench) import these from here.
export { expireOrder, inventorySale, type SaleLedger } from "./sale-ledger";
export { finalizePaidOrder, holdExpired, presentConfirmedOrder, refundLatePayment } from "./finalize-order";

/**
 * Round trips on the happy path (issue #13 item 2): one joined read of the order, its payment and all
 * finalize needs (db/queries/confirm-order.ts; the route makes it and passes it in), one to record a new PaymentIntent before confirming it
 * (the webhook trusts only the intent recorded on the order), then finalize's confirming statement and
 * its outbox marking. No interactive transaction.
 */
export async function payOrder(env: Env, db: HttpDatabase, orderId: string, paymentMethod: string, now: Date, sale: SaleLedger = inventorySale, known?: PurchaseFacts) {
  // `known`: the route's own read of the order (it checks the order link with it).
  const facts = known ?? (await readPurchase(db, orderId));
  if (!facts) throw new ApiError("NOT_FOUND", "No order has this id.");
  const { order, payment } = facts;
  if (paidStatuses.has(order.status)) return presentConfirmedOrder(db, order);
  if (order.status === "cancelled" && payment?.status === "failed") {
    throw new ApiError("PAYMENT_DECLINED", "The payment for this order was declined and its seats were released. Please start a new order.", {
      decline_code: payment.failureCode,
    });
  }
  if (order.status === "cancelled" && payment?.status !== "succeeded") {
    // The buyer cancelled it (POST /orders/{id}/cancel): its hold went back on sale and no charge was made.
    throw new ApiError("ORDER_CANCELLED", "This order was cancelled, so nothing was charged. To buy tickets, start a new order.", { order_status: "cancelled" });
  }
  if (order.status !== "pending") throw holdExpired(payment?.status === "succeeded");
  if (facts.event.status === "cancelled" && !payment?.providerPaymentId) {
    await sale.release(env, db, order, "expired");
    throw new ApiError("EVENT_CANCELLED", "This event has been cancelled, so nothing was charged and your order was closed.");
  }

  if (order.amount === 0) return finalizePaidOrder(env, db, order.id, now, sale, facts);
  // A hold that ran out before any charge was attempted, or after the last attempt was declined:
  // do not charge at all.
  if ((!payment?.providerPaymentId || payment.status === "failed") && order.holdExpiresAt && order.holdExpiresAt <= now) {
    await sale.release(env, db, order, "expired");
    throw holdExpired(false);
  }

  const stripe = createStripe(env);
  const recordedIntent = payment?.providerPaymentId;
  let intent = recordedIntent
    ? await stripe.paymentIntents.retrieve(recordedIntent)
    : await createIntent(stripe, order);
  // Recorded before confirming, so the webhook (and the sweeper) find the intent on the order. The
  // create is idempotent on the order, so a concurrent pay records the same intent.
  if (!recordedIntent) await recordPaymentIntent(db, { orderId: order.id, idempotencyKey: `order_${order.id}`, amount: order.amount, currency: order.currency, providerPaymentId: intent.id });

  if (intent.status !== "succeeded") {
    try {
      intent = await stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod }, { idempotencyKey: confirmKey(order.id, intent, paymentMethod) });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        // The decline is recorded; the order stays pending and keeps its hold, so the buyer can try
        // another card on the same PaymentIntent until the hold expires.
        const declineCode = error.decline_code ?? error.code ?? "card_declined";
        await recordDeclinedPayment(db, order.id, declineCode);
        throw cardDeclined(declineCode, order.holdExpiresAt);
      }
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "payment_intent_unexpected_state") {
        intent = await stripe.paymentIntents.retrieve(intent.id);
      } else {
        // Refused before any charge (an unknown method, say): the order and its hold stay as they
        // were, so the buyer can pay again with another method.
        throw refusedPayment(error) ?? error;
      }
    }
  }
  if (intent.status === "requires_action" && intent.client_secret) {
    // The bank wants the cardholder (3-D Secure): the page completes that step with Stripe.js
    // (handleNextAction) and calls pay again, which then finds the intent succeeded.
    throw new ApiError("PAYMENT_ACTION_REQUIRED", "Your bank asks you to confirm this payment.", { client_secret: intent.client_secret, payment_status: intent.status });
  }
  if (intent.status !== "succeeded") {
    throw new ApiError("PAYMENT_DECLINED", "The payment could not be completed. Try another card.", { payment_status: intent.status });
  }
  return finalizePaidOrder(env, db, order.id, now, sale, facts);
}

/** How many idempotency keys pay walks through to create an order's PaymentIntent (see createIntent). */
const CREATE_KEYS = 3;

/**
 * Creates the order's one PaymentIntent. Stripe stores a 500 for its idempotency key and replays it to
 * every retry for 24 hours, so a single internal error at Stripe would leave the order unpayable: after
 * one, the next key of a fixed sequence (`pi_create_<order>`, `…_2`, `…_3`) is tried. Every pay call walks
 * the same sequence and Stripe replays each key's stored answer, so all calls end at the same intent, and
 * that is the one recorded on the order and confirmed. Should the failed request have made an intent after
 * all, that one is never confirmed, so it cannot charge.
 */
async function createIntent(stripe: Stripe, order: PurchaseFacts["order"]): Promise<Stripe.PaymentIntent> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await stripe.paymentIntents.create(
        {
          amount: order.amount,
          currency: order.currency.toLowerCase(),
          automatic_payment_methods: { enabled: true, allow_redirects: "never" },
          metadata: { order_id: order.id, event_id: order.eventId },
          description: `Admit One order ${order.id}`,
        },
        { idempotencyKey: attempt === 1 ? `pi_create_${order.id}` : `pi_create_${order.id}_${attempt}` },
      );
    } catch (error) {
      if (attempt < CREATE_KEYS && error instanceof Stripe.errors.StripeAPIError && error.statusCode === 500) continue;
      throw refusedPayment(error) ?? error;
    }
  }
}

/**
 * A request Stripe refused, as the buyer's error: a payment method it does not know is a bad field;
 * anything else (an amount it will not charge in this currency) is a payment that cannot go through.
 */
function refusedPayment(error: unknown): ApiError | undefined {
  if (error instanceof Stripe.errors.StripeError && error.statusCode === 409) {
    // Another pay call for this order holds the same idempotency key at Stripe and is still running
    // (the SDK's own retries waited and gave up): that call will charge or decline; this one must not
    // do anything else. The buyer's page reads the order, which settles once the other call ends.
    return new ApiError("PAYMENT_IN_PROGRESS", "Another payment attempt for this order is still being processed. Wait a moment and check your order: you will only ever be charged once.", {
      retry_after_seconds: 2,
    });
  }
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError || error instanceof Stripe.errors.StripeRateLimitError) {
    // Stripe did not answer (a timeout after the SDK's retries, an outage): the order and its hold
    // stay as they were, and paying again reuses the same PaymentIntent and idempotency keys, so a
    // charge that did go through is found rather than made twice.
    return new ApiError("SERVICE_UNAVAILABLE", "The payment provider did not answer in time. Try again in a moment: you will not be charged twice.", { retry_after_seconds: 2 });
  }
  const refused = refusedRequest(error);
  if (!refused) return undefined;
  if (refused.param === "payment_method" || refused.code === "resource_missing") {
    return validationFailed([{ field: "payment_method", message: "This payment method is not known to the payment provider. Choose another." }]);
  }
  return new ApiError("PAYMENT_DECLINED", "The payment provider refused this payment. Try another method, or contact the organizer.", {
    decline_code: refused.code ?? "invalid_request",
  });
}


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
import { adoptPaymentIntent, readPurchase, recordDeclinedIntent, type PurchaseFacts } from "../../db/queries/confirm-order";
import { createStripe, refusedRequest } from "../adapters/stripe";
import { ApiError, validationFailed } from "../errors";
import { cardDeclined, confirmKey } from "./payment-attempts";
import { finalizePaidOrder, holdExpired, paidStatuses, presentConfirmedOrder } from "./finalize-order";
import { inventorySale, type SaleLedger } from "./sale-ledger";

// Callers elsewhere (routes, webhook, sweeper, cancellation, bench) import these from here.
export { expireOrder, inventorySale, type SaleLedger } from "./sale-ledger";
export { finalizePaidOrder, holdExpired, presentConfirmedOrder, refundLatePayment } from "./finalize-order";

/**
 * Round trips on the happy path (issue #13): one joined read of the order, its payment and all finalize
 * needs (db/queries/confirm-order.ts; the route makes it and passes it in), ONE Stripe call that creates
 * and confirms the order's PaymentIntent, TierInventory's confirm, then finalize's confirming statement,
 * which also records the intent. No interactive transaction. What keeps one call as safe as the
 * create → record → confirm chain it replaced (docs/purchase.md, "The steps"):
 *  - the create is idempotent on the order (`pi_create_<order>`, then `_2`, `_3` after a 500), its
 *    parameters the same for every call with the same card: concurrent and retried pays get Stripe's
 *    one answer; a call with another card while the first is unrecorded is refused by Stripe (a key
 *    reused with other parameters) and answered 409 PAYMENT_IN_PROGRESS, never a second intent;
 *  - whatever pay does not record because it died, the webhook does: `payment_intent.succeeded` of an
 *    unrecorded intent adopts it (first writer wins) and finalizes it, or refunds it when another
 *    intent is the order's or the hold is gone (stripe-events.ts);
 *  - a decline or a 3-D Secure answer is recorded with its intent before pay answers, so the next pay
 *    confirms that intent with the new card, as before.
 */
export async function payOrder(
  env: Env,
  db: HttpDatabase,
  orderId: string,
  paymentMethod: string,
  now: Date,
  sale: SaleLedger = inventorySale,
  { known, waitUntil }: { known?: PurchaseFacts; waitUntil?: (work: Promise<unknown>) => void } = {},
) {
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

  if (order.amount === 0) return finalizePaidOrder(env, db, order.id, now, sale, { known: facts, waitUntil });
  // A hold that ran out before any charge was attempted, or after the last attempt was declined:
  // do not charge at all.
  if ((!payment?.providerPaymentId || payment.status === "failed") && order.holdExpiresAt && order.holdExpiresAt <= now) {
    await sale.release(env, db, order, "expired");
    throw holdExpired(false);
  }

  const stripe = createStripe(env);
  const intent = payment?.providerPaymentId
    ? await confirmRecordedIntent(db, stripe, order, payment.providerPaymentId, paymentMethod)
    : await createConfirmedIntent(db, stripe, order, paymentMethod);
  if (intent.status === "requires_action" && intent.client_secret) {
    // The bank wants the cardholder (3-D Secure): the page completes that step with Stripe.js
    // (handleNextAction) and calls pay again, which then finds the intent succeeded.
    throw new ApiError("PAYMENT_ACTION_REQUIRED", "Your bank asks you to confirm this payment.", { client_secret: intent.client_secret, payment_status: intent.status });
  }
  if (intent.status !== "succeeded") {
    throw new ApiError("PAYMENT_DECLINED", "The payment could not be completed. Try another card.", { payment_status: intent.status });
  }
  return finalizePaidOrder(env, db, order.id, now, sale, { known: facts, intent: paidIntent(intent), waitUntil });
}

/** What finalize needs of the intent that paid: the confirming statement records it as the order's. */
function paidIntent(intent: Stripe.PaymentIntent) {
  return { id: intent.id, amount: intent.amount, currency: intent.currency.toUpperCase() };
}

/**
 * The order's first pay: one Stripe call creates the PaymentIntent and confirms it with the card
 * (`confirm: true`). Nothing is written before it: a success is recorded by the confirming statement
 * that follows anyway, a decline and a 3-D Secure answer here, with the intent, before pay answers.
 */
async function createConfirmedIntent(db: HttpDatabase, stripe: Stripe, order: PurchaseFacts["order"], paymentMethod: string): Promise<Stripe.PaymentIntent> {
  let intent: Stripe.PaymentIntent;
  try {
    intent = await createIntent(stripe, order, paymentMethod);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
    // Stripe's card error carries the intent it created (error.payment_intent): the decline is
    // recorded on it, so the next pay confirms that intent with another card.
    const declineCode = error.decline_code ?? error.code ?? "card_declined";
    const declined = error.payment_intent?.id;
    if (declined) await recordDeclinedIntent(db, { orderId: order.id, amount: order.amount, currency: order.currency, providerPaymentId: declined, failureCode: declineCode });
    throw cardDeclined(declineCode, order.holdExpiresAt);
  }
  if (intent.status !== "succeeded") {
    // 3-D Secure (or anything else unfinished): recorded now, so the pay that follows the cardholder's
    // step finds the intent. Another intent recorded meanwhile is the order's: this one is not
    // finished, so nothing was charged on it.
    const recorded = await adoptPaymentIntent(db, { orderId: order.id, amount: order.amount, currency: order.currency, providerPaymentId: intent.id });
    if (recorded !== intent.id) throw paymentInProgress();
  }
  return intent;
}

/** A later pay (after a decline or a 3-D Secure step): the recorded intent, confirmed with this card. */
async function confirmRecordedIntent(db: HttpDatabase, stripe: Stripe, order: PurchaseFacts["order"], intentId: string, paymentMethod: string): Promise<Stripe.PaymentIntent> {
  const intent = await stripe.paymentIntents.retrieve(intentId);
  if (intent.status === "succeeded") return intent;
  try {
    return await stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod }, { idempotencyKey: confirmKey(order.id, intent, paymentMethod) });
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) {
      // The decline is recorded; the order stays pending and keeps its hold, so the buyer can try
      // another card on the same PaymentIntent until the hold expires.
      const declineCode = error.decline_code ?? error.code ?? "card_declined";
      await recordDeclinedPayment(db, order.id, declineCode);
      throw cardDeclined(declineCode, order.holdExpiresAt);
    }
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "payment_intent_unexpected_state") {
      return stripe.paymentIntents.retrieve(intent.id);
    }
    // Refused before any charge (an unknown method, say): the order and its hold stay as they
    // were, so the buyer can pay again with another method.
    throw refusedPayment(error) ?? error;
  }
}

/** How many idempotency keys pay walks through to create an order's PaymentIntent (see createIntent). */
const CREATE_KEYS = 3;

/**
 * Creates and confirms the order's one PaymentIntent. Stripe stores a 500 for its idempotency key and
 * replays it to every retry for 24 hours, so a single internal error at Stripe would leave the order
 * unpayable: after one, the next key of a fixed sequence (`pi_create_<order>`, `…_2`, `…_3`) is tried.
 * Every pay call with the same card walks the same sequence and Stripe replays each key's stored
 * answer, so all calls end at the same intent. Should a request that answered 500 have charged after
 * all, its intent is not the one the order records, and its payment_intent.succeeded is refunded
 * (stripe-events.ts): never kept.
 */
async function createIntent(stripe: Stripe, order: PurchaseFacts["order"], paymentMethod: string): Promise<Stripe.PaymentIntent> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await stripe.paymentIntents.create(
        {
          amount: order.amount,
          currency: order.currency.toLowerCase(),
          automatic_payment_methods: { enabled: true, allow_redirects: "never" },
          payment_method: paymentMethod,
          confirm: true,
          metadata: { order_id: order.id, event_id: order.eventId },
          description: `Admit One order ${order.id}`,
        },
        { idempotencyKey: attempt === 1 ? `pi_create_${order.id}` : `pi_create_${order.id}_${attempt}` },
      );
    } catch (error) {
      if (attempt < CREATE_KEYS && error instanceof Stripe.errors.StripeAPIError && error.statusCode === 500) continue;
      if (error instanceof Stripe.errors.StripeCardError) throw error;
      throw refusedPayment(error) ?? error;
    }
  }
}

function paymentInProgress(): ApiError {
  return new ApiError("PAYMENT_IN_PROGRESS", "Another payment attempt for this order is still being processed. Wait a moment and check your order: you will only ever be charged once.", {
    retry_after_seconds: 2,
  });
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
    return paymentInProgress();
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    // The order's create key was used with other parameters: a first pay with another card whose
    // outcome is not recorded yet (still running, or its Worker died; the webhook records it). A
    // second intent must not be made, so this pay does nothing; once the first is recorded, the
    // next pay confirms that intent with this card.
    return paymentInProgress();
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


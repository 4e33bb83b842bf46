/**
 * Confirming a PaymentIntent: which payment method is charged, and what the
 * test card makes of it. Shared by `POST /v1/payment_intents` with
 * `confirm=true` and `POST /v1/payment_intents/:id/confirm`.
 */
import type { Account, StoredPaymentMethod } from "./account";
import { recordCharge } from "./charges";
import { openDispute } from "./disputes";
import type { ApiContext, ApiResult } from "./context";
import { ApiError, docUrl, internalError, paramError, stateError } from "./errors";
import { newId } from "./ids";
import { resolvePaymentMethod } from "./payment-methods";
import type { PaymentError, PaymentIntent, PaymentIntentStatus } from "./shapes";

const CONFIRMABLE: readonly PaymentIntentStatus[] = ["requires_payment_method", "requires_confirmation", "requires_action"];

export function assertConfirmable(intent: PaymentIntent): void {
  if (CONFIRMABLE.includes(intent.status)) return;
  const message =
    intent.status === "succeeded"
      ? "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
      : `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. ` +
        `Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(", ")}.`;
  throw stateError(message, { code: "payment_intent_unexpected_state", payment_intent: structuredClone(intent) });
}

export interface ConfirmationInput {
  /** `payment_method` sent with the confirming request, if any. */
  requested: string | undefined;
  /** The payment method already attached to the PaymentIntent, if any. */
  attached: string | null;
  automaticPaymentMethods: PaymentIntent["automatic_payment_methods"];
  returnUrl: string | null | undefined;
}

/**
 * Picks the payment method to charge, rejecting the request (before anything
 * is written) when there is none or when Stripe would demand a `return_url`.
 */
export function chooseConfirmationMethod(account: Account, input: ConfirmationInput): StoredPaymentMethod {
  const id = input.requested || input.attached;
  if (!id) {
    throw paramError(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the " +
        "PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      "payment_method",
      "payment_intent_unexpected_state",
    );
  }
  const paymentMethod = resolvePaymentMethod(account, id);
  // With automatic payment methods that allow redirects, Stripe refuses a
  // server-side confirm without `return_url`, even for a card that would not
  // redirect. `allow_redirects` is "always" when the client enabled automatic
  // payment methods without opting out; when it left the choice to the
  // Dashboard, the emulated Dashboard has cards only (see docs).
  const auto = input.automaticPaymentMethods;
  if (auto?.enabled && auto.allow_redirects === "always" && !input.returnUrl) {
    throw paramError(
      "A `return_url` must be specified because this Payment Intent is configured to automatically accept the " +
        "payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you " +
        "do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and " +
        "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
      "return_url",
    );
  }
  return paymentMethod;
}

/**
 * Charges the card and moves the PaymentIntent to its outcome, emitting the
 * events Stripe would. A decline is written first and then reported as a 402
 * card error, so the error is part of the stored idempotent response.
 */
export function attemptCharge(ctx: ApiContext, intent: PaymentIntent, paymentMethod: StoredPaymentMethod): ApiResult {
  const outcome = paymentMethod.card.outcome;
  if (outcome.kind === "api_error") throw internalError();

  if (outcome.kind === "decline") {
    const charge = recordCharge(ctx.account, intent, paymentMethod, {
      code: outcome.code,
      declineCode: outcome.declineCode ?? null,
      message: outcome.message,
    });
    const error: PaymentError = {
      charge: charge.id,
      code: outcome.code,
      ...(outcome.declineCode ? { decline_code: outcome.declineCode } : {}),
      doc_url: docUrl(outcome.code),
      message: outcome.message,
      payment_method: structuredClone(paymentMethod.object),
      payment_method_type: "card",
      type: "card_error",
    };
    // Stripe detaches the failed method: the customer has to supply another.
    Object.assign(intent, {
      status: "requires_payment_method",
      payment_method: null,
      next_action: null,
      latest_charge: charge.id,
      last_payment_error: error,
    });
    ctx.emit("charge.failed", charge);
    ctx.emit("payment_intent.payment_failed", intent);
    throw new ApiError(402, { ...error, payment_intent: structuredClone(intent) }, "execution");
  }

  if (outcome.kind === "authenticate") {
    // Nothing is charged until the cardholder completes 3-D Secure with Stripe.js; a confirm from
    // the server alone leaves the PaymentIntent waiting, as Stripe does for these test cards.
    Object.assign(intent, {
      status: "requires_action",
      payment_method: paymentMethod.object.id,
      last_payment_error: null,
      next_action: {
        type: "use_stripe_sdk",
        use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: `https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=${intent.id}`, source: newId("src") },
      },
    });
    ctx.emit("payment_intent.requires_action", intent);
    return { body: intent };
  }

  const charge = recordCharge(ctx.account, intent, paymentMethod, null);
  Object.assign(intent, {
    next_action: null,
    status: "succeeded",
    amount_received: intent.amount,
    payment_method: paymentMethod.object.id,
    latest_charge: charge.id,
    last_payment_error: null,
  });
  ctx.emit("charge.succeeded", charge);
  ctx.emit("payment_intent.succeeded", intent);
  if (outcome.kind === "approve_then_dispute") ctx.emit("charge.dispute.created", openDispute(ctx.account, charge));
  return { body: intent, hangAfterCommit: outcome.kind === "approve_then_hang" };
}

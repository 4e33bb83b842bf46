import { recordBalanceTransaction } from "./balance-transactions";
import { findCharge } from "./charges";
import type { ApiContext, ApiResult, Route } from "./context";
import { formatAmount } from "./currency";
import { paramError, resourceMissing, stateError } from "./errors";
import { newId, nowSeconds } from "./ids";
import { LIST_PARAMS, paginate } from "./lists";
import { applyMetadata } from "./metadata";
import { findPaymentIntent } from "./payment-intents";
import type { Charge, Refund } from "./shapes";

const REASONS = ["duplicate", "fraudulent", "requested_by_customer"] as const;

/** The charge a refund request targets, from `payment_intent` and/or `charge`. */
function targetCharge(ctx: ApiContext): Charge {
  const { account, params } = ctx;
  const paymentIntentId = params.string("payment_intent") || undefined;
  const chargeId = params.string("charge") || undefined;
  if (!paymentIntentId && !chargeId) {
    throw paramError("One of the following params should be provided for this request: payment_intent or charge.", "payment_intent");
  }
  if (chargeId) {
    const charge = findCharge(account, chargeId, "charge");
    if (paymentIntentId && charge.payment_intent !== paymentIntentId) {
      throw paramError(`Charge ${chargeId} does not belong to PaymentIntent ${paymentIntentId}.`, "charge");
    }
    if (charge.status !== "succeeded") {
      throw stateError(`Charge ${chargeId} has not succeeded and cannot be refunded.`, { param: "charge" });
    }
    return charge;
  }
  const intent = findPaymentIntent(account, paymentIntentId as string, "payment_intent");
  if (intent.status !== "succeeded" || !intent.latest_charge) {
    throw stateError(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { param: "payment_intent" });
  }
  return findCharge(account, intent.latest_charge, "payment_intent");
}

/**
 * Creates a refund. The unrefunded balance is checked and debited in the same
 * synchronous step, so however requests interleave, refunds never add up to
 * more than was captured.
 */
function createRefund(ctx: ApiContext): ApiResult {
  const { account, params } = ctx;
  params.assertKnown(["payment_intent", "charge", "amount", "reason", "metadata", "instructions_email"]);
  const requestedAmount = params.integer("amount");
  if (requestedAmount !== undefined && requestedAmount < 1) {
    throw paramError("This value must be greater than or equal to 1.", "amount", "parameter_invalid_integer");
  }
  const reason = params.oneOf("reason", REASONS) ?? null;
  const metadata = applyMetadata(params, {});
  params.nullableString("instructions_email");
  const charge = targetCharge(ctx);

  const remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining <= 0) {
    throw stateError(`Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded" });
  }
  const amount = requestedAmount ?? remaining;
  if (amount > remaining) {
    throw stateError(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge ` +
        `(${formatAmount(remaining, charge.currency)})`,
      { code: "amount_too_large", param: "amount" },
    );
  }

  const id = newId("re");
  const transaction = recordBalanceTransaction(account, {
    amount: -amount,
    currency: charge.currency,
    source: id,
    type: "refund",
    description: "REFUND FOR CHARGE",
  });
  const refund: Refund = {
    amount,
    balance_transaction: transaction.id,
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    destination_details: { card: { type: "refund" }, type: "card" },
    id,
    metadata,
    object: "refund",
    payment_intent: charge.payment_intent,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  account.refunds.set(id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  charge.refunds.data.unshift(refund);
  ctx.emit("refund.created", refund);
  ctx.emit("charge.refunded", charge);
  return { body: refund };
}

export const refundRoutes: Route[] = [
  { method: "POST", pattern: "/v1/refunds", handler: createRefund },
  {
    method: "GET",
    pattern: "/v1/refunds",
    handler: ({ account, params }) => {
      params.assertKnown([...LIST_PARAMS, "payment_intent", "charge"]);
      const paymentIntent = params.string("payment_intent");
      const charge = params.string("charge");
      const refunds = [...account.refunds.values()].filter(
        (refund) =>
          (paymentIntent === undefined || refund.payment_intent === paymentIntent) &&
          (charge === undefined || refund.charge === charge),
      );
      return { body: paginate(refunds, params, "/v1/refunds") };
    },
  },
  {
    method: "GET",
    pattern: "/v1/refunds/:id",
    handler: ({ account, params, pathParams: [id = ""] }) => {
      params.assertKnown([]);
      const refund = account.refunds.get(id);
      if (!refund) throw resourceMissing("refund", id);
      return { body: refund };
    },
  },
];

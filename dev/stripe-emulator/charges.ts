import type { Account, StoredPaymentMethod } from "./account";
import type { Route } from "./context";
import { resourceMissing } from "./errors";
import { newId, nowSeconds, randomToken } from "./ids";
import { LIST_PARAMS, paginate } from "./lists";
import { recordBalanceTransaction } from "./balance-transactions";
import type { Charge, PaymentIntent } from "./shapes";

export interface ChargeFailure {
  code: string;
  declineCode: string | null;
  message: string;
}

/** Records the Charge a confirmation attempt produces, succeeded or failed. */
export function recordCharge(
  account: Account,
  intent: PaymentIntent,
  paymentMethod: StoredPaymentMethod,
  failure: ChargeFailure | null,
): Charge {
  const id = newId("ch");
  const pm = paymentMethod.object;
  const succeeded = failure === null;
  const transaction = succeeded
    ? recordBalanceTransaction(account, { amount: intent.amount, currency: intent.currency, source: id, type: "charge", description: intent.description })
    : null;
  const charge: Charge = {
    amount: intent.amount,
    amount_captured: succeeded ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: transaction?.id ?? null,
    billing_details: structuredClone(pm.billing_details),
    calculated_statement_descriptor: "EMULATOR",
    captured: succeeded,
    created: nowSeconds(),
    currency: intent.currency,
    customer: null,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    id,
    livemode: false,
    metadata: { ...intent.metadata },
    object: "charge",
    on_behalf_of: null,
    outcome: succeeded
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: "approved_by_network",
          reason: null,
          seller_message: "Payment complete.",
          type: "authorized",
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: "declined_by_network",
          reason: failure.declineCode ?? failure.code,
          seller_message: "The bank did not return any further details with this decline.",
          type: "issuer_declined",
        },
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: pm.id,
    payment_method_details: {
      card: {
        amount_authorized: succeeded ? intent.amount : null,
        authorization_code: succeeded ? randomToken(6).toUpperCase() : null,
        brand: pm.card.brand,
        checks: structuredClone(pm.card.checks),
        country: pm.card.country,
        exp_month: pm.card.exp_month,
        exp_year: pm.card.exp_year,
        extended_authorization: { status: "disabled" },
        fingerprint: pm.card.fingerprint,
        funding: pm.card.funding,
        incremental_authorization: { status: "unavailable" },
        installments: null,
        last4: pm.card.last4,
        mandate: null,
        multicapture: { status: "unavailable" },
        network: pm.card.brand,
        network_token: { used: false },
        network_transaction_id: succeeded ? randomToken(15) : null,
        overcapture: { maximum_amount_capturable: intent.amount, status: "unavailable" },
        regulated_status: pm.card.regulated_status,
        three_d_secure: null,
        wallet: null,
      },
      type: "card",
    },
    receipt_email: intent.receipt_email,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/emulator/${id}`,
    refunded: false,
    refunds: { object: "list", data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: intent.statement_descriptor_suffix,
    status: succeeded ? "succeeded" : "failed",
    transfer_data: null,
    transfer_group: null,
  };
  account.charges.set(id, charge);
  return charge;
}

export function findCharge(account: Account, id: string, param = "id"): Charge {
  const charge = account.charges.get(id);
  if (!charge) throw resourceMissing("charge", id, param);
  return charge;
}

export const chargeRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/v1/charges",
    handler: ({ account, params }) => {
      params.assertKnown([...LIST_PARAMS, "payment_intent"]);
      const paymentIntent = params.string("payment_intent");
      const charges = [...account.charges.values()].filter(
        (charge) => paymentIntent === undefined || charge.payment_intent === paymentIntent,
      );
      return { body: paginate(charges, params, "/v1/charges") };
    },
  },
  {
    method: "GET",
    pattern: "/v1/charges/:id",
    handler: ({ account, params, pathParams: [id = ""] }) => {
      params.assertKnown([]);
      return { body: findCharge(account, id) };
    },
  },
];

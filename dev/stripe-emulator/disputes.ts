/**
 * Disputes: Stripe's test card `pm_card_createDispute` (4000 0000 0000 0259) charges successfully and
 * then the cardholder's bank disputes the charge, which emits `charge.dispute.created`. The
 * emulator opens the dispute in the same request, right after the success events, so a test can
 * take it from the event list or the webhook at once. The dispute's debit of the balance is not
 * emulated (`balance_transactions` stays empty).
 */
import type { Account } from "./account";
import type { Route } from "./context";
import { resourceMissing } from "./errors";
import { newId, nowSeconds } from "./ids";
import { LIST_PARAMS, paginate } from "./lists";
import type { Charge, Dispute } from "./shapes";

const EVIDENCE_FIELDS = [
  "access_activity_log",
  "billing_address",
  "cancellation_policy",
  "cancellation_policy_disclosure",
  "cancellation_rebuttal",
  "customer_communication",
  "customer_email_address",
  "customer_name",
  "customer_purchase_ip",
  "customer_signature",
  "duplicate_charge_documentation",
  "duplicate_charge_explanation",
  "duplicate_charge_id",
  "product_description",
  "receipt",
  "refund_policy",
  "refund_policy_disclosure",
  "refund_refusal_explanation",
  "service_date",
  "service_documentation",
  "shipping_address",
  "shipping_carrier",
  "shipping_date",
  "shipping_documentation",
  "shipping_tracking_number",
  "uncategorized_file",
  "uncategorized_text",
] as const;

/** Opens a dispute on a succeeded charge (reason `fraudulent`, as Stripe's test card does). */
export function openDispute(account: Account, charge: Charge): Dispute {
  const created = nowSeconds();
  const dispute: Dispute = {
    amount: charge.amount,
    balance_transactions: [],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, null])) as Dispute["evidence"],
    evidence_details: {
      due_by: created + 7 * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    id: newId("dp"),
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    object: "dispute",
    payment_intent: charge.payment_intent,
    payment_method_details: {
      card: { brand: charge.payment_method_details.card.brand, case_type: "chargeback", network_reason_code: "10.4" },
      type: "card",
    },
    reason: "fraudulent",
    status: "needs_response",
  };
  charge.disputed = true;
  account.disputes.set(dispute.id, dispute);
  return dispute;
}

export const disputeRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/v1/disputes",
    handler: ({ account, params }) => {
      params.assertKnown([...LIST_PARAMS, "charge", "payment_intent"]);
      const charge = params.string("charge");
      const paymentIntent = params.string("payment_intent");
      const disputes = [...account.disputes.values()].filter(
        (dispute) => (charge === undefined || dispute.charge === charge) && (paymentIntent === undefined || dispute.payment_intent === paymentIntent),
      );
      return { body: paginate(disputes, params, "/v1/disputes") };
    },
  },
  {
    method: "GET",
    pattern: "/v1/disputes/:id",
    handler: ({ account, params, pathParams: [id = ""] }) => {
      params.assertKnown([]);
      const dispute = account.disputes.get(id);
      if (!dispute) throw resourceMissing("dispute", id);
      return { body: dispute };
    },
  },
];

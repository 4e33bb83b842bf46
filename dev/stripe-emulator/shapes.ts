/**
 * Wire shapes of the objects the emulator serves. Keys, nesting and types follow
 * Stripe's own fixtures (shared/reference/stripe-fixtures.json); fields that are
 * nullable in Stripe's API are `null` here rather than placeholder objects.
 */
import type { Metadata } from "./metadata";

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface BillingDetails {
  address: Address;
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_id: string | null;
}

export interface CardChecks {
  address_line1_check: string | null;
  address_postal_code_check: string | null;
  cvc_check: string | null;
}

export interface PaymentMethod {
  allow_redisplay: "always" | "limited" | "unspecified";
  billing_details: BillingDetails;
  card: {
    brand: string;
    checks: CardChecks;
    country: string;
    display_brand: string;
    exp_month: number;
    exp_year: number;
    fingerprint: string;
    funding: string;
    generated_from: null;
    last4: string;
    networks: { available: string[]; preferred: string | null };
    regulated_status: string | null;
    three_d_secure_usage: { supported: boolean };
    wallet: null;
  };
  created: number;
  customer: string | null;
  id: string;
  livemode: false;
  metadata: Metadata;
  object: "payment_method";
  type: "card";
}

export type PaymentIntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "canceled"
  | "succeeded";

/** `last_payment_error`: Stripe's error object, as left on a PaymentIntent by a decline. */
export interface PaymentError {
  charge?: string;
  code: string;
  decline_code?: string;
  doc_url: string;
  message: string;
  payment_method?: PaymentMethod;
  payment_method_type?: string;
  type: "card_error";
}

/** What Stripe.js must do before the PaymentIntent can go on (3-D Secure, here). */
export interface NextAction {
  type: "use_stripe_sdk";
  use_stripe_sdk: { type: "three_d_secure_redirect"; stripe_js: string; source: string };
}

export interface PaymentIntent {
  amount: number;
  amount_capturable: number;
  amount_details: { tip: Record<string, never> };
  amount_received: number;
  application: string | null;
  application_fee_amount: number | null;
  automatic_payment_methods: { allow_redirects?: "always" | "never"; enabled: boolean } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: "automatic" | "automatic_async";
  client_secret: string;
  confirmation_method: "automatic";
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  excluded_payment_method_types: string[] | null;
  id: string;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  next_action: NextAction | null;
  object: "payment_intent";
  on_behalf_of: string | null;
  payment_method: string | null;
  payment_method_configuration_details: { id: string; parent: string | null } | null;
  payment_method_options: Record<string, never>;
  payment_method_types: string[];
  processing: null;
  receipt_email: string | null;
  review: string | null;
  setup_future_usage: string | null;
  shipping: null;
  source: string | null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
  transfer_data: null;
  transfer_group: string | null;
}

export interface ListObject<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

export interface Charge {
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: string | null;
  application_fee: string | null;
  application_fee_amount: number | null;
  balance_transaction: string | null;
  billing_details: BillingDetails;
  calculated_statement_descriptor: string | null;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, string>;
  id: string;
  livemode: false;
  metadata: Metadata;
  object: "charge";
  on_behalf_of: string | null;
  outcome: {
    advice_code: string | null;
    network_advice_code: string | null;
    network_decline_code: string | null;
    network_status: string | null;
    reason: string | null;
    seller_message: string | null;
    type: string;
  };
  paid: boolean;
  payment_intent: string | null;
  payment_method: string | null;
  payment_method_details: { card: ChargeCardDetails; type: "card" };
  receipt_email: string | null;
  receipt_number: string | null;
  receipt_url: string | null;
  refunded: boolean;
  refunds: ListObject<Refund>;
  review: string | null;
  shipping: null;
  source: null;
  source_transfer: string | null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: "succeeded" | "pending" | "failed";
  transfer_data: null;
  transfer_group: string | null;
}

export interface ChargeCardDetails {
  amount_authorized: number | null;
  authorization_code: string | null;
  brand: string;
  checks: CardChecks;
  country: string;
  exp_month: number;
  exp_year: number;
  extended_authorization: { status: string };
  fingerprint: string;
  funding: string;
  incremental_authorization: { status: string };
  installments: null;
  last4: string;
  mandate: string | null;
  multicapture: { status: string };
  network: string;
  network_token: { used: boolean };
  network_transaction_id: string | null;
  overcapture: { maximum_amount_capturable: number; status: string };
  regulated_status: string | null;
  three_d_secure: null;
  wallet: null;
}

export interface Refund {
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  destination_details: { card: { type: "refund" | "reversal" | "pending" }; type: "card" };
  id: string;
  metadata: Metadata;
  object: "refund";
  payment_intent: string | null;
  reason: string | null;
  receipt_number: string | null;
  source_transfer_reversal: string | null;
  status: "succeeded" | "pending" | "failed" | "canceled";
  transfer_reversal: string | null;
}

export interface BalanceTransaction {
  amount: number;
  available_on: number;
  balance_type: "payments";
  created: number;
  currency: string;
  description: string | null;
  exchange_rate: number | null;
  fee: number;
  fee_details: { amount: number; application: string | null; currency: string; description: string; type: string }[];
  id: string;
  net: number;
  object: "balance_transaction";
  reporting_category: "charge" | "refund";
  source: string;
  status: "available" | "pending";
  type: "charge" | "refund";
}

export interface Dispute {
  amount: number;
  balance_transactions: unknown[];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: string[];
  evidence: Record<string, string | null>;
  evidence_details: {
    due_by: number | null;
    enhanced_eligibility: Record<string, never>;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
  };
  id: string;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Metadata;
  object: "dispute";
  payment_intent: string | null;
  payment_method_details: { card: { brand: string; case_type: string; network_reason_code: string | null }; type: "card" };
  reason: string;
  status: "warning_needs_response" | "needs_response" | "under_review" | "won" | "lost";
}

export type EventType =
  | "payment_intent.created"
  | "payment_intent.succeeded"
  | "payment_intent.payment_failed"
  | "payment_intent.requires_action"
  | "payment_intent.canceled"
  | "charge.succeeded"
  | "charge.failed"
  | "charge.refunded"
  | "charge.dispute.created"
  | "refund.created";

export interface StripeEvent {
  api_version: string | null;
  created: number;
  data: { object: unknown };
  id: string;
  livemode: false;
  object: "event";
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: EventType;
}

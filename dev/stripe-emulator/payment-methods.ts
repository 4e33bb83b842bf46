import { createHash } from "node:crypto";
import type { Account, StoredPaymentMethod } from "./account";
import type { Route } from "./context";
import { resourceMissing } from "./errors";
import { newId, nowSeconds } from "./ids";

/** How a charge on a test card turns out. */
export type CardOutcome =
  | { kind: "approve" }
  | { kind: "decline"; code: string; declineCode?: string; message: string }
  /** The bank wants the cardholder (3-D Secure): the PaymentIntent goes to `requires_action`. */
  | { kind: "authenticate" }
  /** Succeeds, then the bank disputes the charge (`charge.dispute.created`). */
  | { kind: "approve_then_dispute" }
  /** Emulator-only: the API fails with a 500 (pm_emulator_error). */
  | { kind: "api_error" }
  /** Emulator-only: the charge succeeds but the response never comes. */
  | { kind: "approve_then_hang" };

export interface TestCard {
  brand: string;
  last4: string;
  funding: "credit" | "debit";
  country: string;
  outcome: CardOutcome;
}

const DECLINED = "Your card was declined.";

function card(brand: string, last4: string, outcome: CardOutcome = { kind: "approve" }, funding: TestCard["funding"] = "credit"): TestCard {
  return { brand, last4, funding, country: "US", outcome };
}

function decline(declineCode: string, message = DECLINED, code = "card_declined"): CardOutcome {
  return { kind: "decline", code, declineCode, message };
}

/** Stripe's test PaymentMethod tokens (a subset), plus two emulator fault tokens. */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: card("visa", "4242"),
  pm_card_visa_debit: card("visa", "5556", { kind: "approve" }, "debit"),
  pm_card_mastercard: card("mastercard", "4444"),
  pm_card_amex: card("amex", "8431"),
  pm_card_chargeDeclined: card("visa", "0002", decline("generic_decline")),
  pm_card_chargeDeclinedInsufficientFunds: card("visa", "9995", decline("insufficient_funds", "Your card has insufficient funds.")),
  pm_card_chargeDeclinedLostCard: card("visa", "9987", decline("lost_card")),
  pm_card_chargeDeclinedStolenCard: card("visa", "9979", decline("stolen_card")),
  pm_card_chargeDeclinedFraudulent: card("visa", "0019", decline("fraudulent")),
  pm_card_chargeDeclinedExpiredCard: card("visa", "0069", decline("expired_card", "Your card has expired.", "expired_card")),
  pm_card_chargeDeclinedIncorrectCvc: card("visa", "0127", decline("incorrect_cvc", "Your card's security code is incorrect.", "incorrect_cvc")),
  pm_card_chargeDeclinedProcessingError: card("visa", "0119", {
    kind: "decline",
    code: "processing_error",
    message: "An error occurred while processing your card. Try again in a little bit.",
  }),
  pm_card_threeDSecure2Required: card("visa", "3220", { kind: "authenticate" }),
  pm_card_authenticationRequired: card("visa", "3155", { kind: "authenticate" }),
  pm_card_createDispute: card("visa", "0259", { kind: "approve_then_dispute" }),
  pm_emulator_error: card("visa", "4242", { kind: "api_error" }),
  pm_emulator_hang_after_commit: card("visa", "4242", { kind: "approve_then_hang" }),
};

function fingerprint(testCard: TestCard): string {
  return createHash("sha256").update(`${testCard.brand}:${testCard.last4}`).digest("base64url").slice(0, 16);
}

/**
 * Like Stripe, using a test token (`pm_card_visa`) creates a fresh PaymentMethod
 * with its own `pm_…` id; ids created that way are accepted later too.
 * Unknown ids are a 400 `resource_missing` on the `param` that carried them, as Stripe answers
 * an id in a request body (a 404 is for the resource in the path).
 */
export function resolvePaymentMethod(account: Account, id: string, param = "payment_method"): StoredPaymentMethod {
  const existing = account.paymentMethods.get(id);
  if (existing) return existing;
  const testCard = TEST_CARDS[id];
  if (!testCard) throw resourceMissing("PaymentMethod", id, param, 400);
  const stored: StoredPaymentMethod = { object: buildPaymentMethod(testCard), card: testCard };
  account.paymentMethods.set(stored.object.id, stored);
  return stored;
}

function buildPaymentMethod(testCard: TestCard): StoredPaymentMethod["object"] {
  return {
    allow_redisplay: "unspecified",
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: testCard.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: testCard.country,
      display_brand: testCard.brand,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      fingerprint: fingerprint(testCard),
      funding: testCard.funding,
      generated_from: null,
      last4: testCard.last4,
      networks: { available: [testCard.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: nowSeconds(),
    customer: null,
    id: newId("pm"),
    livemode: false,
    metadata: {},
    object: "payment_method",
    type: "card",
  };
}

export const paymentMethodRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/v1/payment_methods/:id",
    handler: ({ account, params, pathParams: [id = ""] }) => {
      params.assertKnown([]);
      const stored = account.paymentMethods.get(id);
      if (!stored) throw resourceMissing("PaymentMethod", id);
      return { body: stored.object };
    },
  },
];

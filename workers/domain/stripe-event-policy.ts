/**
 * What the Stripe webhook does with an event before it reads anything (issue #13 item 2: every
 * purchase brings three events, and two of them are of no use to us).
 *
 *  - "ignore": a type we never act on (payment_intent.created, charge.succeeded, …) is acknowledged
 *    without a query. Nothing to dedupe: acting on it is doing nothing, however often it comes.
 *  - "idempotent": payment_intent.succeeded needs no dedupe row either. Finalize confirms a pending
 *    order once (its confirming statement matches only `status = 'pending'`), leaves a confirmed or
 *    refunded order alone, and refunds a late payment under one Stripe idempotency key per order;
 *    so a redelivery, a reordering, or the pay request racing it all end in the same state. It costs
 *    one joined read of the order and its payment, which the intent check needs anyway.
 *    payment_intent.requires_action (3-D Secure) only records its intent when pay did not (first writer
 *    wins, so a repeat changes nothing): pay's single Stripe call records nothing before it, and an
 *    unrecorded intent would keep the order's other cards out (workers/use-cases/pay-order.ts). It
 *    costs one read, and the write only then, for 3-D Secure payments alone.
 *  - "deduped": a decline (which asks Stripe for the intent's state) and a dispute (which revokes,
 *    mails the owners and returns units) are recorded by event id and acted on once.
 *
 * Every type is still verified before this is asked, the ignored ones too. Skipping it would save
 * one HMAC over the body (the key is imported once per isolate, workers/adapters/stripe-signature.ts)
 * but the type would then come from an unsigned body: anyone could make the endpoint answer 200,
 * a forged "ignored" event would look like Stripe's in logs and metrics, and a type that becomes
 * handled later would silently inherit an unverified path. The saving is not worth that.
 */
export type StripeEventHandling = "ignore" | "idempotent" | "deduped";

const HANDLING: Record<string, StripeEventHandling> = {
  "payment_intent.succeeded": "idempotent",
  "payment_intent.requires_action": "idempotent",
  "payment_intent.payment_failed": "deduped",
  "charge.dispute.created": "deduped",
};

/**
 * The types the webhook acts on: what a Stripe webhook endpoint for this Worker needs in its
 * `enabled_events` (the bench's emulator endpoint is set so). Any other type would only be verified
 * and answered; Stripe still lists every event.
 */
export const STRIPE_EVENTS_ACTED_ON: readonly string[] = Object.keys(HANDLING);

export function stripeEventHandling(type: string): StripeEventHandling {
  return HANDLING[type] ?? "ignore";
}

export const NOT_ACTED_ON = "not an event type we act on";

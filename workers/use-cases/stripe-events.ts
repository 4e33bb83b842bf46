/**
 * What a verified Stripe event does to the ledger. A signature proves Stripe sent the event, not that
 * it is about the order its metadata names: metadata is whatever the creator of the PaymentIntent
 * wrote. So a payment event acts on an order only when the intent is the one this order's payment row
 * recorded, for the order's amount and currency; anything else is logged and acknowledged (a 200, so
 * Stripe stops retrying it) and changes nothing.
 *
 *  - payment_intent.succeeded: finalize the order (tickets, or a refund if the hold is gone);
 *    acknowledged after one read when the order is already paid (the usual case: pay confirmed it);
 *  - payment_intent.payment_failed: the decline the buyer's pay call would have seen, for when nobody
 *    was waiting on it: the payment is marked failed, as pay does; the order stays pending and keeps
 *    its hold, so the buyer can pay with another card until the hold expires;
 *  - charge.dispute.created: the buyer's bank took the money back; the order's tickets are revoked
 *    (listed at /revocations, refused at the door), their units go back to TierInventory, and the
 *    organizer is told by mail.
 *
 * Which events are deduped by id, and which cost no query at all: workers/domain/stripe-event-policy.ts.
 */
import type Stripe from "stripe";
import { z } from "zod";
import { inTransaction, type HttpDatabase } from "../../db/client";
import { DISPUTE_REVOKE_REASON, disputedOrder, disputedTicketsOfOrder, validTicketsOfOrder } from "../../db/queries/disputes";
import { addSold, lockOrder, recordDeclinedPayment, type OrderRow } from "../../db/queries/orders";
import { orderWithPayment } from "../../db/queries/stripe-payments";
import { enqueueOutbox } from "../../db/queries/outbox";
import { revokeTickets } from "../../db/queries/refunds";
import { createStripe } from "../adapters/stripe";
import { databaseSettings } from "../config";
import { NOT_ACTED_ON } from "../domain/stripe-event-policy";
import { ApiError } from "../errors";
import { inventoryOf } from "../inventory-client";
import { disputeMail } from "../mail/dispute";
import { publishOutbox } from "../outbox-publisher";
import { finalizePaidOrder, type SaleLedger } from "./pay-order";
import { refundStrayIntent } from "./finalize-order";
import { adoptPaymentIntent } from "../../db/queries/confirm-order";

const alreadyPaid = new Set<OrderRow["status"]>(["confirmed", "refunded", "partially_refunded"]);

export type StripeEventOutcome =
  | { handled: true; eventId?: string }
  | { handled: false; ignored: string };

/**
 * What the handlers read of a payment intent and of a dispute. A signed event is Stripe's, but its
 * object is still parsed before anything is compared or written: a field of the wrong type is an
 * event this code does not understand, acknowledged and logged, never a 500 that Stripe retries for days.
 * Only these fields are kept (zod's default): copying the other ~40 of a PaymentIntent into the result
 * (`.passthrough()`) was most of the webhook's zod time in a purchase profile, for fields nothing reads.
 */
const intentFacts = z.object({
  id: z.string().min(1).max(255),
  amount: z.number().int(),
  currency: z.string().min(1).max(10),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  last_payment_error: z.object({ code: z.string().nullish(), decline_code: z.string().nullish() }).nullish(),
});
type IntentFacts = z.infer<typeof intentFacts>;

const disputeFacts = z.object({
  id: z.string().min(1).max(255),
  amount: z.number().int(),
  currency: z.string().min(1).max(10),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  reason: z.string().max(255).catch("unknown"),
  evidence_details: z.object({ due_by: z.number().int().nullish() }).nullish().catch(null),
});

/** Why an intent could not be one pay made for this order (its amount and currency), or undefined. */
function intentMismatch(order: OrderRow, intent: IntentFacts): string | undefined {
  if (intent.amount !== order.amount) return `amount ${intent.amount} is not the order's ${order.amount}`;
  if (intent.currency.toUpperCase() !== order.currency.toUpperCase()) return `currency ${intent.currency} is not the order's ${order.currency}`;
  return undefined;
}

const INTENT_EVENTS = new Set(["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.requires_action"]);

export async function handleStripeEvent(env: Env, db: HttpDatabase, event: Stripe.Event, now: Date, saleFor: (order: OrderRow) => SaleLedger): Promise<StripeEventOutcome> {
  if (INTENT_EVENTS.has(event.type)) {
    const parsed = intentFacts.safeParse(event.data.object);
    if (!parsed.success) return ignore(event, "not a payment intent this code understands");
    const intent = parsed.data;
    const orderId = typeof intent.metadata?.order_id === "string" ? intent.metadata.order_id : undefined;
    // One read: the order and its payment (bench/RESULTS.md counted two before, issue #13 item 2).
    const found = orderId && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(orderId) ? await orderWithPayment(db, orderId) : undefined;
    if (!found) return ignore(event, "no order of ours");
    const { order, payment } = found;
    const mismatch = intentMismatch(order, intent);
    if (mismatch) return ignore(event, mismatch, order.id);
    const recorded = payment?.providerPaymentId;
    if (recorded && recorded !== intent.id) {
      // Not the order's intent (a create that answered 500 and charged after all, a pay that lost to
      // another): a charge on it is refunded, never kept.
      if (event.type === "payment_intent.succeeded") await refundStrayIntent(env, db, order, intent.id);
      return ignore(event, `intent ${intent.id} is not the order's (${recorded})`, order.id);
    }
    if (!recorded) {
      // Pay creates and confirms in one Stripe call and records the intent afterwards: a pay that died
      // in between left it unrecorded. The first writer wins; an intent another request recorded
      // meanwhile is the order's, and this one is refunded if it charged.
      const adopted = await adoptPaymentIntent(db, { orderId: order.id, amount: order.amount, currency: order.currency, providerPaymentId: intent.id });
      if (adopted !== intent.id) {
        if (event.type === "payment_intent.succeeded") await refundStrayIntent(env, db, order, intent.id);
        return ignore(event, `intent ${intent.id} is not the order's (${adopted ?? "none"})`, order.id);
      }
    } else if (payment.amount !== order.amount) {
      return ignore(event, `amount ${payment.amount} is not the order's ${order.amount}`, order.id);
    }
    if (event.type === "payment_intent.requires_action") return { handled: true };
    if (event.type === "payment_intent.succeeded") {
      // The synchronous pay usually confirmed the order already: then finalize would only read the
      // order again and render its tickets for nobody. Safe: a confirmed (or refunded) order is final
      // for finalize, which would change nothing either; pay announced the sale, so no eventId here.
      if (alreadyPaid.has(order.status)) return { handled: true };
      const paid = { id: intent.id, amount: intent.amount, currency: intent.currency.toUpperCase() };
      await finalizePaidOrder(env, db, order.id, now, saleFor(order), { intent: paid }).catch((error: unknown) => {
        // A late payment is refunded inside finalize; that outcome is the webhook's success too.
        if (!(error instanceof ApiError && (error.code === "HOLD_EXPIRED" || error.code === "PAYMENT_IN_PROGRESS"))) throw error;
      });
      return { handled: true, eventId: order.eventId };
    }
    return recordDecline(env, db, order, intent);
  }
  if (event.type === "charge.dispute.created") {
    const dispute = disputeFacts.safeParse(event.data.object);
    if (!dispute.success) return ignore(event, "not a dispute this code understands");
    return revokeDisputedOrder(env, db, dispute.data, now);
  }
  return { handled: false, ignored: NOT_ACTED_ON };
}

/**
 * The webhook's decline: recorded, nothing released (only expiry or a cancel ends the hold). Events
 * arrive in any order, so the intent is asked for its state now: a failure reported after the buyer
 * paid with another card (the intent succeeded or is processing since) records nothing.
 */
async function recordDecline(env: Env, db: HttpDatabase, order: OrderRow, intent: IntentFacts): Promise<StripeEventOutcome> {
  if (order.status !== "pending") return { handled: true };
  const current = await createStripe(env).paymentIntents.retrieve(intent.id);
  if (current.status !== "requires_payment_method") return { handled: true };
  const failureCode = current.last_payment_error?.decline_code ?? current.last_payment_error?.code ?? intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code ?? "card_declined";
  await recordDeclinedPayment(db, order.id, failureCode);
  return { handled: true, eventId: order.eventId };
}

async function revokeDisputedOrder(env: Env, db: HttpDatabase, dispute: z.infer<typeof disputeFacts>, now: Date): Promise<StripeEventOutcome> {
  const intentId = typeof dispute.payment_intent === "string" ? dispute.payment_intent : dispute.payment_intent?.id;
  const found = intentId ? await disputedOrder(db, intentId) : undefined;
  if (!found) return ignore({ id: dispute.id, type: "charge.dispute.created" }, `no payment of ours for intent ${intentId ?? "none"}`);
  const { order } = found;
  if (dispute.currency.toUpperCase() !== found.payment.currency.toUpperCase()) {
    return ignore({ id: dispute.id, type: "charge.dispute.created" }, `currency ${dispute.currency} is not the payment's ${found.payment.currency}`, order.id);
  }
  await inTransaction(databaseSettings(env), async (tx) => {
    await lockOrder(tx, order.id);
    const valid = await validTicketsOfOrder(tx, order.id);
    const revoked = await revokeTickets(tx, valid.map((t) => t.id), DISPUTE_REVOKE_REASON, now);
    // Written with the revocation, so the organization's owners hear of it if and only if it happened.
    for (const owner of found.owners) {
      const mail = disputeMail({
        disputeId: dispute.id,
        orderId: order.id,
        recipientId: owner.id,
        to: owner.email,
        organizerName: owner.name,
        eventTitle: found.eventTitle,
        amount: dispute.amount,
        currency: dispute.currency.toUpperCase(),
        reason: dispute.reason,
        ticketsRevoked: revoked,
        evidenceDueBy: dispute.evidence_details?.due_by ? new Date(dispute.evidence_details.due_by * 1000) : null,
        baseUrl: env.PUBLIC_BASE_URL,
      });
      await enqueueOutbox(tx, "mail", mail.dedupe_key, mail);
    }
  });
  // The units go back on sale once (TierInventory keys the return by the order), also when a
  // redelivery of this event finds the tickets already revoked.
  const disputed = await disputedTicketsOfOrder(db, order.id);
  if (disputed.length > 0) {
    const seats = disputed.flatMap((t) => (t.seatLabel ? [t.seatLabel] : []));
    const returned = await inventoryOf(env, order.tierId).returnSold({ returnId: `dispute_${order.id}`, quantity: disputed.length, seats });
    if (returned.ok && returned.returned) await addSold(db, order.tierId, -disputed.length);
    if (!returned.ok) console.error(JSON.stringify({ level: "error", where: "dispute", dispute_id: dispute.id, error: `TierInventory refused the return: ${returned.message}` }));
  }
  await publishOutbox(env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) })));
  return { handled: true, eventId: order.eventId };
}

function ignore(event: { id: string; type: string }, why: string, orderId?: string): StripeEventOutcome {
  console.warn(JSON.stringify({ level: "warn", where: "stripe-webhook", event_id: event.id, type: event.type, order_id: orderId ?? null, ignored: why }));
  return { handled: false, ignored: why };
}

/**
 * Refunds: the whole order or chosen tickets, by the attendee within the event's refund policy, by
 * the organizer at any time, or by the platform when an event is cancelled.
 *
 * The rules that keep money safe:
 *  - one transaction, under the order's row lock, claims the tickets (revokes them) and writes the
 *    refund row with its idempotency key (order + ticket set): a repeated or concurrent request
 *    finds that row and refunds nothing twice, and two overlapping requests cannot both claim a
 *    ticket;
 *  - the amount is capped by what was paid minus what was already refunded, so partial refunds
 *    add up and never exceed the charge;
 *  - Stripe is asked with the row's idempotency key, so a retry (by the client, or the cron
 *    sweeper after a crash or an outage) refunds once; only then do the units go back to
 *    TierInventory, where the waitlist gets them first. A refund Stripe refuses for good gives the
 *    tickets back.
 */
import Stripe from "stripe";
import { inTransaction, type HttpDatabase } from "../../db/client";
import { findPublishedEvent, type EventRow } from "../../db/queries/catalog";
import { findOrder, lockOrder, paymentOfOrder, setOrderStatus, type OrderRow } from "../../db/queries/orders";
import {
  findRefundById,
  findRefundByKey,
  markRefundFailed,
  insertRefund,
  pricedTicketsOfOrder,
  refundedAmount,
  restoreTickets,
  revokeTickets,
  stalePendingRefunds,
  updateRefund,
  type RefundRow,
} from "../../db/queries/refunds";
import { createStripe } from "../adapters/stripe";
import { sha256Hex } from "../auth/tokens";
import { databaseSettings } from "../config";
import { refundPercentAt, type RefundPolicy } from "../domain/refund-policy";
import { ApiError, validationFailed } from "../errors";
import { orderRefunded } from "../webhooks-out/events";
import { announceRefund, givePromoUseBackIfRefundedInFull, returnUnits } from "./refund-followups";

export type RefundInitiator = "attendee" | "organizer" | "system";

export interface RefundRequest {
  ticketIds?: string[];
  reason?: string;
  by: RefundInitiator;
  /** Names the refund of "everything left" for a purpose (e.g. the event's cancellation). */
  purpose?: "cancellation";
}

const refundable = new Set<OrderRow["status"]>(["confirmed", "partially_refunded", "refunded"]);

/** What the policy gives back now, per ticket, for the attendee's refund button and the check. */
export async function refundQuote(db: HttpDatabase, order: OrderRow, now: Date, knownEvent?: EventRow) {
  const [found, priced, refunded] = await Promise.all([
    knownEvent ?? findPublishedEvent(db, order.eventId),
    pricedTicketsOfOrder(db, order.id),
    refundedAmount(db, order.id),
  ]);
  const event = found!;
  const hoursBeforeStart = (event.startsAt.getTime() - now.getTime()) / 3_600_000;
  const policy = event.refundPolicy as RefundPolicy;
  const percent = refundPercentAt(policy, hoursBeforeStart);
  const rule = policy.schedule.filter((r) => hoursBeforeStart >= r.until_hours_before_start && r.percent === percent)[0] ?? null;
  const tickets = priced.filter((t) => t.status === "valid");
  const gross = tickets.reduce((sum, t) => sum + (t.unitPrice ?? 0), 0);
  const remaining = order.amount - refunded;
  return {
    percent,
    rule,
    hours_before_start: Math.floor(hoursBeforeStart),
    policy,
    ticket_ids: tickets.map((t) => t.id),
    amount: Math.min(Math.floor((gross * percent) / 100), Math.max(0, remaining)),
    currency: order.currency,
    // Per valid ticket, so the attendee can pick: a set's refund is floor(its prices × percent), capped by what is left.
    tickets: tickets.map((t) => ({ ticket_id: t.id, seat: t.seatLabel, price: t.unitPrice ?? 0, amount: Math.floor(((t.unitPrice ?? 0) * percent) / 100) })),
    refundable_amount: Math.max(0, remaining),
  };
}

export async function refundOrder(env: Env, db: HttpDatabase, orderId: string, request: RefundRequest, now: Date): Promise<{ created: boolean; refund: RefundRow }> {
  const order = await findOrder(db, orderId);
  if (!order) throw new ApiError("NOT_FOUND", "No order has this id.");
  if (!refundable.has(order.status)) {
    throw new ApiError("REFUND_NOT_ALLOWED", "Only a paid order can be refunded.", { order_status: order.status });
  }
  const tickets = await pricedTicketsOfOrder(db, order.id);
  const requested = request.ticketIds ? [...new Set(request.ticketIds)].sort() : undefined;
  if (requested) {
    const unknown = requested.filter((id) => !tickets.some((t) => t.id === id));
    if (unknown.length > 0) throw validationFailed([{ field: "ticket_ids", message: `Not tickets of this order: ${unknown.join(", ")}.` }]);
  }
  const setName = request.purpose ?? (requested ? (await sha256Hex(requested.join(","))).slice(0, 24) : "all");
  const idempotencyKey = `refund_${order.id}_${setName}`;

  const earlier = await findRefundByKey(db, idempotencyKey);
  if (earlier) return { created: false, refund: await completeRefund(env, db, earlier.id) };

  const chosen = requested ? tickets.filter((t) => requested.includes(t.id)) : tickets.filter((t) => t.status === "valid");
  // A cancellation gives back all the money left, also what an earlier partial refund kept.
  const everything = request.purpose === "cancellation";
  if (chosen.length === 0 && !(everything && order.amount > (await refundedAmount(db, order.id)))) {
    throw new ApiError("REFUND_NOT_ALLOWED", "Every ticket of this order has already been refunded.", { order_status: order.status });
  }
  const gone = chosen.filter((t) => t.status !== "valid");
  if (gone.length > 0) {
    throw new ApiError("REFUND_NOT_ALLOWED", `Already refunded: ${gone.map((t) => t.seatLabel ?? t.id).join(", ")}.`, { ticket_ids: gone.map((t) => t.id) });
  }

  let percent = 100;
  if (request.by === "attendee") {
    const quote = await refundQuote(db, order, now);
    percent = quote.percent;
    if (percent === 0) {
      throw new ApiError(
        "REFUND_NOT_ALLOWED",
        quote.policy.schedule.length === 0
          ? "This event does not offer refunds. Contact the organizer."
          : `Refunds are no longer available: the event starts in ${quote.hours_before_start} hours, and this event's policy refunds nothing that close to the start.`,
        { rule: quote.rule, percent: 0, hours_before_start: quote.hours_before_start, refund_policy: quote.policy },
      );
    }
  }
  const gross = chosen.reduce((sum, t) => sum + (t.unitPrice ?? 0), 0);
  const wanted = everything ? Number.MAX_SAFE_INTEGER : Math.floor((gross * percent) / 100);

  const outcome = await inTransaction(databaseSettings(env), async (tx) => {
    const locked = (await lockOrder(tx, order.id))!;
    // Asked twice at once: the second waits for the lock, then finds the first one's refund.
    const concurrent = await findRefundByKey(tx, idempotencyKey);
    if (concurrent) return { created: false, refund: concurrent };
    const revoked = await revokeTickets(tx, chosen.map((t) => t.id), "refunded", now);
    // Some were refunded by another request since `tickets` was read: throwing rolls this transaction
    // back, so the tickets it did revoke stay valid (returning would commit them revoked without a refund).
    if (revoked !== chosen.length) throw new TicketsTaken();
    const remaining = locked.amount - (await refundedAmount(tx, order.id));
    const amount = Math.max(0, Math.min(wanted, remaining));
    const refund = (await insertRefund(tx, {
      orderId: order.id,
      idempotencyKey,
      amount,
      currency: order.currency,
      status: amount === 0 ? "succeeded" : "pending",
      reason: request.reason ?? null,
      ticketIds: chosen.map((t) => t.id),
      initiatedBy: request.by,
    }))!;
    // Read under the lock: a concurrent refund of the order's other tickets may have committed since `tickets` was read.
    const stillValid = (await pricedTicketsOfOrder(tx, order.id)).filter((t) => t.status === "valid").length;
    await setOrderStatus(tx, order.id, stillValid === 0 ? "refunded" : "partially_refunded");
    return { created: true, refund };
  }).catch((error: unknown) => {
    if (error instanceof TicketsTaken) throw new ApiError("REFUND_NOT_ALLOWED", "Some of these tickets were refunded by another request just now.");
    throw error;
  });
  return { created: outcome.created, refund: await completeRefund(env, db, outcome.refund.id) };
}

/**
 * Drives a recorded refund to its end: the money through Stripe (idempotent on the refund's key),
 * then the units back to TierInventory (idempotent on the refund's id). Safe to call any number of
 * times, from the request, the sweeper, or the cancellation job.
 */
export async function completeRefund(env: Env, db: HttpDatabase, refundId: string, retry?: string): Promise<RefundRow> {
  let refund = (await findRefundById(db, refundId))!;
  const order = (await findOrder(db, refund.orderId))!;
  if (refund.status === "pending") {
    const payment = await paymentOfOrder(db, order.id);
    if (!payment?.providerPaymentId) throw new Error(`refund ${refund.id}: order ${order.id} has no payment to refund`);
    try {
      const stripeRefund = await submitRefund(createStripe(env), refund, payment.providerPaymentId, retry);
      if (stripeRefund.status === "failed" || stripeRefund.status === "canceled") {
        await failRefund(env, refund, stripeRefund.failure_reason ?? stripeRefund.status);
        throw new ApiError("CONFLICT", "The payment provider could not refund this payment. The tickets are still valid.");
      }
      await settleRefund(db, refund.id, stripeRefund);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError) {
        // Refused — unless another attempt at this same refund got there first (e.g. "already refunded").
        const made = await findMadeRefund(createStripe(env), refund, payment.providerPaymentId);
        if (made) {
          await settleRefund(db, refund.id, made);
        } else {
          await failRefund(env, refund, error.code ?? error.message);
          throw new ApiError("CONFLICT", `The payment provider refused the refund: ${error.message} The tickets are still valid.`);
        }
      } else {
        // Unreachable or failing for now: the refund stays pending and the sweeper finishes it.
        console.warn(JSON.stringify({ level: "warn", where: "refund", refund_id: refund.id, error: String(error) }));
        await updateRefund(db, refund.id, {});
        return (await findRefundById(db, refundId))!;
      }
    }
    refund = (await findRefundById(db, refundId))!;
  }
  if (refund.status !== "failed" && (refund.status === "succeeded" || refund.providerRefundId)) await returnUnits(env, db, order, refund);
  if (refund.status === "succeeded") {
    // Once the money is back; keyed by the refund, so every later call records nothing more.
    await orderRefunded(db, order, refund, new Date());
    await announceRefund(env, db, order, refund);
    // After this refund's own settling, so of refunds settling at once the last sees them all done.
    await givePromoUseBackIfRefundedInFull(env, db, order);
  }
  return refund;
}

/**
 * Asks Stripe for the refund. A retry (`retry` names the attempt) first looks for a refund an earlier
 * attempt made without our hearing back, by our refund id in its metadata: Stripe replays a stored
 * 500 for the same idempotency key for a day, so a retry after an error needs a key of its own.
 */
async function submitRefund(stripe: Stripe, refund: RefundRow, paymentIntent: string, retry: string | undefined): Promise<Stripe.Refund> {
  if (refund.providerRefundId) return stripe.refunds.retrieve(refund.providerRefundId);
  if (retry) {
    const made = await findMadeRefund(stripe, refund, paymentIntent);
    if (made) return made;
  }
  return stripe.refunds.create(
    { payment_intent: paymentIntent, amount: refund.amount, reason: "requested_by_customer", metadata: { order_id: refund.orderId, refund_id: refund.id } },
    { idempotencyKey: retry ? `${refund.idempotencyKey}:retry-${retry}` : refund.idempotencyKey },
  );
}

/** The Stripe refund an attempt at this refund made, found by our refund id in its metadata. */
async function findMadeRefund(stripe: Stripe, refund: RefundRow, paymentIntent: string): Promise<Stripe.Refund | undefined> {
  const made = (await stripe.refunds.list({ payment_intent: paymentIntent, limit: 100 })).data;
  return made.find((r) => r.metadata?.refund_id === refund.id && r.status !== "failed" && r.status !== "canceled");
}

async function settleRefund(db: HttpDatabase, refundId: string, stripeRefund: Stripe.Refund): Promise<void> {
  await updateRefund(db, refundId, { providerRefundId: stripeRefund.id, status: stripeRefund.status === "succeeded" ? "succeeded" : "pending" });
}

async function failRefund(env: Env, refund: RefundRow, why: string): Promise<void> {
  await inTransaction(databaseSettings(env), async (tx) => {
    await lockOrder(tx, refund.orderId);
    // Only a refund still waiting for Stripe's first answer; one Stripe accepted is never undone.
    if (!(await markRefundFailed(tx, refund.id, `${refund.reason ?? ""} (failed: ${why})`.trim()))) return;
    await restoreTickets(tx, refund.ticketIds);
    const revoked = (await pricedTicketsOfOrder(tx, refund.orderId)).some((t) => t.status === "revoked");
    await setOrderStatus(tx, refund.orderId, revoked ? "partially_refunded" : "confirmed");
  });
}

const PENDING_REFUND_GRACE_MS = 5 * 60_000;

/** Cron: finishes refunds left pending by an outage or a crash. */
export async function resumePendingRefunds(env: Env, db: HttpDatabase, now: Date): Promise<{ resumed: number; completed: number }> {
  // Older than any request could still be working on it (the SDK's timeout times its attempts), so
  // a retry under a new key never races the first attempt.
  const stale = await stalePendingRefunds(db, new Date(now.getTime() - PENDING_REFUND_GRACE_MS), 50);
  let completed = 0;
  // Attempts in the same minute share a key, so overlapping sweeps still refund once.
  const attempt = String(Math.floor(now.getTime() / 60_000));
  for (const refund of stale) {
    const done = await completeRefund(env, db, refund.id, attempt).catch((error: unknown) => {
      console.warn(JSON.stringify({ level: "warn", where: "refund-sweeper", refund_id: refund.id, error: String(error) }));
      return undefined;
    });
    if (done?.status === "succeeded") completed++;
  }
  return { resumed: stale.length, completed };
}

/** Thrown inside the refund's transaction to roll it back when another request took some of its tickets. */
class TicketsTaken extends Error {}

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
import { inTransaction, type HttpDatabase } from "../../db/client";
import {
  addSold,
  attendeeOf,
  ensurePayment,
  findOrder,
  insertTickets,
  itemsOfOrder,
  lockOrder,
  paymentOfOrder,
  endPendingOrder,
  recordDeclinedPayment,
  setOrderStatus,
  ticketsOfOrder,
  updatePayment,
  type OrderRow,
} from "../../db/queries/orders";
import { findPublishedEvent } from "../../db/queries/catalog";
import { enqueueOutbox } from "../../db/queries/outbox";
import { recordRefund } from "../../db/queries/refunds";
import { orderToken } from "../auth/order-tokens";
import { publishOutbox } from "../outbox-publisher";
import { orderConfirmationMail } from "../mail/order-confirmation";
import { ensureOrderCode } from "../../db/queries/order-codes";
import { orderCodeCandidate } from "../domain/order-code";
import { createStripe, refusedRequest } from "../adapters/stripe";
import { databaseSettings } from "../config";
import { ApiError, validationFailed } from "../errors";
import { inventoryOf } from "../inventory-client";
import { ticketQrSvg } from "../tickets/qr";
import { loadSigningKey } from "../tickets/signing-keys";
import { signTicket } from "../tickets/ticket-tokens";
import { sellableEvent } from "../sellable-tiers";
import { cardDeclined, confirmKey } from "./payment-attempts";
import { settleQueuePass } from "../waiting-room-client";
import { releasePromoUseOf, sellWithPromoUse } from "./promo-claims";
import { orderPaid } from "../webhooks-out/events";
import { presentIssuedTickets } from "../presenters/issued-tickets";

export async function presentConfirmedOrder(db: HttpDatabase, order: OrderRow) {
  const tickets = (await ticketsOfOrder(db, order.id)).filter((t) => t.token);
  return {
    order_id: order.id,
    status: order.status,
    order_code: order.orderCode,
    ticket_ids: tickets.map((t) => t.id),
    qr_codes: await Promise.all(tickets.map((t) => ticketQrSvg(t.token!))),
    tickets: tickets.map((t) => ({ ticket_id: t.id, token: t.token!, seat: t.seatLabel, status: t.status })),
  };
}

const paidStatuses = new Set<OrderRow["status"]>(["confirmed", "refunded", "partially_refunded"]);

/**
 * Where an order's units are claimed, as pay and finalize see it. The platform's is TierInventory;
 * the bench swaps in the classic Postgres counter (bench/classic-finalize.ts).
 */
export interface SaleLedger {
  /** Turns the order's claim into a sale; false when the claim has lapsed (the money is refunded then). */
  sell(env: Env, db: HttpDatabase, order: OrderRow, now: Date): Promise<boolean>;
  /** Gives the claim back and ends the order (expired, cancelled). Safe to repeat. */
  release(env: Env, db: HttpDatabase, order: OrderRow, status: "expired" | "cancelled"): Promise<void>;
  /** After the confirmation committed. */
  afterConfirm(env: Env, db: HttpDatabase, order: OrderRow): Promise<void>;
}

export const inventorySale: SaleLedger = {
  async sell(env, db, order) {
    // A promo code's use counted apart from the hold is sold first (./promo-claims.ts).
    return sellWithPromoUse(env, db, order, async () => (order.holdId ? (await inventoryOf(env, order.tierId).confirm(order.holdId)).ok : false));
  },
  async release(env, db, order, status) {
    const released = order.holdId ? await inventoryOf(env, order.tierId).release(order.holdId) : undefined;
    // Sold meanwhile (a payment's finalize got there first): that confirmation owns the order now.
    if (released && !released.ok) return;
    await releasePromoUseOf(env, db, order);
    await endPendingOrder(db, order.id, status);
    const sellable = await sellableEvent(db, order.eventId, Date.now());
    if (sellable) await settleQueuePass(env, sellable.event, order.holdId, "unpaid");
  },
  async afterConfirm(_env, db, order) {
    // The tier's sold_count is a ledger summary, not the claim (TierInventory made that). Counting it
    // outside the transaction keeps every confirmation from queuing on the tier's one row; if this
    // statement is lost, the reconciliation cron recounts it from the tickets.
    await addSold(db, order.tierId, order.quantity).catch((error: unknown) =>
      console.warn(JSON.stringify({ level: "warn", where: "sold-count", tier_id: order.tierId, error: String(error) })),
    );
  },
};

export async function payOrder(env: Env, db: HttpDatabase, orderId: string, paymentMethod: string, now: Date, sale: SaleLedger = inventorySale) {
  const order = await findOrder(db, orderId);
  if (!order) throw new ApiError("NOT_FOUND", "No order has this id.");
  if (paidStatuses.has(order.status)) return presentConfirmedOrder(db, order);
  const payment = await paymentOfOrder(db, order.id);
  if (order.status === "cancelled" && payment?.status === "failed") {
    throw new ApiError("PAYMENT_DECLINED", "The payment for this order was declined and its seats were released. Please start a new order.", {
      decline_code: payment.failureCode,
    });
  }
  if (order.status !== "pending") throw holdExpired(payment?.status === "succeeded");
  if ((await sellableEvent(db, order.eventId, now.getTime()))?.event.status === "cancelled" && !payment?.providerPaymentId) {
    await sale.release(env, db, order, "expired");
    throw new ApiError("EVENT_CANCELLED", "This event has been cancelled, so nothing was charged and your order was closed.");
  }

  if (order.amount === 0) return finalizePaidOrder(env, db, order.id, now, sale);
  // A hold that ran out before any charge was attempted, or after the last attempt was declined:
  // do not charge at all.
  if ((!payment?.providerPaymentId || payment.status === "failed") && order.holdExpiresAt && order.holdExpiresAt <= now) {
    await sale.release(env, db, order, "expired");
    throw holdExpired(false);
  }

  const stripe = createStripe(env);
  const record = await ensurePayment(db, { orderId: order.id, idempotencyKey: `order_${order.id}`, amount: order.amount, currency: order.currency });
  let intent = record.providerPaymentId
    ? await stripe.paymentIntents.retrieve(record.providerPaymentId)
    : await stripe.paymentIntents
        .create(
          {
            amount: order.amount,
            currency: order.currency.toLowerCase(),
            automatic_payment_methods: { enabled: true, allow_redirects: "never" },
            metadata: { order_id: order.id, event_id: order.eventId },
            description: `Admit One order ${order.id}`,
          },
          { idempotencyKey: `pi_create_${order.id}` },
        )
        .catch((error: unknown) => {
          throw refusedPayment(error) ?? error;
        });
  if (!record.providerPaymentId) await updatePayment(db, order.id, { providerPaymentId: intent.id, status: "processing" });

  if (intent.status !== "succeeded") {
    try {
      intent = await stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod }, { idempotencyKey: confirmKey(order.id, intent, paymentMethod) });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        // The decline is recorded; the order stays pending and keeps its hold, so the buyer can try
        // another card on the same PaymentIntent until the hold expires.
        const declineCode = error.decline_code ?? error.code ?? "card_declined";
        await recordDeclinedPayment(db, order.id, declineCode);
        throw cardDeclined(declineCode, order.holdExpiresAt);
      }
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "payment_intent_unexpected_state") {
        intent = await stripe.paymentIntents.retrieve(intent.id);
      } else {
        // Refused before any charge (an unknown method, say): the order and its hold stay as they
        // were, so the buyer can pay again with another method.
        throw refusedPayment(error) ?? error;
      }
    }
  }
  if (intent.status === "requires_action" && intent.client_secret) {
    // The bank wants the cardholder (3-D Secure): the page completes that step with Stripe.js
    // (handleNextAction) and calls pay again, which then finds the intent succeeded.
    throw new ApiError("PAYMENT_ACTION_REQUIRED", "Your bank asks you to confirm this payment.", { client_secret: intent.client_secret, payment_status: intent.status });
  }
  if (intent.status !== "succeeded") {
    throw new ApiError("PAYMENT_DECLINED", "The payment could not be completed. Try another card.", { payment_status: intent.status });
  }
  return finalizePaidOrder(env, db, order.id, now, sale);
}

/**
 * After the money is in: sell the hold, issue signed tickets, confirm the order — or, when the
 * hold is gone, refund. Called by pay, the webhook and the sweeper; the order row lock makes
 * concurrent calls take turns, and each finds the work done by the one before.
 */
export async function finalizePaidOrder(env: Env, db: HttpDatabase, orderId: string, now: Date, sale: SaleLedger = inventorySale) {
  const order = (await findOrder(db, orderId))!;
  if (paidStatuses.has(order.status)) return presentConfirmedOrder(db, order);
  if (order.status === "expired" || order.status === "cancelled") {
    await refundLatePayment(env, db, order);
    throw holdExpired(true);
  }
  if (!(await sale.sell(env, db, order, now))) {
    await sale.release(env, db, order, "expired");
    await refundLatePayment(env, db, order);
    throw holdExpired(true);
  }

  const key = await loadSigningKey(db, env.SIGNING_MASTER_KEY, order.eventId);
  const attendee = await attendeeOf(db, order.attendeeId);
  const items = await itemsOfOrder(db, order.id);
  const issued = await Promise.all(
    items.map(async (item) => {
      const id = crypto.randomUUID();
      const token = await signTicket(key, { tid: id, eid: order.eventId, tier: order.tierId, seat: item.seatLabel, name: order.attendeeName, v: 1 }, now);
      return { id, orderId: order.id, eventId: order.eventId, tierId: order.tierId, orderItemId: item.id, seatLabel: item.seatLabel, attendeeName: order.attendeeName, kid: key.kid, token };
    }),
  );
  const event = (await findPublishedEvent(db, order.eventId))!;
  const orderCode = await ensureOrderCode(db, order, (attempt) => orderCodeCandidate(order.id, attempt));
  const mail = orderConfirmationMail({
    orderId: order.id,
    orderCode,
    orderToken: await orderToken(env.SIGNING_MASTER_KEY, order.id),
    baseUrl: env.PUBLIC_BASE_URL,
    to: attendee.email,
    attendeeName: order.attendeeName,
    eventId: event.id,
    eventTitle: event.title,
    organizerName: event.organizerName,
    startsAt: event.startsAt,
    endsAt: event.endsAt,
    timezone: event.timezone,
    venue: { name: event.venueName, address: event.venueAddress, city: event.venueCity },
    tickets: issued.map((t) => ({ token: t.token, seat: t.seatLabel })),
    confirmedAt: now,
  });
  const confirmedHere = await inTransaction(databaseSettings(env), async (tx) => {
    const locked = (await lockOrder(tx, order.id))!;
    if (locked.status !== "pending") return false;
    await insertTickets(tx, issued);
    await updatePayment(tx, order.id, { status: "succeeded" });
    await setOrderStatus(tx, order.id, "confirmed", { confirmedAt: now });
    // Written with the confirmation, so the mail is sent if and only if the order is confirmed.
    await enqueueOutbox(tx, "mail", mail.dedupe_key, mail);
    await orderPaid(tx, order, attendee.email, issued, now);
    return true;
  });
  if (confirmedHere) await Promise.all([sale.afterConfirm(env, db, order), settleQueuePass(env, event, order.holdId, "paid")]);
  // Publish now rather than at the next cron tick; the cron sweep catches it if this fails.
  await publishOutbox(env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) })));
  // Confirmed here: the answer is what this transaction wrote, so it is not read back (two queries
  // fewer per purchase). Otherwise a concurrent finalize confirmed it: read what that one wrote.
  // (Seated tickets are listed in the database's seat-label collation, so those are read back.)
  if (confirmedHere && issued.every((t) => t.seatLabel === null)) return presentIssuedTickets(order.id, orderCode, issued);
  return presentConfirmedOrder(db, (await findOrder(db, order.id))!);
}

export async function expireOrder(env: Env, db: HttpDatabase, order: OrderRow): Promise<void> {
  await inventorySale.release(env, db, order, "expired");
}

/** The money arrived after the hold ended: give it all back, once. */
export async function refundLatePayment(env: Env, db: HttpDatabase, order: OrderRow): Promise<void> {
  const payment = await paymentOfOrder(db, order.id);
  if (!payment?.providerPaymentId || order.amount === 0) return;
  const intent = await createStripe(env).paymentIntents.retrieve(payment.providerPaymentId);
  if (intent.status !== "succeeded") return;
  const idempotencyKey = `refund_late_${order.id}`;
  const refund = await createStripe(env).refunds.create(
    { payment_intent: intent.id, reason: "requested_by_customer", metadata: { order_id: order.id, cause: "hold_expired" } },
    { idempotencyKey },
  );
  await updatePayment(db, order.id, { status: "succeeded" });
  await recordRefund(db, {
    orderId: order.id,
    idempotencyKey,
    providerRefundId: refund.id,
    amount: refund.amount,
    currency: order.currency,
    status: refund.status === "succeeded" ? "succeeded" : "pending",
    reason: "Payment arrived after the hold expired",
    initiatedBy: "system",
  });
}

/**
 * A request Stripe refused, as the buyer's error: a payment method it does not know is a bad field;
 * anything else (an amount it will not charge in this currency) is a payment that cannot go through.
 */
function refusedPayment(error: unknown): ApiError | undefined {
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

export function holdExpired(refunded: boolean): ApiError {
  return new ApiError(
    "HOLD_EXPIRED",
    refunded
      ? "Your hold expired before the payment completed, so the seats went back on sale. The payment has been refunded in full."
      : "Your hold expired and the seats went back on sale. Please start a new order.",
    { refunded },
  );
}

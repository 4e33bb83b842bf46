/**
 * After the money is in: sell the hold, issue signed tickets, confirm the order, or refund when the
 * hold is gone. Called by pay, the Stripe webhook, the sweeper and an event's cancellation.
 */
import Stripe from "stripe";
import type { HttpDatabase } from "../../db/client";
import { findOrder, paymentOfOrder, ticketsOfOrder, updatePayment, type OrderRow } from "../../db/queries/orders";
import { adoptPaymentIntent, confirmPaidOrder, readPurchase, type ConfirmResult, type PurchaseFacts } from "../../db/queries/confirm-order";
import { recordRefund } from "../../db/queries/refunds";
import { orderToken } from "../auth/order-tokens";
import { orderConfirmationMail } from "../mail/order-confirmation";
import { orderCodeCandidate } from "../domain/order-code";
import { createStripe } from "../adapters/stripe";
import { ApiError } from "../errors";
import { ticketQrMatrix, ticketQrSvg } from "../tickets/qr";
import { loadSigningKey } from "../tickets/signing-keys";
import { signTicket } from "../tickets/ticket-tokens";
import { settleQueuePass } from "../waiting-room-client";
import { orderPaidRecord } from "../webhooks-out/events";
import { presentIssuedTickets } from "../presenters/issued-tickets";
import { inventorySale, type SaleLedger } from "./sale-ledger";

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

export const paidStatuses = new Set<OrderRow["status"]>(["confirmed", "refunded", "partially_refunded"]);

export interface FinalizeOptions {
  /** What pay already read (readPurchase), so finalize reads nothing before its statement. */
  known?: PurchaseFacts;
  /** The PaymentIntent that paid, when the caller knows it: the confirming statement records it. */
  intent?: PaidIntent;
  /**
   * The request's ctx.waitUntil: the Queue send of the confirmation's outbox rows then runs after the
   * answer instead of before it. Safe because the rows are committed, leased, with the confirmation:
   * a send that never runs or fails leaves them to the cron once the lease runs out (consumers dedupe).
   */
  waitUntil?: (work: Promise<unknown>) => void;
}

/**
 * After the money is in: sell the hold, issue signed tickets, confirm the order — or, when the
 * hold is gone, refund. Called by pay (with what it already read), the webhook, the sweeper and an
 * event's cancellation. The confirmation is one statement (db/queries/confirm-order.ts) that writes
 * only when it turns the order from pending to confirmed, so concurrent calls confirm once; the others
 * find the work done and answer what the winner wrote.
 *
 * Round trips on the happy path: the joined read (none when pay passes its own) and the confirming
 * statement (its outbox rows are sent, not marked: the Queue consumer marks them; pay sends them after
 * its answer, through waitUntil).
 */
export async function finalizePaidOrder(env: Env, db: HttpDatabase, orderId: string, now: Date, sale: SaleLedger = inventorySale, { known, intent, waitUntil }: FinalizeOptions = {}) {
  const facts = known ?? (await readPurchase(db, orderId))!;
  const { order, event } = facts;
  if (paidStatuses.has(order.status)) {
    // Paid with another intent (pay's facts are read before its Stripe call): this one is refunded.
    if (intent) await refundIfStray(env, db, order, intent);
    return presentConfirmedOrder(db, order);
  }
  if (order.status === "expired" || order.status === "cancelled") {
    await refundLatePayment(env, db, order, intent);
    throw holdExpired(true);
  }
  // (With pay's facts, read before its Stripe calls, the order may have ended since: its hold was
  // then released, so selling it fails here and the payment is refunded, as above.)
  if (!(await sale.sell(env, db, order, now, { countingTierId: facts.promoCountingTierId }))) {
    await sale.release(env, db, order, "expired");
    await refundLatePayment(env, db, order, intent);
    throw holdExpired(true);
  }

  const key = await loadSigningKey(db, env.SIGNING_MASTER_KEY, order.eventId, facts.signingKey);
  const issued = await Promise.all(
    facts.items.map(async (item) => {
      const id = crypto.randomUUID();
      const token = await signTicket(key, { tid: id, eid: order.eventId, tier: order.tierId, seat: item.seatLabel, name: order.attendeeName, v: 1 }, now);
      return { id, orderItemId: item.id, seatLabel: item.seatLabel, kid: key.kid, token };
    }),
  );
  // Each ticket's QR symbol, built once: pay's answer draws it as SVG, and its mask goes into the
  // mail's message so the Queue consumer's PNG is the same symbol without searching the 8 masks again.
  const symbols = issued.map((t) => ticketQrMatrix(t.token));
  const token = await orderToken(env.SIGNING_MASTER_KEY, order.id);
  let result: ConfirmResult = { confirmed: false, codeTaken: true };
  for (let attempt = 0; "codeTaken" in result && attempt < MAX_CODE_ATTEMPTS; attempt++) {
    // The unique index on (event, code) settles two orders racing for one code: the statement then
    // wrote nothing, and is repeated with the order's next candidate.
    const orderCode = order.orderCode ?? orderCodeCandidate(order.id, attempt);
    const mail = orderConfirmationMail({
      orderId: order.id,
      orderCode,
      orderToken: token,
      baseUrl: env.PUBLIC_BASE_URL,
      to: facts.attendeeEmail,
      attendeeName: order.attendeeName,
      eventId: event.id,
      eventTitle: event.title,
      organizerName: event.organizerName,
      startsAt: event.startsAt,
      endsAt: event.endsAt,
      timezone: event.timezone,
      venue: { name: event.venueName, address: event.venueAddress, city: event.venueCity },
      tickets: issued.map((t, i) => ({ token: t.token, seat: t.seatLabel, qrMask: symbols[i]!.mask })),
      confirmedAt: now,
    });
    result = await confirmPaidOrder(db, {
      orderId: order.id,
      confirmedAt: now,
      orderCode,
      tickets: issued,
      // Written with the confirmation, so the mail is sent if and only if the order is confirmed.
      mail: { dedupeKey: mail.dedupe_key, payload: mail },
      orderPaid: orderPaidRecord(order, facts.attendeeEmail, issued, now),
      countSold: sale.countsSoldAtConfirmation,
      intent,
    });
  }
  if ("codeTaken" in result) throw new Error(`no free order code for ${order.id} after ${MAX_CODE_ATTEMPTS} candidates`);
  if (result.confirmed) {
    const send = publishOwnOutbox(env, result.outbox);
    if (waitUntil) waitUntil(send);
    await Promise.all([sale.afterConfirm(env, db, order), settleQueuePass(env, event, order.holdId, "paid"), waitUntil ? undefined : send]);
    // Confirmed here: the answer is what this statement wrote, in the order the database lists it
    // (seat labels in its collation), so nothing is read back.
    return presentIssuedTickets(order.id, result.orderCode, issued.map((t, i) => ({ ...t, qr: symbols[i]! })), result.ticketOrder);
  }
  // Confirmed by a concurrent finalize: answer what that one wrote. If that one confirmed with
  // another intent (or another intent is the order's while it is still pending), this one is refunded.
  const current = (await findOrder(db, order.id))!;
  if (intent && (await refundIfStray(env, db, current, intent)) && current.status === "pending") {
    throw new ApiError("PAYMENT_IN_PROGRESS", "Another payment for this order is being completed; this one has been refunded in full.", { retry_after_seconds: 2 });
  }
  return presentConfirmedOrder(db, current);
}

/** The PaymentIntent that paid, as pay and the webhook know it (finalize records it on the order). */
export interface PaidIntent {
  id: string;
  amount: number;
  /** Upper case, as orders store it. */
  currency: string;
}

/**
 * An intent that is not the one the order records is refunded, never kept (one intent per order: the
 * one its confirmation recorded). Asks Stripe for the intent first, so only a succeeded charge of
 * this order's amount is refunded, under one idempotency key per intent. True when `intent` was not
 * the order's.
 */
export async function refundIfStray(env: Env, db: HttpDatabase, order: OrderRow, intent: PaidIntent): Promise<boolean> {
  const payment = await paymentOfOrder(db, order.id);
  if (payment?.providerPaymentId === intent.id) return false;
  await refundStrayIntent(env, db, order, intent.id);
  return true;
}

export async function refundStrayIntent(env: Env, db: HttpDatabase, order: OrderRow, intentId: string): Promise<void> {
  // Checked again just before the refund, on its own read: the order's recorded intent is never refunded here.
  if ((await paymentOfOrder(db, order.id))?.providerPaymentId === intentId) return;
  const stripe = createStripe(env);
  const current = await stripe.paymentIntents.retrieve(intentId).catch((error: unknown) => {
    // An intent Stripe does not know charged nothing: there is nothing to give back. Only a validly
    // signed event can name one (a leaked webhook secret, a replay from another account); any other
    // failure stays an error, so Stripe delivers the event again.
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing") return undefined;
    throw error;
  });
  if (!current) return;
  if (current.status !== "succeeded" || current.metadata?.order_id !== order.id || current.amount !== order.amount) return;
  const refund = await stripe.refunds.create(
    { payment_intent: current.id, reason: "duplicate", metadata: { order_id: order.id, cause: "not_the_orders_intent" } },
    { idempotencyKey: `refund_stray_${current.id}` },
  );
  console.warn(JSON.stringify({ level: "warn", where: "pay", order_id: order.id, refunded_stray_intent: current.id, refund_id: refund.id }));
}

const MAX_CODE_ATTEMPTS = 20;

/**
 * Hands the outbox rows the confirmation wrote (the mail, the order.paid deliveries) to the Queue now
 * rather than at the next cron tick: only this request's rows, and no round trip. The statement wrote
 * them already leased, so no publisher takes them meanwhile, and the Queue consumer marks them
 * published when it takes their messages. If this send fails, the lease runs out and the cron
 * publishes them (db/queries/outbox.ts; consumers dedupe by key).
 */
async function publishOwnOutbox(env: Env, rows: { id: number; payload: unknown }[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await env.EVENTS_QUEUE.sendBatch(rows.map((row) => ({ body: row.payload, contentType: "json" as const })));
  } catch (error) {
    console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) }));
  }
}

/**
 * The money arrived after the hold ended: give it all back, once. `intent`: the one that paid, when the
 * caller knows it; pay's single Stripe call may have left it unrecorded, so it is adopted first (or, if
 * another intent is the order's, refunded as a stray).
 */
export async function refundLatePayment(env: Env, db: HttpDatabase, order: OrderRow, paid?: PaidIntent): Promise<void> {
  if (paid) {
    const recorded = await adoptPaymentIntent(db, { orderId: order.id, amount: paid.amount, currency: paid.currency, providerPaymentId: paid.id });
    if (recorded !== paid.id) return refundStrayIntent(env, db, order, paid.id);
  }
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

export function holdExpired(refunded: boolean): ApiError {
  return new ApiError(
    "HOLD_EXPIRED",
    refunded
      ? "Your hold expired before the payment completed, so the seats went back on sale. The payment has been refunded in full."
      : "Your hold expired and the seats went back on sale. Please start a new order.",
    { refunded },
  );
}

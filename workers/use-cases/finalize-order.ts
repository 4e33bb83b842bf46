/**
 * After the money is in: sell the hold, issue signed tickets, confirm the order, or refund when the
 * hold is gone. Called by pay, the Stripe webhook, the sweeper and an event's cancellation.
 */
import { inTransaction, type HttpDatabase } from "../../db/client";
import {
  attendeeOf,
  findOrder,
  insertTickets,
  itemsOfOrder,
  lockOrder,
  paymentOfOrder,
  setOrderStatus,
  ticketsOfOrder,
  updatePayment,
  type OrderRow,
} from "../../db/queries/orders";
import { findPublishedEvent } from "../../db/queries/catalog";
import { enqueueOutbox } from "../../db/queries/outbox";
import { recordRefund } from "../../db/queries/refunds";
import { ensureOrderCode } from "../../db/queries/order-codes";
import { orderToken } from "../auth/order-tokens";
import { publishOutbox } from "../outbox-publisher";
import { orderConfirmationMail } from "../mail/order-confirmation";
import { orderCodeCandidate } from "../domain/order-code";
import { createStripe } from "../adapters/stripe";
import { databaseSettings } from "../config";
import { ApiError } from "../errors";
import { ticketQrSvg } from "../tickets/qr";
import { loadSigningKey } from "../tickets/signing-keys";
import { signTicket } from "../tickets/ticket-tokens";
import { settleQueuePass } from "../waiting-room-client";
import { orderPaid } from "../webhooks-out/events";
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

export function holdExpired(refunded: boolean): ApiError {
  return new ApiError(
    "HOLD_EXPIRED",
    refunded
      ? "Your hold expired before the payment completed, so the seats went back on sale. The payment has been refunded in full."
      : "Your hold expired and the seats went back on sale. Please start a new order.",
    { refunded },
  );
}

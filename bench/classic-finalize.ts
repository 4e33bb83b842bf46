/**
 * Bench only — paying for a classic order (see classic-register.ts): the units were already
 * counted in `ticket_tiers.sold_count` by the claim, and there is no TierInventory hold. So, next
 * to workers/use-cases/pay-order.ts:
 *  - finalize does no TierInventory.confirm and no addSold (the claim counted the units); the
 *    reservation's end (`hold_expires_at`) plays the part the hold's expiry plays there;
 *  - a decline or an expiry gives the units back by decrementing `sold_count`, once.
 * The Stripe part of payOrder and everything after the claim (signing tickets, the confirming
 * transaction, the response) is the same code, copied here because payOrder calls its own
 * finalize directly; the private helpers (refundLatePayment, holdExpired) are copied verbatim.
 */
import Stripe from "stripe";
import { sql } from "drizzle-orm";
import { inTransaction, type HttpDatabase } from "../db/client";
import {
  attendeeOf,
  ensurePayment,
  findOrder,
  insertTickets,
  itemsOfOrder,
  lockOrder,
  paymentOfOrder,
  updatePayment,
  setOrderStatus,
  type OrderRow,
} from "../db/queries/orders";
import { findPublishedEvent } from "../db/queries/catalog";
import { enqueueOutbox } from "../db/queries/outbox";
import { recordRefund } from "../db/queries/refunds";
import { orderToken } from "../workers/auth/order-tokens";
import { publishOutbox } from "../workers/outbox-publisher";
import { orderConfirmationMail } from "../workers/mail/order-confirmation";
import { createStripe } from "../workers/adapters/stripe";
import { databaseSettings } from "../workers/config";
import { ApiError } from "../workers/errors";
import { loadSigningKey } from "../workers/tickets/signing-keys";
import { signTicket } from "../workers/tickets/ticket-tokens";
import { presentConfirmedOrder } from "../workers/use-cases/pay-order";

const paidStatuses = new Set<OrderRow["status"]>(["confirmed", "refunded", "partially_refunded"]);

/** payOrder with the classic finalize; the Stripe part is unchanged. */
export async function payOrderClassic(env: Env, db: HttpDatabase, orderId: string, paymentMethod: string, now: Date) {
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

  if (order.amount === 0) return finalizePaidOrderClassic(env, db, order.id, now);
  if (!payment?.providerPaymentId && order.holdExpiresAt && order.holdExpiresAt <= now) {
    await releaseClassicOrder(db, order.id, "expired");
    throw holdExpired(false);
  }

  const stripe = createStripe(env);
  const record = await ensurePayment(db, { orderId: order.id, idempotencyKey: `order_${order.id}`, amount: order.amount, currency: order.currency });
  let intent = record.providerPaymentId
    ? await stripe.paymentIntents.retrieve(record.providerPaymentId)
    : await stripe.paymentIntents.create(
        {
          amount: order.amount,
          currency: order.currency.toLowerCase(),
          automatic_payment_methods: { enabled: true, allow_redirects: "never" },
          metadata: { order_id: order.id, event_id: order.eventId },
          description: `Admit One order ${order.id}`,
        },
        { idempotencyKey: `pi_create_${order.id}` },
      );
  if (!record.providerPaymentId) await updatePayment(db, order.id, { providerPaymentId: intent.id, status: "processing" });

  if (intent.status !== "succeeded") {
    try {
      intent = await stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod }, { idempotencyKey: `pi_confirm_${order.id}_${paymentMethod}` });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        await updatePayment(db, order.id, { status: "failed", failureCode: error.decline_code ?? error.code ?? "card_declined" });
        await releaseClassicOrder(db, order.id, "cancelled");
        throw new ApiError("PAYMENT_DECLINED", error.message || "Your card was declined.", { decline_code: error.decline_code ?? error.code ?? null });
      }
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "payment_intent_unexpected_state") {
        intent = await stripe.paymentIntents.retrieve(intent.id);
      } else {
        throw error;
      }
    }
  }
  if (intent.status !== "succeeded") {
    throw new ApiError("PAYMENT_DECLINED", "The payment could not be completed. Try another card.", { payment_status: intent.status });
  }
  return finalizePaidOrderClassic(env, db, order.id, now);
}

/** finalizePaidOrder without TierInventory.confirm and without addSold. */
export async function finalizePaidOrderClassic(env: Env, db: HttpDatabase, orderId: string, now: Date) {
  const order = (await findOrder(db, orderId))!;
  if (paidStatuses.has(order.status)) return presentConfirmedOrder(db, order);
  if (order.status === "expired" || order.status === "cancelled") {
    await refundLatePayment(env, db, order);
    throw holdExpired(true);
  }
  // Where the real path asks TierInventory to confirm the hold: the reservation must still run.
  if (!order.holdExpiresAt || order.holdExpiresAt <= now) {
    await releaseClassicOrder(db, order.id, "expired");
    await refundLatePayment(env, db, order);
    throw holdExpired(true);
  }

  const key = await loadSigningKey(db, env.SIGNING_MASTER_KEY, order.eventId);
  const attendee = await attendeeOf(db, order.attendeeId);
  const items = await itemsOfOrder(db, order.id);
  const issued = await Promise.all(
    items.map(async (item) => {
      const id = crypto.randomUUID();
      const token = await signTicket(key, { tid: id, eid: order.eventId, tier: order.tierId, seat: item.seatLabel, name: attendee.name, v: 1 }, now);
      return { id, orderId: order.id, eventId: order.eventId, tierId: order.tierId, orderItemId: item.id, seatLabel: item.seatLabel, attendeeName: attendee.name, kid: key.kid, token };
    }),
  );
  const event = (await findPublishedEvent(db, order.eventId))!;
  const mail = orderConfirmationMail({
    orderId: order.id,
    orderToken: await orderToken(env.SIGNING_MASTER_KEY, order.id),
    baseUrl: env.PUBLIC_BASE_URL,
    to: attendee.email,
    attendeeName: attendee.name,
    eventTitle: event.title,
    startsAt: event.startsAt,
    timezone: event.timezone,
    seats: items.map((i) => i.seatLabel),
  });
  await inTransaction(databaseSettings(env), async (tx) => {
    const locked = (await lockOrder(tx, order.id))!;
    if (locked.status !== "pending") return;
    await insertTickets(tx, issued);
    // no addSold: the classic claim already counted these units
    await updatePayment(tx, order.id, { status: "succeeded" });
    await setOrderStatus(tx, order.id, "confirmed", { confirmedAt: now });
    await enqueueOutbox(tx, "mail", mail.dedupe_key, mail);
  });
  await publishOutbox(env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) })));
  return presentConfirmedOrder(db, (await findOrder(db, order.id))!);
}

/** Ends a pending classic order and gives its units back to the counter, once. */
async function releaseClassicOrder(db: HttpDatabase, orderId: string, status: "expired" | "cancelled"): Promise<void> {
  await db.execute(sql`
    WITH o AS (
      UPDATE orders SET status = ${status}, updated_at = now() WHERE id = ${orderId} AND status = 'pending'
      RETURNING tier_id, quantity
    )
    UPDATE ticket_tiers t SET sold_count = t.sold_count - o.quantity FROM o WHERE t.id = o.tier_id`);
}

// ---- copied verbatim from workers/use-cases/pay-order.ts (not exported there) ----

async function refundLatePayment(env: Env, db: HttpDatabase, order: OrderRow): Promise<void> {
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

function holdExpired(refunded: boolean): ApiError {
  return new ApiError(
    "HOLD_EXPIRED",
    refunded
      ? "Your hold expired before the payment completed, so the seats went back on sale. The payment has been refunded in full."
      : "Your hold expired and the seats went back on sale. Please start a new order.",
    { refunded },
  );
}

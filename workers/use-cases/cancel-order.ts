/**
 * The buyer cancels their pending order (`POST /orders/{id}/cancel`): the hold is released at once
 * through the same release path expiry uses (TierInventory, promo use, queue pass), so the seats are
 * back on sale now rather than when the hold would have run out.
 *
 * The rule that keeps money safe: an order never ends with money kept and its seats released.
 *  - Before releasing, the order's PaymentIntent (if any) is cancelled at Stripe, so no later confirm
 *    can charge it; an intent that is processing or succeeded is refused (PAYMENT_IN_PROGRESS).
 *  - TierInventory decides between a racing pay and cancel: a hold sold by pay's finalize cannot be
 *    released (the order ends confirmed and cancel is refused), and a released hold cannot be sold
 *    (finalize then refunds the charge in full, refundLatePayment).
 *  - After releasing, an intent a racing pay created meanwhile is cancelled too.
 * Idempotent: a cancelled order answers as cancelled again.
 */
import Stripe from "stripe";
import { inTransaction, type HttpDatabase } from "../../db/client";
import { findOrder, itemsOfOrder, lockOrder, paymentOfOrder, setOrderStatus, type OrderRow } from "../../db/queries/orders";
import { databaseSettings } from "../config";
import { createStripe } from "../adapters/stripe";
import { decideCancel, type IntentStatus } from "../domain/order-cancel";
import { ApiError } from "../errors";
import { inventorySale } from "./pay-order";

export interface CancelledOrder {
  order_id: string;
  status: "cancelled";
  /** False when an earlier request had already cancelled it. */
  cancelled_now: boolean;
  quantity: number;
  seats: string[];
}

async function intentOf(env: Env, db: HttpDatabase, orderId: string): Promise<Stripe.PaymentIntent | undefined> {
  const payment = await paymentOfOrder(db, orderId);
  return payment?.providerPaymentId ? createStripe(env).paymentIntents.retrieve(payment.providerPaymentId) : undefined;
}

/** Cancels the intent so nobody can pay it; true when it is cancelled (now or before). */
async function cancelIntent(env: Env, order: OrderRow, intent: Stripe.PaymentIntent): Promise<boolean> {
  if (intent.status === "canceled") return true;
  const stripe = createStripe(env);
  try {
    // No shared idempotency key: two cancels at once would make one of them wait on the other's key
    // (409). Cancelling is idempotent by itself: a second one is refused as unexpected and the
    // intent's status, read below, says it is cancelled.
    const cancelled = await stripe.paymentIntents.cancel(intent.id, {}, { idempotencyKey: `pi_cancel_${order.id}_${crypto.randomUUID()}` });
    if (cancelled.status === "canceled") return true;
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeIdempotencyError)) throw error;
  }
  // Refused: it moved on meanwhile (a confirm got there first). Stripe's state now decides.
  return (await stripe.paymentIntents.retrieve(intent.id)).status === "canceled";
}

function refusal(code: "ORDER_NOT_CANCELLABLE" | "PAYMENT_IN_PROGRESS", message: string, orderStatus: string): ApiError {
  return new ApiError(code, message, { order_status: orderStatus });
}

export async function cancelOrder(env: Env, db: HttpDatabase, orderId: string, now: Date): Promise<CancelledOrder> {
  const order = await findOrder(db, orderId);
  if (!order) throw new ApiError("NOT_FOUND", "No order has this id.");
  const present = async (cancelledNow: boolean): Promise<CancelledOrder> => {
    const items = await itemsOfOrder(db, order.id);
    return { order_id: order.id, status: "cancelled", cancelled_now: cancelledNow, quantity: order.quantity, seats: items.flatMap((i) => (i.seatLabel ? [i.seatLabel] : [])) };
  };
  const intent = order.status === "pending" ? await intentOf(env, db, order.id) : undefined;
  const decision = decideCancel(order.status, order.holdExpiresAt, intent?.status as IntentStatus | undefined, now);
  if (decision.kind === "already_cancelled") return present(false);
  if (decision.kind === "refuse") throw refusal(decision.code, decision.message, decision.orderStatus);
  if (intent && decision.cancelIntent && !(await cancelIntent(env, order, intent))) {
    const inProgress = decideCancel("pending", null, "processing", now);
    throw refusal("PAYMENT_IN_PROGRESS", inProgress.kind === "refuse" ? inProgress.message : "A payment is going through.", "pending");
  }

  // The release path expiry uses; TierInventory refuses it for a hold a racing payment has sold.
  await inventorySale.release(env, db, order, "cancelled");
  let after = (await findOrder(db, order.id))!;
  if (after.status === "expired" && !(after.holdExpiresAt && after.holdExpiresAt <= now)) {
    // A racing payment's finalize found the hold this cancel released and ended the order as expired
    // (refunding any charge) before this request wrote cancelled: the hold had not run out, so it
    // ended because the buyer cancelled, and says so.
    await inTransaction(databaseSettings(env), async (tx) => {
      if ((await lockOrder(tx, order.id))?.status === "expired") await setOrderStatus(tx, order.id, "cancelled");
    });
    after = (await findOrder(db, order.id))!;
  }
  if (after.status !== "cancelled") {
    // Sold (or ended) meanwhile: the payment won. It ends confirmed, or, for a hold that lapsed, expired.
    const late = decideCancel(after.status, after.holdExpiresAt, after.status === "pending" ? "processing" : undefined, now);
    if (late.kind === "refuse") throw refusal(late.code, late.message, late.orderStatus);
    throw refusal("PAYMENT_IN_PROGRESS", "A payment for this order is going through, so it cannot be cancelled now.", after.status);
  }
  // A pay that passed its status check before we cancelled may have created an intent since: make
  // sure it cannot be charged. Had it already been charged, finalize refunds it (the hold is gone).
  const latest = await intentOf(env, db, order.id);
  if (latest && latest.status !== "succeeded" && latest.status !== "processing") await cancelIntent(env, order, latest).catch(() => false);
  return present(true);
}

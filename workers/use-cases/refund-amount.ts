/**
 * The organizer's refund of an amount (`POST /orders/{id}/refund {amount, idempotency_key}`): money
 * only, the tickets stay as they are. Safe as refund-order.ts is: under the order's row lock the
 * amount is checked against what is left (paid minus refunded, domain/refund-amount.ts) and the refund
 * row written with a key from the client's idempotency key, so a retried or concurrent request finds
 * that row and Stripe is asked once (completeRefund).
 */
import { inTransaction, type HttpDatabase } from "../../db/client";
import { findOrder, lockOrder, setOrderStatus, type OrderRow } from "../../db/queries/orders";
import { findRefundByKey, insertRefund, pricedTicketsOfOrder, refundedAmount, type RefundRow } from "../../db/queries/refunds";
import { sha256Hex } from "../auth/tokens";
import { databaseSettings } from "../config";
import { checkAmountRefund } from "../domain/refund-amount";
import { ApiError } from "../errors";
import { completeRefund } from "./refund-order";

export interface AmountRefundRequest {
  amount: number;
  idempotencyKey: string;
  reason?: string;
}

const refundable = new Set<OrderRow["status"]>(["confirmed", "partially_refunded", "refunded"]);

export async function refundAmount(env: Env, db: HttpDatabase, orderId: string, request: AmountRefundRequest): Promise<RefundRow> {
  const order = await findOrder(db, orderId);
  if (!order) throw new ApiError("NOT_FOUND", "No order has this id.");
  if (!refundable.has(order.status)) throw new ApiError("REFUND_NOT_ALLOWED", "Only a paid order can be refunded.", { order_status: order.status });
  const idempotencyKey = `refund_${order.id}_amount_${(await sha256Hex(request.idempotencyKey)).slice(0, 24)}`;
  const outcome = await inTransaction(databaseSettings(env), async (tx) => {
    const locked = (await lockOrder(tx, order.id))!;
    const earlier = await findRefundByKey(tx, idempotencyKey);
    if (earlier) return { refund: earlier };
    const check = checkAmountRefund(request.amount, locked.amount, await refundedAmount(tx, order.id));
    if (!check.ok) return { refused: check, refund: undefined };
    const refund = (await insertRefund(tx, {
      orderId: order.id,
      idempotencyKey,
      amount: request.amount,
      currency: order.currency,
      status: "pending",
      reason: request.reason ?? null,
      ticketIds: [],
      initiatedBy: "organizer",
    }))!;
    const valid = (await pricedTicketsOfOrder(tx, order.id)).filter((t) => t.status === "valid").length;
    await setOrderStatus(tx, order.id, valid === 0 ? "refunded" : "partially_refunded");
    return { refund };
  });
  if (!outcome.refund) throw new ApiError("REFUND_NOT_ALLOWED", outcome.refused!.message, { refundable_amount: outcome.refused!.refundable });
  if (outcome.refund.amount !== request.amount || outcome.refund.ticketIds.length > 0) {
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for a refund of another amount. Use a new key for a new refund.");
  }
  return completeRefund(env, db, outcome.refund.id);
}

/**
 * An order's short code where people see it: paid orders have one (given at confirmation; an order
 * paid before codes existed gets its own the first time it is shown); unpaid ones have none.
 */
import type { HttpDatabase } from "../../db/client";
import { ensureOrderCode } from "../../db/queries/order-codes";
import type { OrderRow } from "../../db/queries/orders";
import { orderCodeCandidate } from "../domain/order-code";

const PAID = new Set<OrderRow["status"]>(["confirmed", "refunded", "partially_refunded"]);

export async function orderCodeOf(db: HttpDatabase, order: Pick<OrderRow, "id" | "status" | "orderCode">): Promise<string | null> {
  if (order.orderCode) return order.orderCode;
  if (!PAID.has(order.status)) return null;
  return ensureOrderCode(db, order, (attempt) => orderCodeCandidate(order.id, attempt));
}

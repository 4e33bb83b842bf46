/**
 * What a Stripe payment event needs to know of the order its metadata names, in one round trip:
 * the order and its payment row (the intent, amount and currency the event must match).
 */
import { eq } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { orders, payments } from "../schema";

export async function orderWithPayment(db: HttpDatabase, orderId: string) {
  const [row] = await db.select({ order: orders, payment: payments }).from(orders).leftJoin(payments, eq(payments.orderId, orders.id)).where(eq(orders.id, orderId)).limit(1);
  return row ? { order: row.order, payment: row.payment ?? undefined } : undefined;
}

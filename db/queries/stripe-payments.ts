/**
 * What a Stripe payment event needs to know of the order its metadata names, in one round trip:
 * the order and its payment row (the intent, amount and currency the event must match).
 */
import { eq, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { preparedPer } from "../prepared";
import { orders, payments } from "../schema";

/** Its SQL text written once per database instance (db/prepared.ts): every webhook of a purchase asks. */
const orderWithPaymentQuery = preparedPer((db) =>
  db
    .select({ order: orders, payment: payments })
    .from(orders)
    .leftJoin(payments, eq(payments.orderId, orders.id))
    .where(eq(orders.id, sql.placeholder("orderId")))
    .limit(1)
    .prepare("order_with_payment"),
);

export async function orderWithPayment(db: HttpDatabase, orderId: string) {
  const [row] = await orderWithPaymentQuery(db).execute({ orderId });
  return row ? { order: row.order, payment: row.payment ?? undefined } : undefined;
}

/**
 * The cron sweeper for the purchase saga: resumes or compensates every pending order whose hold
 * ran out. It catches what a crashed request left behind — a charge without tickets, a hold with
 * no payment — and drives it to the same end state pay or the webhook would have reached.
 */
import type { HttpDatabase } from "../../db/client";
import { overduePendingOrders, paymentOfOrder } from "../../db/queries/orders";
import { createStripe } from "../adapters/stripe";
import { ApiError } from "../errors";
import { expireOrder, finalizePaidOrder } from "./pay-order";

const BATCH = 50;
/** Leave a just-expired hold to the request that may still be paying for it. */
const GRACE_MS = 60_000;

export interface SweepReport {
  expired: number;
  finalized: number;
  refunded: number;
}

export async function sweepOverdueOrders(env: Env, db: HttpDatabase, now: Date): Promise<SweepReport> {
  const report: SweepReport = { expired: 0, finalized: 0, refunded: 0 };
  const overdue = await overduePendingOrders(db, new Date(now.getTime() - GRACE_MS), BATCH);
  for (const order of overdue) {
    const payment = await paymentOfOrder(db, order.id);
    const intent = payment?.providerPaymentId ? await createStripe(env).paymentIntents.retrieve(payment.providerPaymentId) : undefined;
    if (intent?.status === "succeeded" || (order.amount === 0 && payment)) {
      try {
        await finalizePaidOrder(env, db, order.id, now);
        report.finalized++;
      } catch (error) {
        if (!(error instanceof ApiError && error.code === "HOLD_EXPIRED")) throw error;
        report.refunded++;
      }
      continue;
    }
    if (intent && intent.status !== "canceled") {
      // Nobody may pay this intent any more: its units are going back on sale.
      await createStripe(env).paymentIntents.cancel(intent.id, {}, { idempotencyKey: `pi_cancel_${order.id}` }).catch(() => undefined);
    }
    await expireOrder(env, db, order);
    report.expired++;
  }
  return report;
}

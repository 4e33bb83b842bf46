/**
 * Cancelling an event refunds every paid order in full, in the background.
 *
 * The cancel request marks the event cancelled and, in the same transaction, records the
 * cancellation and an outbox message; it then closes every tier's TierInventory (no new holds, the
 * waitlist is told). The Queue consumer works through the orders a batch at a time — pending orders
 * are expired (a payment that lands anyway is refunded), paid orders are refunded through the
 * ordinary refund path with one idempotency key per order — and sends itself the next batch. The
 * cron re-sends a message for every cancellation still running, so a crash anywhere only delays it;
 * the refund keys make every order refunded exactly once however often a batch runs.
 */
import type { HttpDatabase } from "../../db/client";
import { findCancellation, pendingOrdersOfEvent, recordCancellationProgress, runningCancellations } from "../../db/queries/cancellations";
import { listTiersOfEvents } from "../../db/queries/catalog";
import { paymentOfOrder } from "../../db/queries/orders";
import { paidOrdersOfEvent } from "../../db/queries/refunds";
import { createStripe } from "../adapters/stripe";
import { ApiError } from "../errors";
import { inventoryOf } from "../inventory-client";
import type { QueueMessage } from "../messages";
import { expireOrder, finalizePaidOrder } from "./pay-order";
import { refundOrder } from "./refund-order";

const BATCH = 10;

export function cancellationMessage(eventId: string, step: string): Extract<QueueMessage, { type: "event.cancellation" }> {
  return { type: "event.cancellation", event_id: eventId, dedupe_key: `cancel:${eventId}:${step}` };
}

/** After the cancel commits: stop every tier selling. Idempotent. */
export async function closeInventories(env: Env, db: HttpDatabase, eventId: string): Promise<void> {
  const tiers = await listTiersOfEvents(db, [eventId]);
  await Promise.all(tiers.map((tier) => inventoryOf(env, tier.id).close()));
}

export interface CancellationStep {
  done: boolean;
  refunded: number;
  expired: number;
  failed: number;
}

/** One batch of the cancellation; safe to run again, concurrently or after a crash. */
export async function continueCancellation(env: Env, db: HttpDatabase, eventId: string, now: Date, batch = BATCH): Promise<CancellationStep> {
  const cancellation = await findCancellation(db, eventId);
  const step: CancellationStep = { done: true, refunded: 0, expired: 0, failed: 0 };
  if (!cancellation || cancellation.status === "completed") return step;
  await closeInventories(env, db, eventId);

  for (const order of await pendingOrdersOfEvent(db, eventId, batch)) {
    const payment = await paymentOfOrder(db, order.id);
    const intent = payment?.providerPaymentId ? await createStripe(env).paymentIntents.retrieve(payment.providerPaymentId) : undefined;
    if (intent && intent.status !== "succeeded" && intent.status !== "canceled") {
      await createStripe(env).paymentIntents.cancel(intent.id, {}, { idempotencyKey: `pi_cancel_${order.id}` }).catch(() => undefined);
    }
    await expireOrder(env, db, order);
    // Paid just before the cancellation: finalize finds the order expired and refunds the payment.
    if (intent?.status === "succeeded") {
      await finalizePaidOrder(env, db, order.id, now).catch((error: unknown) => {
        if (!(error instanceof ApiError && error.code === "HOLD_EXPIRED")) throw error;
      });
    }
    step.expired++;
  }

  for (const order of await paidOrdersOfEvent(db, eventId, batch)) {
    try {
      const { refund } = await refundOrder(env, db, order.id, { by: "system", purpose: "cancellation", reason: "Event cancelled" }, now);
      if (refund.status === "succeeded") step.refunded++;
      else step.failed++;
    } catch (error) {
      step.failed++;
      console.warn(JSON.stringify({ level: "warn", where: "cancellation", event_id: eventId, order_id: order.id, error: String(error) }));
    }
  }

  const progress = await recordCancellationProgress(db, eventId, now);
  step.done = progress.status === "completed";
  if (!step.done && step.failed === 0) {
    // More to do: the next batch, now. (After failures, the cron's next tick tries again.)
    await env.EVENTS_QUEUE.send(cancellationMessage(eventId, `${progress.ordersRefunded}-${now.getTime()}`), { contentType: "json" });
  }
  return step;
}

/** Cron: every cancellation still running gets a message, so a lost one or a crash only delays it. */
export async function resumeCancellations(env: Env, db: HttpDatabase, now: Date): Promise<number> {
  const running = await runningCancellations(db);
  for (const cancellation of running) {
    await env.EVENTS_QUEUE.send(cancellationMessage(cancellation.eventId, `resume-${now.getTime()}`), { contentType: "json" });
  }
  return running.length;
}

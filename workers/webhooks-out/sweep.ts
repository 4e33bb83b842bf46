/**
 * Cron, every minute: deliveries whose next attempt is due (retries, and any whose first dispatch
 * message was lost) go to the Queue in small batches. The delivery rows are the source of truth,
 * so a sweep that runs twice, or overlaps the consumer, only sends messages that find nothing to take.
 */
import type { HttpDatabase } from "../../db/client";
import { dueDeliveries } from "../../db/queries/webhook-deliveries";
import type { QueueMessage } from "../messages";

const SWEEP_LIMIT = 500;
const PER_MESSAGE = 25;

export function dispatchMessage(deliveryIds: string[], key: string, manual = false): Extract<QueueMessage, { type: "webhook.dispatch" }> {
  return { type: "webhook.dispatch", dedupe_key: key, delivery_ids: deliveryIds, ...(manual ? { manual } : {}) };
}

export async function sweepDueWebhooks(env: Env, db: HttpDatabase, now: Date): Promise<number> {
  const due = await dueDeliveries(db, now, SWEEP_LIMIT);
  const messages = [];
  for (let i = 0; i < due.length; i += PER_MESSAGE) {
    messages.push({ body: dispatchMessage(due.slice(i, i + PER_MESSAGE), `webhook-sweep:${now.getTime()}:${i}`), contentType: "json" as const });
  }
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < messages.length; i += 100) await env.EVENTS_QUEUE.sendBatch(messages.slice(i, i + 100));
  return due.length;
}

/**
 * The second chance for `order.refunded`. A refund is settled by one statement and its event is
 * recorded by the next (the money comes back outside any transaction of ours); every repeat of the
 * request, the Queue's retries and the refund sweeper run that next statement again, keyed by the
 * refund. What none of them covers is a request that settled the refund and ended before the event
 * with nobody asking again: each minute the cron records those, for refunds settled between a day
 * and a minute ago (younger ones may still be in their own request). The dedupe key makes a race
 * with a late request one event.
 */
import type { HttpDatabase } from "../../db/client";
import { refundsMissingTheirEvent } from "../../db/queries/webhook-events";
import { dispatchNow, orderRefunded } from "./events";

const GRACE_MS = 60_000;
const LOOK_BACK_MS = 24 * 3_600_000;
const BATCH = 200;

export async function recordMissedRefundEvents(env: Env, db: HttpDatabase, now: Date): Promise<number> {
  const missed = await refundsMissingTheirEvent(db, new Date(now.getTime() - LOOK_BACK_MS), new Date(now.getTime() - GRACE_MS), BATCH);
  for (const { order, refund, refundedAt } of missed) {
    await dispatchNow(env, await orderRefunded(db, order, refund, refundedAt));
  }
  return missed.length;
}

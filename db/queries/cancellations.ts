/**
 * Event cancellations: the row that tracks refunding every paid order of a cancelled event, so the
 * organizer sees progress and the job can resume where a crash left it.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { eventCancellations, orders } from "../schema";

export type CancellationRow = typeof eventCancellations.$inferSelect;



export async function startCancellationRow(tx: Transaction, eventId: string): Promise<void> {
  await tx.execute(sql`
    INSERT INTO event_cancellations (event_id, orders_total)
    SELECT ${eventId}, count(*)::int FROM orders WHERE event_id = ${eventId} AND status IN ('confirmed', 'partially_refunded', 'refunded')
    ON CONFLICT (event_id) DO NOTHING`);
}

export async function findCancellation(db: HttpDatabase, eventId: string): Promise<CancellationRow | undefined> {
  const [row] = await db.select().from(eventCancellations).where(eq(eventCancellations.eventId, eventId)).limit(1);
  return row;
}

export async function runningCancellations(db: HttpDatabase): Promise<CancellationRow[]> {
  return db.select().from(eventCancellations).where(eq(eventCancellations.status, "running"));
}

/**
 * Recounts progress from the ledger: a paid order is done when none of its tickets is valid and all
 * its money is back. Marks the cancellation completed when every order is done.
 */
export async function recordCancellationProgress(db: HttpDatabase, eventId: string, now: Date): Promise<CancellationRow> {
  // Done: no valid ticket left and every cent given back (succeeded refunds, not pending ones).
  const result = await db.execute<{ total: number; done: number }>(sql`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM tickets k WHERE k.order_id = o.id AND k.status = 'valid')
             AND o.amount <= coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.order_id = o.id AND r.status = 'succeeded'), 0))::int AS done
    FROM orders o
    WHERE o.event_id = ${eventId} AND o.status IN ('confirmed', 'partially_refunded', 'refunded')`);
  const { total, done } = result.rows[0] ?? { total: 0, done: 0 };
  const finished = done >= total;
  const [row] = await db
    .update(eventCancellations)
    .set({
      // Orders refunded by attendees before the cancellation count as done too.
      ordersTotal: total,
      ordersRefunded: done,
      ...(finished ? { status: "completed" as const, finishedAt: now } : {}),
    })
    .where(eq(eventCancellations.eventId, eventId))
    .returning();
  return row!;
}

export async function pendingOrdersOfEvent(db: HttpDatabase, eventId: string, limit: number) {
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.eventId, eventId), inArray(orders.status, ["pending"])))
    .limit(limit);
}



/**
 * The ledger's side of reconciliation: `ticket_tiers.sold_count` recounted from the live tickets,
 * and the figures the cron compares with each tier's TierInventory.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export type TierLedgerCount = {
  tier_id: string;
  event_id: string;
  capacity: number;
  sold_count: number;
  valid_tickets: number;
};

/**
 * Tiers of events still selling or just past (ended less than a day ago), with their sold_count and
 * the number of valid tickets the ledger holds for them.
 */
export async function tiersToReconcile(db: HttpDatabase, now: Date): Promise<TierLedgerCount[]> {
  const result = await db.execute<TierLedgerCount>(sql`
    SELECT t.id AS tier_id, t.event_id, t.capacity, t.sold_count,
           (SELECT count(*)::int FROM tickets k WHERE k.tier_id = t.id AND k.status = 'valid') AS valid_tickets
    FROM ticket_tiers t JOIN events e ON e.id = t.event_id
    WHERE e.status IN ('published', 'cancelled') AND e.ends_at > ${new Date(now.getTime() - 86_400_000).toISOString()}
    ORDER BY t.id`);
  return result.rows;
}

/**
 * Sets sold_count to the valid tickets of the tier. Guarded by the value read, so a confirmation or
 * refund that moved the counter in between is not overwritten with a stale figure.
 */
export async function setSoldCount(db: HttpDatabase, tierId: string, from: number, to: number): Promise<boolean> {
  const result = await db.execute(sql`UPDATE ticket_tiers SET sold_count = ${to} WHERE id = ${tierId} AND sold_count = ${from}`);
  return (result.rowCount ?? 0) > 0;
}

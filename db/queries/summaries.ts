/**
 * Report summaries, rebuilt from the ledger by cron so dashboards never scan every order.
 * Each refresh recomputes whole rows from source tables, so running it twice changes nothing.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export async function refreshSalesDaily(db: HttpDatabase): Promise<void> {
  await db.execute(sql`
    INSERT INTO sales_daily (event_id, tier_id, day, tickets_sold, gross_amount, refunded_amount, refreshed_at)
    SELECT event_id, tier_id, day, sum(sold)::int, sum(gross)::int, sum(refunded)::int, now()
    FROM (
      SELECT o.event_id, o.tier_id, (o.confirmed_at AT TIME ZONE 'UTC')::date AS day,
             o.quantity AS sold, o.amount AS gross, 0 AS refunded
      FROM orders o
      WHERE o.confirmed_at IS NOT NULL
      UNION ALL
      SELECT o.event_id, o.tier_id, (r.created_at AT TIME ZONE 'UTC')::date, 0, 0, r.amount
      FROM refunds r JOIN orders o ON o.id = r.order_id
      WHERE r.status = 'succeeded'
    ) movements
    GROUP BY event_id, tier_id, day
    ON CONFLICT (event_id, tier_id, day) DO UPDATE
      SET tickets_sold = excluded.tickets_sold,
          gross_amount = excluded.gross_amount,
          refunded_amount = excluded.refunded_amount,
          refreshed_at = excluded.refreshed_at
  `);
}

export async function refreshCheckinsHourly(db: HttpDatabase): Promise<void> {
  await db.execute(sql`
    INSERT INTO checkins_hourly (event_id, hour, admitted, rejected, refreshed_at)
    SELECT event_id, date_trunc('hour', scanned_at),
           count(*) FILTER (WHERE result = 'admitted')::int,
           count(*) FILTER (WHERE result <> 'admitted')::int,
           now()
    FROM checkins
    GROUP BY event_id, date_trunc('hour', scanned_at)
    ON CONFLICT (event_id, hour) DO UPDATE
      SET admitted = excluded.admitted, rejected = excluded.rejected, refreshed_at = excluded.refreshed_at
  `);
}

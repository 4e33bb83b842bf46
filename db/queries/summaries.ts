/**
 * Report summaries, rebuilt from the ledger by cron so reports never scan every order.
 *
 * The one-minute tables are refreshed every minute for the buckets that may have changed since the
 * previous refresh (minus a margin for transactions that committed late), and rebuilt whole on the
 * nightly run. A bucket is always recomputed whole from its source rows, rows whose source is gone
 * are deleted, and unchanged rows are not written: refreshing twice changes nothing.
 *
 * A bucket "may have changed" when a source row in it was written or moved since the last refresh,
 * not only when its time is recent: an offline scan synced an hour later lands in an old minute
 * (found through `received_at`), a refund that succeeds later changes the minute it was asked in
 * (found through `updated_at`).
 *
 * `sales_daily` and `checkins_hourly` are the older UTC-day and UTC-hour tables, kept for their readers.
 */
import { sql, type SQL } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export type SummaryName = "sales_minutely" | "checkins_minutely";
export type RefreshMode = "recent" | "full";

/** Minutes before the last refresh that are looked at again, for statements that committed late. */
export const REFRESH_MARGIN_MINUTES = 5;

// Refreshes of one summary run one at a time (the nightly rebuild and the minute's refresh start
// together at 03:00); a transaction-scoped advisory lock per summary, keys chosen for this file.
const LOCK_KEYS: Record<SummaryName, number> = { sales_minutely: 0x5a1e5, checkins_minutely: 0xc4ec1 };

/** The lower bound of the source rows to look at, as SQL: everything for a rebuild. */
function since(summary: SummaryName, mode: RefreshMode): SQL {
  if (mode === "full") return sql`'-infinity'::timestamptz`;
  return sql`coalesce((SELECT refreshed_at FROM summary_refreshes WHERE summary = ${summary}) - make_interval(mins => ${REFRESH_MARGIN_MINUTES}), '-infinity'::timestamptz)`;
}

function markRefreshed(summary: SummaryName, mode: RefreshMode): SQL {
  return sql`
    INSERT INTO summary_refreshes (summary, refreshed_at, rebuilt_at)
    VALUES (${summary}, statement_timestamp(), CASE WHEN ${mode === "full"} THEN statement_timestamp() END)
    ON CONFLICT (summary) DO UPDATE
      SET refreshed_at = excluded.refreshed_at, rebuilt_at = coalesce(excluded.rebuilt_at, summary_refreshes.rebuilt_at)`;
}

async function refreshUnderLock(db: HttpDatabase, summary: SummaryName, statement: SQL): Promise<void> {
  await db.batch([db.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_KEYS[summary]})`), db.execute(statement)]);
}

/** Per event, tier and minute: tickets sold and gross by confirmation time, refunds by the time they were asked. */
export async function refreshSalesMinutely(db: HttpDatabase, mode: RefreshMode): Promise<void> {
  const full = mode === "full";
  await refreshUnderLock(
    db,
    "sales_minutely",
    sql`
    WITH mark AS (SELECT ${since("sales_minutely", mode)} AS since),
    touched AS (
      SELECT o.event_id, date_trunc('minute', o.confirmed_at, 'UTC') AS minute
      FROM orders o, mark
      WHERE o.confirmed_at IS NOT NULL AND (o.confirmed_at >= mark.since OR o.updated_at >= mark.since)
      UNION
      SELECT o.event_id, date_trunc('minute', r.created_at, 'UTC')
      FROM refunds r JOIN orders o ON o.id = r.order_id, mark
      WHERE r.created_at >= mark.since OR r.updated_at >= mark.since
    ),
    fresh AS (
      SELECT m.event_id, m.tier_id, m.minute,
             sum(m.sold)::int AS tickets_sold, sum(m.gross)::bigint AS gross_amount, sum(m.refunded)::bigint AS refunded_amount
      FROM (
        SELECT o.event_id, o.tier_id, t.minute, o.quantity AS sold, o.amount AS gross, 0 AS refunded
        FROM touched t JOIN orders o
          ON o.event_id = t.event_id AND o.confirmed_at >= t.minute AND o.confirmed_at < t.minute + interval '1 minute'
        UNION ALL
        SELECT o.event_id, o.tier_id, t.minute, 0, 0, r.amount
        FROM touched t JOIN refunds r ON r.created_at >= t.minute AND r.created_at < t.minute + interval '1 minute'
          JOIN orders o ON o.id = r.order_id AND o.event_id = t.event_id
        WHERE r.status = 'succeeded'
      ) m
      GROUP BY m.event_id, m.tier_id, m.minute
    ),
    written AS (
      INSERT INTO sales_minutely AS s (event_id, tier_id, minute, tickets_sold, gross_amount, refunded_amount)
      SELECT event_id, tier_id, minute, tickets_sold, gross_amount, refunded_amount FROM fresh
      ON CONFLICT (event_id, minute, tier_id) DO UPDATE
        SET tickets_sold = excluded.tickets_sold, gross_amount = excluded.gross_amount, refunded_amount = excluded.refunded_amount
        WHERE (s.tickets_sold, s.gross_amount, s.refunded_amount) IS DISTINCT FROM (excluded.tickets_sold, excluded.gross_amount, excluded.refunded_amount)
      RETURNING 1
    ),
    removed AS (
      DELETE FROM sales_minutely s
      WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.event_id = s.event_id AND f.minute = s.minute AND f.tier_id = s.tier_id)
        AND (${full} OR EXISTS (SELECT 1 FROM touched t WHERE t.event_id = s.event_id AND t.minute = s.minute))
      RETURNING 1
    ),
    marked AS (${markRefreshed("sales_minutely", mode)} RETURNING 1)
    SELECT (SELECT count(*) FROM written)::int AS written, (SELECT count(*) FROM removed)::int AS removed`,
  );
}

/** Per event and minute of the scan: admits, undos, refusals (rejected or duplicate) and offline conflicts. */
export async function refreshCheckinsMinutely(db: HttpDatabase, mode: RefreshMode): Promise<void> {
  const full = mode === "full";
  await refreshUnderLock(
    db,
    "checkins_minutely",
    sql`
    WITH mark AS (SELECT ${since("checkins_minutely", mode)} AS since),
    touched AS (
      SELECT DISTINCT c.event_id, date_trunc('minute', c.scanned_at, 'UTC') AS minute
      FROM checkins c, mark
      WHERE c.scanned_at >= mark.since OR c.received_at >= mark.since
    ),
    fresh AS (
      SELECT c.event_id, t.minute,
             count(*) FILTER (WHERE c.result = 'admitted')::int AS admitted,
             count(*) FILTER (WHERE c.result = 'undone')::int AS undone,
             count(*) FILTER (WHERE c.result IN ('rejected', 'duplicate'))::int AS rejected,
             count(*) FILTER (WHERE c.conflict)::int AS conflicts
      FROM touched t JOIN checkins c
        ON c.event_id = t.event_id AND c.scanned_at >= t.minute AND c.scanned_at < t.minute + interval '1 minute'
      GROUP BY c.event_id, t.minute
    ),
    written AS (
      INSERT INTO checkins_minutely AS s (event_id, minute, admitted, undone, rejected, conflicts)
      SELECT event_id, minute, admitted, undone, rejected, conflicts FROM fresh
      ON CONFLICT (event_id, minute) DO UPDATE
        SET admitted = excluded.admitted, undone = excluded.undone, rejected = excluded.rejected, conflicts = excluded.conflicts
        WHERE (s.admitted, s.undone, s.rejected, s.conflicts) IS DISTINCT FROM (excluded.admitted, excluded.undone, excluded.rejected, excluded.conflicts)
      RETURNING 1
    ),
    removed AS (
      DELETE FROM checkins_minutely s
      WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.event_id = s.event_id AND f.minute = s.minute)
        AND (${full} OR EXISTS (SELECT 1 FROM touched t WHERE t.event_id = s.event_id AND t.minute = s.minute))
      RETURNING 1
    ),
    marked AS (${markRefreshed("checkins_minutely", mode)} RETURNING 1)
    SELECT (SELECT count(*) FROM written)::int AS written, (SELECT count(*) FROM removed)::int AS removed`,
  );
}

export async function refreshSalesDaily(db: HttpDatabase): Promise<void> {
  await db.execute(sql`
    INSERT INTO sales_daily (event_id, tier_id, day, tickets_sold, gross_amount, refunded_amount, refreshed_at)
    SELECT event_id, tier_id, day, sum(sold)::int, sum(gross)::bigint, sum(refunded)::bigint, now()
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

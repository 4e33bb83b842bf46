/**
 * Organizer reports. Sales and check-ins over time come from the one-minute summaries for the
 * minutes before their last refresh and from the ledger after it, so a report is never behind and
 * never scans a whole event's history at request time. Lists (attendees, orders, waitlist) are read
 * a page at a time on a keyset, for the paged JSON lists and the streamed CSV exports alike.
 */
import { sql, type SQL } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export type Page<Row, Key> = { rows: Row[]; next: Key | null };

/** Rows read with one too many: the page, and the key to continue after when there is more. */
function keysetPage<Raw, Row, Key>(raw: Raw[], limit: number, toRow: (raw: Raw) => Row, keyOf: (raw: Raw) => Key): Page<Row, Key> {
  const page = raw.slice(0, limit);
  return { rows: page.map(toRow), next: raw.length > limit ? keyOf(page[page.length - 1]!) : null };
}

/** Money is bigint, which the driver hands back as text; amounts stay below 2^53, so a number is exact. */
type Money = number | string;
const money = (value: Money): number => Number(value);

const ISO_UTC = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS"Z"'`);
const ISO_UTC_MS = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`);
const ISO_UTC_US = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`);
const LOCAL_PERIOD = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS'`);

// ---------------------------------------------------------------- over time

export type SalesBucket = "minute" | "hour" | "day";

export type SalesRow = {
  period_start: string;
  tier_id: string;
  tier_name: string;
  tickets_sold: number;
  gross: number;
  refunded: number;
};

/** The first minute the summary may not hold yet: the minute of its last refresh (all of time if never). */
function summaryEdge(summary: "sales_minutely" | "checkins_minutely"): SQL {
  return sql`coalesce(date_trunc('minute', (SELECT refreshed_at FROM summary_refreshes WHERE summary = ${summary}), 'UTC'), '-infinity'::timestamptz)`;
}

/** Sales and refunds per tier and minute, hour or day, with periods cut in the event's own time zone. */
export async function salesByPeriod(db: HttpDatabase, eventId: string, bucket: SalesBucket, timezone: string): Promise<SalesRow[]> {
  const unit = sql.raw(`'${bucket}'`);
  const result = await db.execute<Omit<SalesRow, "gross" | "refunded"> & { gross: Money; refunded: Money }>(sql`
    WITH edge AS (SELECT ${summaryEdge("sales_minutely")} AS at),
    movements AS (
      SELECT s.tier_id, s.minute AS at, s.tickets_sold AS sold, s.gross_amount AS gross, s.refunded_amount AS refunded
      FROM sales_minutely s, edge WHERE s.event_id = ${eventId} AND s.minute < edge.at
      UNION ALL
      SELECT o.tier_id, o.confirmed_at, o.quantity, o.amount, 0
      FROM orders o, edge WHERE o.event_id = ${eventId} AND o.confirmed_at >= edge.at
      UNION ALL
      SELECT o.tier_id, r.created_at, 0, 0, r.amount
      FROM refunds r JOIN orders o ON o.id = r.order_id, edge
      WHERE o.event_id = ${eventId} AND r.status = 'succeeded' AND r.created_at >= edge.at
    )
    SELECT to_char(date_trunc(${unit}, m.at AT TIME ZONE ${timezone}), ${LOCAL_PERIOD}) AS period_start, m.tier_id, t.name AS tier_name,
           sum(m.sold)::int AS tickets_sold, sum(m.gross)::bigint AS gross, sum(m.refunded)::bigint AS refunded
    FROM movements m JOIN ticket_tiers t ON t.id = m.tier_id
    GROUP BY 1, m.tier_id, t.name, t.position
    ORDER BY 1, t.position`);
  return result.rows.map((r) => ({ ...r, gross: money(r.gross), refunded: money(r.refunded) }));
}

export type CheckinReportRow = { period_start: string; admitted: number; rejected: number; conflicts: number };

/**
 * Scans per minute or hour in the event's time zone (an undo takes its admit back). The log is read
 * for the minutes from the last refresh on, and for scans received since it whatever their scan time
 * (an offline phone syncing an hour of scans), so neither waits for the next refresh.
 */
export async function checkinCurve(db: HttpDatabase, eventId: string, timezone: string, bucket: "minute" | "hour"): Promise<CheckinReportRow[]> {
  const unit = sql.raw(`'${bucket}'`);
  const result = await db.execute<CheckinReportRow>(sql`
    WITH mark AS (SELECT refreshed_at AS at FROM summary_refreshes WHERE summary = 'checkins_minutely'),
    edge AS (SELECT ${summaryEdge("checkins_minutely")} AS minute, coalesce((SELECT at FROM mark), '-infinity'::timestamptz) AS at),
    movements AS (
      SELECT s.minute AS at, s.admitted - s.undone AS admitted, s.rejected, s.conflicts
      FROM checkins_minutely s, edge WHERE s.event_id = ${eventId} AND s.minute < edge.minute
      UNION ALL
      SELECT c.scanned_at,
             CASE c.result WHEN 'admitted' THEN 1 WHEN 'undone' THEN -1 ELSE 0 END,
             CASE WHEN c.result IN ('rejected', 'duplicate') THEN 1 ELSE 0 END,
             CASE WHEN c.conflict THEN 1 ELSE 0 END
      FROM checkins c, edge
      WHERE c.event_id = ${eventId} AND (c.scanned_at >= edge.minute OR c.received_at >= edge.at)
    )
    SELECT to_char(date_trunc(${unit}, m.at AT TIME ZONE ${timezone}), ${LOCAL_PERIOD}) AS period_start,
           sum(m.admitted)::int AS admitted, sum(m.rejected)::int AS rejected, sum(m.conflicts)::int AS conflicts
    FROM movements m
    GROUP BY 1 ORDER BY 1`);
  return result.rows;
}

// ---------------------------------------------------------------- lists, a page at a time

export type AttendeeRow = {
  ticket_id: string;
  attendee_name: string;
  email: string;
  tier: string;
  seat: string | null;
  order_id: string;
  ticket_status: string;
  issued_at: string;
  checked_in_at: string | null;
};

/** Tier order, seated tickets by seat before unseated ones, then name: `[position, unseated, seat, name, ticket_id]`. */
export type AttendeeKey = [number, boolean, string, string, string];

export async function attendeesPage(db: HttpDatabase, eventId: string, after: AttendeeKey | null | undefined, limit: number): Promise<Page<AttendeeRow, AttendeeKey>> {
  const sortKey = sql`(t.position, k.seat_label IS NULL, coalesce(k.seat_label, ''), k.attendee_name, k.id)`;
  const result = await db.execute<AttendeeRow & { k_position: number; k_unseated: boolean; k_seat: string }>(sql`
    SELECT k.id AS ticket_id, k.attendee_name, a.email, t.name AS tier, k.seat_label AS seat, k.order_id,
           k.status AS ticket_status, to_char(k.created_at AT TIME ZONE 'UTC', ${ISO_UTC}) AS issued_at,
           -- The first admit, unless every admit of the ticket was undone by staff.
           (SELECT CASE WHEN count(*) FILTER (WHERE c.result = 'admitted') > count(*) FILTER (WHERE c.result = 'undone')
                   THEN to_char(min(c.scanned_at) FILTER (WHERE c.result = 'admitted') AT TIME ZONE 'UTC', ${ISO_UTC}) END
             FROM checkins c WHERE c.ticket_id = k.id) AS checked_in_at,
           t.position AS k_position, k.seat_label IS NULL AS k_unseated, coalesce(k.seat_label, '') AS k_seat
    FROM tickets k
    JOIN orders o ON o.id = k.order_id
    JOIN attendees a ON a.id = o.attendee_id
    JOIN ticket_tiers t ON t.id = k.tier_id
    WHERE k.event_id = ${eventId}
      ${after ? sql`AND ${sortKey} > (${after[0]}::int, ${after[1]}::boolean, ${after[2]}::text, ${after[3]}::text, ${after[4]}::uuid)` : sql``}
    ORDER BY t.position, k.seat_label IS NULL, coalesce(k.seat_label, ''), k.attendee_name, k.id
    LIMIT ${limit + 1}`);
  return keysetPage(
    result.rows,
    limit,
    ({ k_position, k_unseated, k_seat, ...row }) => row,
    (r): AttendeeKey => [r.k_position, r.k_unseated, r.k_seat, r.attendee_name, r.ticket_id],
  );
}

export type OrderReportRow = {
  order_id: string;
  created_at: string;
  status: string;
  attendee_name: string;
  email: string;
  tier: string;
  quantity: number;
  amount: number;
  currency: string;
  refunded: number;
  /** The short code the attendee has in their mail; null until the order is paid. */
  order_code: string | null;
  /** When a pending order's hold ran out (it reads `expired` from then, before the sweeper gets to it). */
  expired_at: string | null;
  /** The buyer's next attempt at the same tier, when this unpaid one was replaced within a hold window. */
  superseded_by: string | null;
};

export interface OrdersPageOptions {
  /** Replaced attempts (declined, abandoned) as rows of their own; the dashboard hides them by default. */
  includeSuperseded?: boolean;
  now?: Date;
}

/** Creation time to the microsecond (ISO, UTC), then id: `[created_at, order_id]`. */
export type OrderKey = [string, string];

/**
 * Orders in creation order, each with its status as of `now` (a lapsed hold reads `expired`) and,
 * for an order that ended unpaid (cancelled, expired, or a lapsed hold; a live hold is still real
 * seats and stays its own row), the attempt that replaced it: the same buyer's next order for the same tier,
 * made before this one's hold ran out or within one more hold's length after. Those rows are
 * filtered in the query, not after it, so pages stay full and the keyset stays exact.
 */
export async function ordersPage(
  db: HttpDatabase,
  eventId: string,
  after: OrderKey | null | undefined,
  limit: number,
  { includeSuperseded = true, now = new Date() }: OrdersPageOptions = {},
): Promise<Page<OrderReportRow, OrderKey>> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const lapsed = sql`(o.status = 'pending' AND o.hold_expires_at <= ${at})`;
  const replacedBy = sql`(SELECT n.id FROM orders n
      WHERE (o.status IN ('expired', 'cancelled') OR ${lapsed})
        AND n.event_id = o.event_id AND n.attendee_id = o.attendee_id AND n.tier_id = o.tier_id
        AND (n.created_at, n.id) > (o.created_at, o.id)
        AND n.created_at <= coalesce(o.hold_expires_at, o.created_at) + make_interval(mins => e.hold_minutes)
      ORDER BY n.created_at, n.id LIMIT 1)`;
  const result = await db.execute<Omit<OrderReportRow, "amount" | "refunded"> & { amount: Money; refunded: Money; k_created_at: string; k_at: unknown }>(sql`
    SELECT * FROM (
      SELECT o.id AS order_id, to_char(o.created_at AT TIME ZONE 'UTC', ${ISO_UTC}) AS created_at,
             CASE WHEN ${lapsed} THEN 'expired' ELSE o.status::text END AS status,
             o.attendee_name, a.email, t.name AS tier, o.quantity, o.amount, o.currency,
             coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.order_id = o.id AND r.status = 'succeeded'), 0)::bigint AS refunded,
             o.order_code,
             CASE WHEN ${lapsed} OR o.status = 'expired' THEN to_char(o.hold_expires_at AT TIME ZONE 'UTC', ${ISO_UTC}) END AS expired_at,
             ${replacedBy} AS superseded_by,
             to_char(o.created_at AT TIME ZONE 'UTC', ${ISO_UTC_US}) AS k_created_at,
             o.created_at AS k_at
      FROM orders o
      JOIN events e ON e.id = o.event_id
      JOIN attendees a ON a.id = o.attendee_id
      JOIN ticket_tiers t ON t.id = o.tier_id
      WHERE o.event_id = ${eventId}
        ${after ? sql`AND (o.created_at, o.id) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    ) listed
    ${includeSuperseded ? sql`` : sql`WHERE superseded_by IS NULL`}
    ORDER BY k_at, order_id
    LIMIT ${limit + 1}`);
  return keysetPage(
    result.rows,
    limit,
    ({ k_created_at, k_at, ...row }) => ({ ...row, amount: money(row.amount), refunded: money(row.refunded) }),
    (r): OrderKey => [r.k_created_at, r.order_id],
  );
}

export type WaitlistReportRow = {
  entry_id: string;
  tier_id: string;
  position: number;
  quantity: number;
  status: string;
  attendee: { name: string; email: string };
  offer_expires_at: string | null;
  joined_at: string;
};

/** Tier, then place in its line: `[tier_id, position]`. */
export type WaitlistKey = [string, number];

export async function waitlistPage(db: HttpDatabase, eventId: string, after: WaitlistKey | null | undefined, limit: number): Promise<Page<WaitlistReportRow, WaitlistKey>> {
  const result = await db.execute<Omit<WaitlistReportRow, "attendee"> & { name: string; email: string }>(sql`
    SELECT w.id AS entry_id, w.tier_id, w.position, w.quantity, w.status, w.attendee_name AS name, a.email,
           to_char(w.offer_expires_at AT TIME ZONE 'UTC', ${ISO_UTC_MS}) AS offer_expires_at,
           to_char(w.created_at AT TIME ZONE 'UTC', ${ISO_UTC_MS}) AS joined_at
    FROM waitlist_entries w JOIN attendees a ON a.id = w.attendee_id
    WHERE w.event_id = ${eventId}
      ${after ? sql`AND (w.tier_id, w.position) > (${after[0]}::uuid, ${after[1]}::int)` : sql``}
    ORDER BY w.tier_id, w.position
    LIMIT ${limit + 1}`);
  return keysetPage(
    result.rows,
    limit,
    ({ name, email, ...entry }) => ({ ...entry, attendee: { name, email } }),
    (r): WaitlistKey => [r.tier_id, r.position],
  );
}

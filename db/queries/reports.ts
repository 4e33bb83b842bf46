/**
 * Organizer reports, computed from the ledger at request time so they are never behind the sales.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export type SalesRow = {
  period_start: string;
  tier_id: string;
  tier_name: string;
  tickets_sold: number;
  gross: number;
  refunded: number;
};

/** Sales and refunds per tier and day (or hour), with periods cut in the event's own time zone. */
export async function salesByPeriod(db: HttpDatabase, eventId: string, bucket: "day" | "hour", timezone: string): Promise<SalesRow[]> {
  const unit = sql.raw(bucket === "day" ? "'day'" : "'hour'");
  const result = await db.execute<SalesRow>(sql`
    WITH movements AS (
      SELECT o.tier_id, date_trunc(${unit}, o.confirmed_at AT TIME ZONE ${timezone}) AS period,
             o.quantity AS sold, o.amount AS gross, 0 AS refunded
      FROM orders o WHERE o.event_id = ${eventId} AND o.confirmed_at IS NOT NULL
      UNION ALL
      SELECT o.tier_id, date_trunc(${unit}, r.created_at AT TIME ZONE ${timezone}), 0, 0, r.amount
      FROM refunds r JOIN orders o ON o.id = r.order_id
      WHERE o.event_id = ${eventId} AND r.status = 'succeeded'
    )
    SELECT to_char(m.period, 'YYYY-MM-DD"T"HH24:MI:SS') AS period_start, m.tier_id, t.name AS tier_name,
           sum(m.sold)::int AS tickets_sold, sum(m.gross)::int AS gross, sum(m.refunded)::int AS refunded
    FROM movements m JOIN ticket_tiers t ON t.id = m.tier_id
    GROUP BY m.period, m.tier_id, t.name, t.position
    ORDER BY m.period, t.position`);
  return result.rows;
}

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

export async function attendeeList(db: HttpDatabase, eventId: string): Promise<AttendeeRow[]> {
  const result = await db.execute<AttendeeRow>(sql`
    SELECT k.id AS ticket_id, k.attendee_name, a.email, t.name AS tier, k.seat_label AS seat, k.order_id,
           k.status AS ticket_status, to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS issued_at,
           -- The first admit, unless every admit of the ticket was undone by staff.
           (SELECT CASE WHEN count(*) FILTER (WHERE c.result = 'admitted') > count(*) FILTER (WHERE c.result = 'undone')
                   THEN to_char(min(c.scanned_at) FILTER (WHERE c.result = 'admitted') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END
             FROM checkins c WHERE c.ticket_id = k.id) AS checked_in_at
    FROM tickets k
    JOIN orders o ON o.id = k.order_id
    JOIN attendees a ON a.id = o.attendee_id
    JOIN ticket_tiers t ON t.id = k.tier_id
    WHERE k.event_id = ${eventId}
    ORDER BY t.position, k.seat_label NULLS LAST, k.attendee_name, k.id`);
  return result.rows;
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
};

export async function orderList(db: HttpDatabase, eventId: string): Promise<OrderReportRow[]> {
  const result = await db.execute<OrderReportRow>(sql`
    SELECT o.id AS order_id, to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
           o.status, a.name AS attendee_name, a.email, t.name AS tier, o.quantity, o.amount, o.currency,
           coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.order_id = o.id AND r.status = 'succeeded'), 0)::int AS refunded
    FROM orders o
    JOIN attendees a ON a.id = o.attendee_id
    JOIN ticket_tiers t ON t.id = o.tier_id
    WHERE o.event_id = ${eventId}
    ORDER BY o.created_at, o.id`);
  return result.rows;
}

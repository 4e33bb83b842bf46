/**
 * The orders one email holds tickets in, for "resend my tickets": paid orders (wholly refunded ones
 * have no tickets left) of events whose order links still open, soonest event first.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export type TicketLinkOrder = {
  order_id: string;
  order_code: string | null;
  status: "confirmed" | "partially_refunded";
  quantity: number;
  event_title: string;
  starts_at: string;
  timezone: string;
};

export async function ordersWithTicketsOf(db: HttpDatabase, email: string, linksOpenAfter: Date, limit: number): Promise<TicketLinkOrder[]> {
  const result = await db.execute<TicketLinkOrder>(sql`
    SELECT o.id AS order_id, o.order_code, o.status, o.quantity, e.title AS event_title,
           to_char(e.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS starts_at, e.timezone
    FROM attendees a
    JOIN orders o ON o.attendee_id = a.id
    JOIN events e ON e.id = o.event_id
    WHERE lower(a.email) = lower(${email})
      AND o.status IN ('confirmed', 'partially_refunded')
      AND e.ends_at > ${linksOpenAfter.toISOString()}::timestamptz
    ORDER BY e.starts_at, o.created_at
    LIMIT ${limit}`);
  return result.rows;
}

/**
 * The tickets of a page of orders, for the organizer's order list: what each refund dialog lists
 * (one query for the page, not one per order).
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export type OrderTicketStatus = "valid" | "checked_in" | "refunded" | "revoked";

export type OrderTicketRow = {
  ticket_id: string;
  seat: string | null;
  tier: string;
  /** What the order paid for it, in minor units: an organizer's refund of the ticket gives this back (capped by what is left). */
  price: number;
  /** `checked_in` is still valid (an organizer may refund it); `revoked` is revoked for another reason than a refund. */
  status: OrderTicketStatus;
};

export async function ticketsOfOrders(db: HttpDatabase, orderIds: string[]): Promise<Map<string, OrderTicketRow[]>> {
  const byOrder = new Map<string, OrderTicketRow[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  const result = await db.execute<Omit<OrderTicketRow, "price"> & { order_id: string; price: string | number }>(sql`
    SELECT k.order_id, k.id AS ticket_id, k.seat_label AS seat, t.name AS tier, coalesce(i.unit_price, 0) AS price,
           CASE
             WHEN k.status = 'revoked' AND k.revoke_reason = 'refunded' THEN 'refunded'
             WHEN k.status = 'revoked' THEN 'revoked'
             -- Admitted, unless every admit was undone by staff (as the attendee list reads it).
             WHEN (SELECT count(*) FILTER (WHERE c.result = 'admitted') > count(*) FILTER (WHERE c.result = 'undone')
                     FROM checkins c WHERE c.ticket_id = k.id) THEN 'checked_in'
             ELSE 'valid'
           END AS status
    FROM tickets k
    JOIN ticket_tiers t ON t.id = k.tier_id
    LEFT JOIN order_items i ON i.id = k.order_item_id
    WHERE k.order_id IN (${sql.join(orderIds.map((id) => sql`${id}::uuid`), sql`, `)})
    ORDER BY k.order_id, k.seat_label, k.id`);
  for (const { order_id, ...row } of result.rows) byOrder.get(order_id)?.push({ ...row, price: Number(row.price) });
  return byOrder;
}

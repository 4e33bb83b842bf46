/**
 * What an order link (order token) needs to know before it opens an order: the order, and the end
 * of its event, which bounds how long the link is good for.
 */
import { eq } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { events, orders } from "../schema";

export async function findOrderWithEventEnd(db: HttpDatabase, orderId: string): Promise<{ order: typeof orders.$inferSelect; eventEndsAt: Date } | undefined> {
  const [row] = await db
    .select({ order: orders, eventEndsAt: events.endsAt })
    .from(orders)
    .innerJoin(events, eq(events.id, orders.eventId))
    .where(eq(orders.id, orderId))
    .limit(1);
  return row;
}

/**
 * Organizer reports: sales over time (JSON) and the attendee and order lists (CSV).
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findOwnedEvent } from "../../db/queries/organizer-events";
import { attendeeList, orderList, salesByPeriod } from "../../db/queries/reports";
import { entriesOfEvent } from "../../db/queries/waitlist";
import { currentOrganizer, requireOrganizer } from "../auth/organizer-auth";
import type { AppEnv } from "../context";
import { toCsv } from "../csv";
import { ApiError } from "../errors";
import { validate } from "../validation";

async function ownedEvent(c: Context<AppEnv>) {
  const eventId = c.req.param("eventId") ?? "";
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(c.get("db"), eventId, currentOrganizer(c).id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  return event;
}

function csvResponse(c: Context<AppEnv>, filename: string, body: string) {
  return c.body(body, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" });
}

export const organizerReportRoutes = new Hono<AppEnv>()
  .get("/:eventId/reports/sales", requireOrganizer, validate("query", z.object({ bucket: z.enum(["day", "hour"]).default("day") }).strict()), async (c) => {
    const event = await ownedEvent(c);
    const { bucket } = c.req.valid("query");
    const rows = await salesByPeriod(c.get("db"), event.id, bucket, event.timezone);
    return c.json({
      event_id: event.id,
      currency: event.currency,
      bucket,
      timezone: event.timezone,
      rows: rows.map((r) => ({ ...r, net: r.gross - r.refunded })),
      totals: {
        tickets_sold: rows.reduce((s, r) => s + r.tickets_sold, 0),
        gross: rows.reduce((s, r) => s + r.gross, 0),
        refunded: rows.reduce((s, r) => s + r.refunded, 0),
      },
    });
  })
  .get("/:eventId/reports/attendees.csv", requireOrganizer, async (c) => {
    const event = await ownedEvent(c);
    const rows = await attendeeList(c.get("db"), event.id);
    return csvResponse(c, `attendees-${event.id}.csv`, toCsv(["ticket_id", "attendee_name", "email", "tier", "seat", "order_id", "ticket_status", "issued_at", "checked_in_at"], rows));
  })
  .get("/:eventId/orders", requireOrganizer, async (c) => {
    // The dashboard's order list (refund actions); the CSV below has the same rows.
    const event = await ownedEvent(c);
    return c.json({ event_id: event.id, orders: await orderList(c.get("db"), event.id) });
  })
  .get("/:eventId/waitlist", requireOrganizer, async (c) => {
    const event = await ownedEvent(c);
    const rows = await entriesOfEvent(c.get("db"), event.id);
    return c.json({
      event_id: event.id,
      entries: rows.map(({ entry, email, name }) => ({
        entry_id: entry.id,
        tier_id: entry.tierId,
        position: entry.position,
        quantity: entry.quantity,
        status: entry.status,
        attendee: { name, email },
        offer_expires_at: entry.offerExpiresAt?.toISOString() ?? null,
        joined_at: entry.createdAt.toISOString(),
      })),
    });
  })
  .get("/:eventId/reports/orders.csv", requireOrganizer, async (c) => {
    const event = await ownedEvent(c);
    const rows = await orderList(c.get("db"), event.id);
    return csvResponse(c, `orders-${event.id}.csv`, toCsv(["order_id", "created_at", "status", "attendee_name", "email", "tier", "quantity", "amount", "currency", "refunded"], rows));
  });

/**
 * Organizer reports: sales over time (JSON), the attendee and order exports (CSV, streamed), the
 * paged lists behind the dashboard (orders, waitlist, attendees) and what reconciliation found.
 *
 * Reports and exports read through the read connection (`DATABASE_URL_READ`, else the primary);
 * the paged lists read the primary, since an organizer acts on them (a Refund reloads the orders and
 * must see its own refund). Ownership is always checked on the primary.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { connectHttp, type HttpDatabase } from "../../db/client";
import { findOwnedEvent } from "../../db/queries/organizer-events";
import { ticketsOfOrders } from "../../db/queries/order-tickets-report";
import { openFindingsOfEvent } from "../../db/queries/reconciliation";
import { attendeesPage, ordersPage, salesByPeriod, waitlistPage, type AttendeeKey, type AttendeeRow, type OrderKey, type OrderReportRow } from "../../db/queries/reports";
import { currentOrganization, requirePermission } from "../auth/permissions";
import { readDatabaseSettings } from "../config";
import type { AppEnv } from "../context";
import { csvStream } from "../csv";
import { ApiError } from "../errors";
import { encodeCursor, keyInt, keyText, pagedQuery } from "../page-cursor";
import { validate } from "../validation";

/** Rows per query of a CSV export: big enough to keep round trips few, small enough to hold. */
export const EXPORT_PAGE_SIZE = 1000;

const ATTENDEE_COLUMNS: (keyof AttendeeRow)[] = ["ticket_id", "attendee_name", "email", "tier", "seat", "order_id", "ticket_status", "issued_at", "checked_in_at"];
const ORDER_COLUMNS: (keyof OrderReportRow)[] = ["order_id", "created_at", "status", "attendee_name", "email", "tier", "quantity", "amount", "currency", "refunded"];

const microsecondsUtc = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
  .refine((s) => {
    const day = new Date(`${s.slice(0, 19)}Z`);
    return !Number.isNaN(day.getTime()) && day.getUTCFullYear() >= 1 && day.toISOString().slice(0, 19) === s.slice(0, 19);
  });
const attendeeKey = z.tuple([keyInt, z.boolean(), keyText, keyText, z.uuid()]);
const orderKey = z.tuple([microsecondsUtc, z.uuid()]);
const waitlistKey = z.tuple([z.uuid(), keyInt]);

async function ownedEvent(c: Context<AppEnv>) {
  const eventId = c.req.param("eventId") ?? "";
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(c.get("db"), eventId, currentOrganization(c).id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  return event;
}

/** The read connection, for this request's report or export only. */
function reader(c: Context<AppEnv>): HttpDatabase {
  return connectHttp(readDatabaseSettings(c.env));
}

/** The attendee export, read `pageSize` tickets per query. */
export function attendeesCsv(db: HttpDatabase, eventId: string, pageSize = EXPORT_PAGE_SIZE): ReadableStream<Uint8Array> {
  return csvStream(ATTENDEE_COLUMNS, (after: AttendeeKey | undefined) => attendeesPage(db, eventId, after, pageSize));
}

/** The order export, read `pageSize` orders per query. */
export function ordersCsv(db: HttpDatabase, eventId: string, pageSize = EXPORT_PAGE_SIZE): ReadableStream<Uint8Array> {
  return csvStream(ORDER_COLUMNS, (after: OrderKey | undefined) => ordersPage(db, eventId, after, pageSize));
}

function csvResponse(c: Context<AppEnv>, filename: string, body: ReadableStream<Uint8Array>) {
  return c.body(body, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" });
}

export const organizerReportRoutes = new Hono<AppEnv>()
  .get("/:eventId/reports/sales", requirePermission("report.read"), validate("query", z.object({ bucket: z.enum(["minute", "hour", "day"]).default("day") }).strict()), async (c) => {
    const event = await ownedEvent(c);
    const { bucket } = c.req.valid("query");
    const rows = await salesByPeriod(reader(c), event.id, bucket, event.timezone);
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
  .get("/:eventId/reports/attendees.csv", requirePermission("report.read"), async (c) => {
    const event = await ownedEvent(c);
    return csvResponse(c, `attendees-${event.id}.csv`, attendeesCsv(reader(c), event.id));
  })
  .get("/:eventId/reports/orders.csv", requirePermission("report.read"), async (c) => {
    const event = await ownedEvent(c);
    return csvResponse(c, `orders-${event.id}.csv`, ordersCsv(reader(c), event.id));
  })
  .get("/:eventId/orders", requirePermission("order.read"), validate("query", pagedQuery(orderKey).extend({ include_superseded: z.enum(["true", "false"]).optional() })), async (c) => {
    // The dashboard's order list (refund actions). The CSV above has every row; this list folds a
    // buyer's replaced attempts into the attempt that replaced them unless asked for them.
    const event = await ownedEvent(c);
    const { cursor, limit, include_superseded } = c.req.valid("query");
    const page = await ordersPage(c.get("db"), event.id, cursor, limit, { includeSuperseded: include_superseded === "true" });
    // Each order with its tickets (additive), so the refund dialog can refund any one of them.
    const tickets = await ticketsOfOrders(c.get("db"), page.rows.map((r) => r.order_id));
    const orders = page.rows.map((r) => ({ ...r, tickets: tickets.get(r.order_id) ?? [] }));
    return c.json({ event_id: event.id, orders, next_cursor: page.next && encodeCursor(page.next) });
  })
  .get("/:eventId/attendees", requirePermission("order.read"), validate("query", pagedQuery(attendeeKey)), async (c) => {
    const event = await ownedEvent(c);
    const { cursor, limit } = c.req.valid("query");
    const page = await attendeesPage(c.get("db"), event.id, cursor, limit);
    return c.json({ event_id: event.id, attendees: page.rows, next_cursor: page.next && encodeCursor(page.next) });
  })
  .get("/:eventId/waitlist", requirePermission("waitlist.read"), validate("query", pagedQuery(waitlistKey)), async (c) => {
    const event = await ownedEvent(c);
    const { cursor, limit } = c.req.valid("query");
    const page = await waitlistPage(c.get("db"), event.id, cursor, limit);
    return c.json({ event_id: event.id, entries: page.rows, next_cursor: page.next && encodeCursor(page.next) });
  })
  .get("/:eventId/reconciliation", requirePermission("report.read"), async (c) => {
    const event = await ownedEvent(c);
    return c.json({ event_id: event.id, findings: await openFindingsOfEvent(c.get("db"), event.id) });
  });
